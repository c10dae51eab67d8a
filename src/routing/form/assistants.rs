//! `[[assistants]]` by form: add, rename, reorder and remove, phones typed as people write
//! them and kept as E.164.

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::text::{set, text};
use super::Problems;
use crate::ids::AssistantId;
use crate::phone;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssistantForm {
    /// Empty for one added by this form.
    pub id: String,
    pub name: String,
    /// As people near the business write it.
    pub phone: String,
    /// Who rings first: 1, 2, 3…
    pub order: String,
    pub remove: bool,
}

impl AssistantForm {
    fn blank(&self) -> bool {
        self.id.is_empty() && self.name.trim().is_empty() && self.phone.trim().is_empty()
    }
}

/// Field name of one part of assistant row `n`.
#[must_use]
pub fn field(n: usize, part: &str) -> String {
    format!("assistant.{n}.{part}")
}

/// In the order they ring (priority, then as written).
pub(super) fn read(doc: &DocumentMut, home: &str) -> Vec<AssistantForm> {
    let Some(list) = doc.get("assistants").and_then(Item::as_array_of_tables) else {
        return Vec::new();
    };
    let mut rows: Vec<(i64, AssistantForm)> = list
        .iter()
        .map(|t| {
            let id = text(t, "id");
            let name = t
                .get("name")
                .and_then(Item::as_str)
                .map_or_else(|| id.clone(), str::to_owned);
            let priority = t.get("priority").and_then(Item::as_integer).unwrap_or(0);
            let row = AssistantForm {
                phone: phone::written(&text(t, "phone"), home),
                id,
                name,
                order: String::new(),
                remove: false,
            };
            (priority, row)
        })
        .collect();
    rows.sort_by_key(|(p, _)| *p);
    (rows.into_iter().enumerate())
        .map(|(n, (_, row))| AssistantForm {
            order: (n + 1).to_string(),
            ..row
        })
        .collect()
}

/// The ids removed, when nothing was wrong.
pub(super) fn write(doc: &mut DocumentMut, rows: &[AssistantForm], home: &str, problems: &mut Problems) -> Vec<String> {
    let existing: Vec<String> = doc
        .get("assistants")
        .and_then(Item::as_array_of_tables)
        .map(|l| l.iter().map(|t| text(t, "id")).collect())
        .unwrap_or_default();
    let mut taken: Vec<String> = existing.clone();
    // (row, id, E.164 phone), in the order they are to ring.
    let mut kept: Vec<(usize, String, String)> = Vec::new();
    let mut removed = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        if row.blank() {
            continue;
        }
        if row.remove {
            removed.push(row.id.clone());
            continue;
        }
        let name = row.name.trim();
        if name.is_empty() {
            problems.insert(
                field(n, "name"),
                "Type their name, as callers and the team know them.".into(),
            );
        }
        let number = if row.phone.trim().is_empty() {
            problems.insert(field(n, "phone"), "Type the number their calls go to.".into());
            None
        } else {
            match phone::read(&row.phone, home) {
                Ok(e164) => Some(e164.as_str().to_owned()),
                Err(_) => {
                    let message = format!(
                        "“{}” is not a number that can be called. Type it as it is dialled here, such as {}, or with + and the country code for one abroad.",
                        row.phone.trim(),
                        phone::written("+12125550111", home)
                    );
                    problems.insert(field(n, "phone"), message);
                    None
                }
            }
        };
        if row.order.trim().parse::<u32>().is_err() && !row.order.trim().is_empty() {
            problems.insert(field(n, "order"), "Type a number: 1 rings first.".into());
        }
        let id = if row.id.is_empty() {
            let id = new_id(name, &taken);
            taken.push(id.clone());
            id
        } else {
            row.id.clone()
        };
        kept.push((n, id, number.unwrap_or_default()));
    }
    if !problems.is_empty() {
        return Vec::new();
    }
    let order = |n: usize| rows[n].order.trim().parse::<u32>().unwrap_or(u32::MAX);
    kept.sort_by_key(|(n, ..)| order(*n));
    let list = doc
        .entry("assistants")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    let Some(list) = list.as_array_of_tables_mut() else {
        problems.insert(
            field(0, "name"),
            "The assistants are written in a way this form cannot change: use Advanced.".into(),
        );
        return Vec::new();
    };
    let mut index = 0;
    while index < list.len() {
        let id = list.get(index).map(|t| text(t, "id")).unwrap_or_default();
        if removed.contains(&id) {
            list.remove(index);
        } else {
            index += 1;
        }
    }
    // Priorities are rewritten only when the order changed, so an unchanged file stays as it was.
    let current: Vec<&str> = existing
        .iter()
        .filter(|id| !removed.contains(id))
        .map(String::as_str)
        .collect();
    let mut by_priority: Vec<(i64, &str)> = current.iter().map(|id| (priority_of(list, id), *id)).collect();
    by_priority.sort_by_key(|(p, _)| *p);
    let wanted: Vec<&str> = kept
        .iter()
        .map(|(_, id, _)| id.as_str())
        .filter(|id| current.contains(id))
        .collect();
    let reordered = by_priority.iter().map(|(_, id)| *id).ne(wanted.iter().copied());
    let mut next = by_priority.last().map_or(1, |(p, _)| p + 1);
    for (position, (n, id, number)) in kept.iter().enumerate() {
        let row = &rows[*n];
        let name = row.name.trim();
        let table = match (0..list.len()).find(|i| list.get(*i).is_some_and(|t| text(t, "id") == *id)) {
            Some(i) => list.get_mut(i).expect("found above"),
            None => {
                let mut t = Table::new();
                t.insert("id", Item::Value(Value::from(id.as_str())));
                t.insert("name", Item::Value(Value::from(name)));
                t.insert("phone", Item::Value(Value::from(number.as_str())));
                t.insert("priority", Item::Value(Value::from(next)));
                next += 1;
                list.push(t);
                list.get_mut(list.len() - 1).expect("just pushed")
            }
        };
        if table.get("name").and_then(Item::as_str).unwrap_or(id.as_str()) != name {
            set(table, "name", name);
        }
        set(table, "phone", number.as_str());
        if reordered {
            set(table, "priority", i64::try_from(position + 1).unwrap_or(i64::MAX));
        }
    }
    removed
}

fn priority_of(list: &ArrayOfTables, id: &str) -> i64 {
    list.iter()
        .find(|t| text(*t, "id") == id)
        .and_then(|t| t.get("priority"))
        .and_then(Item::as_integer)
        .unwrap_or(0)
}

/// An id for a new assistant: their first name, else their whole name, made unique.
fn new_id(name: &str, taken: &[String]) -> String {
    let slug = |s: &str| {
        let mut out = String::new();
        for c in s.chars().flat_map(char::to_lowercase) {
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_owned()
    };
    let first = slug(name.split_whitespace().next().unwrap_or_default());
    let whole = slug(name);
    let base = [first, whole.clone()]
        .into_iter()
        .find(|c| !c.is_empty() && AssistantId::parse(c).is_ok() && !taken.contains(c))
        .unwrap_or_else(|| {
            if whole.is_empty() {
                "assistant".to_owned()
            } else {
                whole
            }
        });
    (1..)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
        .find(|c| !taken.contains(c))
        .expect("some number is free")
}
