//! Where a line of the written text is on the form: a problem the rules' checks find in
//! the text the form wrote is shown beside the field (or the section) it came from.

use std::ops::Range;

use toml_edit::{ImDocument, Item, Table, Value};

use super::assistants::field as assistant_field;
use super::menu::option_field;
use super::{RulesForm, DAYS, ROUTES};

/// One step of the way to a value: a key, or a place in a list.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// The form field (or section: `hours`, `holidays`, `assistants`, `menu`) that the text
/// at `line` and `column` (from 1, as problems are reported) of `source` was written from;
/// `None` for what the form does not show, such as `[[tests]]`. `form` is what was
/// posted, `source` the text written from it.
#[must_use]
pub fn field_at(source: &str, form: &RulesForm, line: usize, column: usize) -> Option<String> {
    let doc = ImDocument::parse(source).ok()?;
    let start: usize = source
        .split_inclusive('\n')
        .take(line.checked_sub(1)?)
        .map(str::len)
        .sum();
    let text = source.get(start..)?.lines().next().unwrap_or_default();
    let at = start + text.char_indices().nth(column.saturating_sub(1)).map_or(0, |(i, _)| i);
    let mut path = Vec::new();
    in_table(doc.as_table(), &(at..at + 1), &mut path).then_some(())?;
    field(&path, form, doc.as_table())
}

fn overlaps(span: Option<Range<usize>>, line: &Range<usize>) -> bool {
    span.is_some_and(|s| s.start < line.end && line.start < s.end.max(s.start + 1))
}

/// Whether `line` is within `table`, with the way to it pushed onto `path`.
fn in_table(table: &Table, line: &Range<usize>, path: &mut Vec<Step>) -> bool {
    for (key, item) in table.iter() {
        path.push(Step::Key(key.to_owned()));
        let found = match item {
            Item::Table(t) => in_table(t, line, path),
            Item::ArrayOfTables(list) => list.iter().enumerate().any(|(n, t)| {
                path.push(Step::Index(n));
                let found = in_table(t, line, path);
                if !found {
                    path.pop();
                }
                found
            }),
            Item::Value(v) => {
                let from = table.key(key).and_then(toml_edit::Key::span).map(|k| k.start);
                let span = v.span().map(|s| from.unwrap_or(s.start)..s.end);
                overlaps(span, line) && {
                    in_value(v, line, path);
                    true
                }
            }
            Item::None => false,
        };
        if found {
            return true;
        }
        path.pop();
    }
    // Its header, or between its keys.
    overlaps(table.span(), line)
}

/// Narrows `path` to the part of `value` on `line`, when it is a list or inline table.
fn in_value(value: &Value, line: &Range<usize>, path: &mut Vec<Step>) {
    let inner = match value {
        Value::Array(list) => list
            .iter()
            .position(|v| overlaps(v.span(), line))
            .map(|n| (Step::Index(n), list.get(n))),
        Value::InlineTable(t) => t
            .iter()
            .find(|(k, v)| overlaps(t.key(k).and_then(toml_edit::Key::span), line) || overlaps(v.span(), line))
            .map(|(k, _)| (Step::Key(k.to_owned()), t.get(k))),
        _ => None,
    };
    if let Some((step, Some(v))) = inner {
        path.push(step);
        in_value(v, line, path);
    }
}

/// The form's name for the place `path` leads to.
fn field(path: &[Step], form: &RulesForm, doc: &Table) -> Option<String> {
    use Step::{Index, Key};
    let key = |n: usize| match path.get(n) {
        Some(Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let index = |n: usize| match path.get(n) {
        Some(Index(i)) => Some(*i),
        _ => None,
    };
    let section = key(0)?;
    Some(match section {
        "hours" => match key(1) {
            Some(day) if DAYS.contains(&day) => day.to_owned(),
            Some("closed") => match index(2).and_then(|k| {
                nth_filled(&form.hours.holidays, k, |h| {
                    h.date.trim().is_empty() && h.name.trim().is_empty()
                })
            }) {
                Some(n) => format!("holiday.{n}.date"),
                None => "holidays".to_owned(),
            },
            Some("special") => {
                let date = key(2).unwrap_or_default();
                match form
                    .hours
                    .special
                    .iter()
                    .position(|s| !date.is_empty() && s.date.trim() == date)
                {
                    Some(n) => format!("special.{n}.hours"),
                    None => "holidays".to_owned(),
                }
            }
            _ => "hours".to_owned(),
        },
        "assistants" => {
            let written = (doc.get("assistants").and_then(Item::as_array_of_tables)).and_then(|l| l.get(index(1)?));
            let part = match key(2) {
                Some("phone") => "phone",
                Some("priority") => "order",
                _ => "name",
            };
            match written.and_then(|t| assistant_row(form, t)) {
                Some(n) => assistant_field(n, part),
                None => "assistants".to_owned(),
            }
        }
        route if ROUTES.contains(&route) => match key(1) {
            Some("ring_seconds") => format!("{route}.ring_seconds"),
            Some("then") => format!("{route}.then"),
            _ => format!("{route}.strategy"),
        },
        "external" => "external.phone".to_owned(),
        "voicemail" => match key(1) {
            Some(part @ ("greeting" | "max_seconds" | "notify")) => format!("voicemail.{part}"),
            Some("transcribe") => "voicemail.max_seconds".to_owned(),
            _ => "voicemail.greeting".to_owned(),
        },
        "menu" => match (key(1), key(2)) {
            (Some("options"), Some(written)) => {
                let row = (form.menu.options.iter()).position(|o| o.was == written || o.key.trim() == written);
                let part = match key(3) {
                    Some("speech") => "speech",
                    Some("then") => "then",
                    Some(_) => "strategy",
                    None => "key",
                };
                row.map_or_else(|| "menu".to_owned(), |n| option_field(n, part))
            }
            (Some(part @ ("prompt" | "timeout_seconds" | "retries" | "default")), _) => format!("menu.{part}"),
            _ => "menu".to_owned(),
        },
        _ => return None,
    })
}

/// The form row of the `written`-th filled row (blank rows are not written).
fn nth_filled<T>(rows: &[T], written: usize, blank: impl Fn(&T) -> bool) -> Option<usize> {
    (rows.iter().enumerate())
        .filter(|(_, r)| !blank(r))
        .nth(written)
        .map(|(n, _)| n)
}

/// The form row an `[[assistants]]` entry was written from: by its id, or for one added
/// by the form (whose id is made on writing) by its name.
fn assistant_row(form: &RulesForm, written: &Table) -> Option<usize> {
    let text = |key: &str| written.get(key).and_then(Item::as_str).unwrap_or_default();
    (form.assistants.iter())
        .position(|a| !a.id.is_empty() && a.id == text("id"))
        .or_else(|| (form.assistants.iter()).position(|a| a.id.is_empty() && a.name.trim() == text("name")))
}
