//! The rules as an office manager edits them by form. [`read`] turns a rule file's text
//! into plain fields; [`write`] puts edited fields back into that same text with
//! `toml_edit`, changing only what the fields changed, so comments, order and everything
//! the form does not show stay as written and the text editor ("Advanced") always agrees.
//! Phones are read as people near the business write them and stored as E.164. Pure: the
//! text and today's date come in; checking and saving the result is the text editor's
//! path.

mod assistants;
mod hours;
mod menu;
mod place;
mod routes;
mod text;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use toml_edit::DocumentMut;

pub use assistants::{field as assistant_field, AssistantForm};
pub use hours::{day_notes, window_field, Holiday, HoursForm, SpecialDay, WindowForm, DAYS};
pub use menu::{option_field, MenuForm, MenuOptionForm};
pub use place::field_at;
pub use routes::{RouteForm, VoicemailForm, ROUTES};

/// What was typed that cannot be used, in words, by field name.
pub type Problems = BTreeMap<String, String>;

/// Input that is allowed but probably not meant, in words, at its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesForm {
    pub hours: HoursForm,
    /// In the order they ring.
    pub assistants: Vec<AssistantForm>,
    pub open: RouteForm,
    pub after_hours: RouteForm,
    /// The outside number, as people near the business write it; may be empty.
    pub external: String,
    pub voicemail: VoicemailForm,
    pub menu: MenuForm,
    /// How long callers may wait in the queue, when the file has a `[queue]` to offer.
    pub queue_wait_seconds: Option<u32>,
}

impl RulesForm {
    #[must_use]
    pub fn route(&self, key: &str) -> &RouteForm {
        if key == "open" {
            &self.open
        } else {
            &self.after_hours
        }
    }
}

/// The business's own number, that phones are read and written near.
fn home(doc: &DocumentMut) -> String {
    text::strings(doc.get("numbers")).into_iter().next().unwrap_or_default()
}

/// The fields of a rule text.
///
/// # Errors
/// When the text is not TOML: only the text editor can mend it.
pub fn read(source: &str) -> Result<RulesForm, String> {
    let doc: DocumentMut = source
        .parse()
        .map_err(|e: toml_edit::TomlError| e.message().to_owned())?;
    let home = home(&doc);
    Ok(RulesForm {
        hours: hours::read(&doc),
        assistants: assistants::read(&doc, &home),
        open: routes::read_route(&doc, "open"),
        after_hours: routes::read_route(&doc, "after_hours"),
        external: routes::read_external(&doc, &home),
        voicemail: routes::read_voicemail(&doc),
        menu: menu::read(&doc),
        queue_wait_seconds: routes::read_queue_wait(&doc),
    })
}

/// `source` with the edited fields written into it.
///
/// # Errors
/// Every field that cannot be used, in words; nothing is written then.
pub fn write(source: &str, form: &RulesForm) -> Result<String, Problems> {
    let mut problems = Problems::new();
    let mut doc: DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| {
        Problems::from([(String::new(), format!("The rules text cannot be read: {}", e.message()))])
    })?;
    let home = home(&doc);
    hours::write(&mut doc, &form.hours, &mut problems);
    let removed = assistants::write(&mut doc, &form.assistants, &home, &mut problems);
    routes::forget(&mut doc, &removed);
    for key in ROUTES {
        let mut route = form.route(key).clone();
        route.chosen.retain(|id| !removed.contains(id));
        routes::write_route(&mut doc, key, &route, &mut problems);
    }
    let uses_external = ROUTES.iter().any(|k| form.route(k).tries("external"));
    routes::write_external(&mut doc, &form.external, uses_external, &home, &mut problems);
    routes::write_voicemail(&mut doc, &form.voicemail, &mut problems);
    let mut menu = form.menu.clone();
    for option in &mut menu.options {
        option.route.chosen.retain(|id| !removed.contains(id));
    }
    menu::write(&mut doc, &menu, &mut problems);
    if problems.is_empty() {
        Ok(doc.to_string())
    } else {
        Err(problems)
    }
}

/// What looks like a mistake though the rules allow it: windows of more than 16 hours
/// (an end typed before its start, most often), holidays already past, and open days on
/// which nobody is rung.
#[must_use]
pub fn warnings(form: &RulesForm, today: NaiveDate, clock: &LocalTime) -> Vec<Warning> {
    let mut found = Vec::new();
    hours::warnings(&form.hours, today, clock, &mut found);
    let people = form
        .assistants
        .iter()
        .filter(|a| !a.remove && !a.name.trim().is_empty())
        .count();
    if !form.open.rings_anyone(people) {
        for day in (0..7).filter(|d| form.hours.open_on(*d)) {
            found.push(Warning {
                field: DAYS[day].to_owned(),
                message: format!(
                    "Open, but nobody is rung: calls go straight to {}. Add an assistant and choose how they are rung below.",
                    if form.open.tries("external") { "the outside number" } else { "voicemail" }
                ),
            });
        }
    }
    found
}

/// The form as posted: field name → value (a ticked box is present, an unticked one is not).
/// What the file alone says (the queue's wait) is not posted: it is left empty.
#[must_use]
pub fn from_fields(fields: &BTreeMap<String, String>) -> RulesForm {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let rows = |prefix: &str| {
        let mut n = 0;
        while fields.keys().any(|k| k.starts_with(&format!("{prefix}.{n}."))) {
            n += 1;
        }
        n
    };
    let days = std::array::from_fn(|d| {
        (0..rows(DAYS[d]))
            .map(|n| WindowForm {
                from: get(&window_field(d, n, "from")),
                until: get(&window_field(d, n, "until")),
            })
            .collect()
    });
    let holidays = (0..rows("holiday"))
        .map(|n| Holiday {
            date: get(&format!("holiday.{n}.date")),
            name: get(&format!("holiday.{n}.name")),
        })
        .collect();
    let special = (0..rows("special"))
        .map(|n| SpecialDay {
            date: get(&format!("special.{n}.date")),
            name: get(&format!("special.{n}.name")),
            hours: get(&format!("special.{n}.hours")),
        })
        .collect();
    let assistants = (0..rows("assistant"))
        .map(|n| AssistantForm {
            id: get(&assistant_field(n, "id")),
            name: get(&assistant_field(n, "name")),
            phone: get(&assistant_field(n, "phone")),
            order: get(&assistant_field(n, "order")),
            remove: fields.contains_key(&assistant_field(n, "remove")),
        })
        .collect();
    let route = |key: &str| RouteForm {
        strategy: get(&format!("{key}.strategy")),
        everyone: get(&format!("{key}.who")) != "chosen",
        chosen: (fields.keys())
            .filter_map(|k| k.strip_prefix(&format!("{key}.rings.")).map(str::to_owned))
            .collect(),
        ring_seconds: get(&format!("{key}.ring_seconds")),
        screen: fields.contains_key(&format!("{key}.screen")),
        then: get(&format!("{key}.then")),
    };
    RulesForm {
        hours: HoursForm {
            days,
            holidays,
            special,
        },
        assistants,
        open: route("open"),
        after_hours: route("after_hours"),
        external: get("external.phone"),
        voicemail: VoicemailForm {
            greeting: get("voicemail.greeting"),
            max_seconds: get("voicemail.max_seconds"),
            transcribe: fields.contains_key("voicemail.transcribe"),
            notify: get("voicemail.notify"),
        },
        menu: MenuForm {
            on: fields.contains_key("menu.on"),
            prompt: get("menu.prompt"),
            speech: fields.contains_key("menu.speech"),
            timeout_seconds: get("menu.timeout_seconds"),
            retries: get("menu.retries"),
            default: get("menu.default"),
            options: (0..rows("menu.option"))
                .map(|n| MenuOptionForm {
                    key: get(&option_field(n, "key")),
                    was: get(&option_field(n, "was")),
                    speech: get(&option_field(n, "speech")),
                    route: route(&format!("menu.option.{n}")),
                    remove: fields.contains_key(&option_field(n, "remove")),
                    kept: fields.contains_key(&option_field(n, "kept")).then(String::new),
                })
                .collect(),
            kept: fields
                .contains_key("menu.prompt_kept")
                .then(|| "prompt".to_owned())
                .into_iter()
                .collect(),
        },
        queue_wait_seconds: None,
    }
}

/// A new business as a global admin creates it from the console.
pub struct NewBusiness<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// E.164.
    pub number: &'a str,
    pub timezone: &'a str,
}

/// The smallest valid rules for a new business: closed at all hours, every call to
/// voicemail, until its hours and assistants are set by form.
#[must_use]
pub fn new_business(b: &NewBusiness<'_>) -> String {
    let mut doc = DocumentMut::new();
    doc.insert("client", toml_edit::value(b.id));
    doc.insert("name", toml_edit::value(b.name));
    doc.insert("numbers", toml_edit::value(text::array(&[b.number.to_owned()])));
    doc.insert("timezone", toml_edit::value(b.timezone));
    let mut hours = toml_edit::Table::new();
    hours
        .decor_mut()
        .set_suffix("  # open windows, local time; a day not listed is closed");
    doc.insert("hours", toml_edit::Item::Table(hours));
    let mut open = toml_edit::Table::new();
    open.insert("then", toml_edit::value(text::array(&["voicemail".to_owned()])));
    doc.insert("open", toml_edit::Item::Table(open));
    let mut voicemail = toml_edit::Table::new();
    let greeting = format!("You have reached {}. Please leave a message after the tone.", b.name);
    voicemail.insert("greeting", toml_edit::value(greeting));
    doc.insert("voicemail", toml_edit::Item::Table(voicemail));
    doc.to_string()
}

#[cfg(test)]
mod menu_tests;
#[cfg(test)]
mod tests;
use crate::locale::LocalTime;
