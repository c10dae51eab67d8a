//! `[open]`, `[after_hours]`, `[external]` and `[voicemail]` by form: who rings and how,
//! what comes next, and the voicemail.

use toml_edit::{DocumentMut, Item, TableLike, Value};

use super::text::{array, set, string, strings, table};
use super::Problems;
use crate::phone;
use crate::routing::rules::{DEFAULT_QUEUE_WAIT_SECONDS, MAX_RING_SECONDS, MAX_TRANSCRIBED_SECONDS, MIN_RING_SECONDS};

const DEFAULT_RING_SECONDS: &str = "20";

/// One route: `strategy` is `none`, `priority`, `round_robin` or `simultaneous`; `then`
/// is `voicemail` or the steps tried before voicemail joined by `+`, in the file's order
/// (`external`, `queue`, `external+queue`), so no step of the file is lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteForm {
    pub strategy: String,
    /// Every assistant, or only those in `chosen`.
    pub everyone: bool,
    pub chosen: Vec<String>,
    pub ring_seconds: String,
    pub screen: bool,
    pub then: String,
}

impl Default for RouteForm {
    fn default() -> Self {
        Self {
            strategy: "none".into(),
            everyone: true,
            chosen: Vec::new(),
            ring_seconds: DEFAULT_RING_SECONDS.into(),
            screen: false,
            then: "voicemail".into(),
        }
    }
}

impl RouteForm {
    /// Whether anyone is rung, given the assistants there are.
    #[must_use]
    pub fn rings_anyone(&self, assistants: usize) -> bool {
        self.strategy != "none" && assistants > 0 && (self.everyone || !self.chosen.is_empty())
    }

    /// Whether `step` (`external`, `queue`) is tried after the assistants.
    #[must_use]
    pub fn tries(&self, step: &str) -> bool {
        self.then.split('+').any(|s| s == step)
    }
}

/// The steps the form can write into `then`.
const STEPS: [&str; 3] = ["external", "queue", "voicemail"];

/// `then` as the form holds it: the steps before voicemail, as written.
fn then_of(steps: &[String]) -> String {
    let before: Vec<&str> = steps.iter().map(String::as_str).filter(|s| *s != "voicemail").collect();
    if before.is_empty() {
        "voicemail".into()
    } else {
        before.join("+")
    }
}

/// `notify` is `all`, `available` or `chosen` (a list the form leaves as written).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoicemailForm {
    pub greeting: String,
    pub max_seconds: String,
    pub transcribe: bool,
    pub notify: String,
}

/// The two routes the form edits, by their key in the file.
pub const ROUTES: [&str; 2] = ["open", "after_hours"];

pub(super) fn read_route(doc: &DocumentMut, key: &str) -> RouteForm {
    read_route_of(doc.get(key).and_then(Item::as_table_like))
}

/// A route as a table of its own or a menu option writes it.
pub(super) fn read_route_of(t: Option<&dyn TableLike>) -> RouteForm {
    let Some(t) = t else {
        return RouteForm::default();
    };
    let named = t.get("assistants").map(|a| strings(Some(a)));
    RouteForm {
        strategy: Some(string(Some(t), "strategy"))
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "none".into()),
        everyone: named.is_none(),
        chosen: named.unwrap_or_default(),
        ring_seconds: t
            .get("ring_seconds")
            .and_then(Item::as_integer)
            .map_or_else(|| DEFAULT_RING_SECONDS.into(), |s| s.to_string()),
        screen: t.get("screen").and_then(Item::as_bool).unwrap_or(false),
        then: then_of(&strings(t.get("then"))),
    }
}

pub(super) fn write_route(doc: &mut DocumentMut, key: &str, form: &RouteForm, problems: &mut Problems) {
    let Some(ring) = check_route(form, key, problems) else {
        return;
    };
    let before = read_route(doc, key);
    if doc.get(key).is_none() && *form == before {
        return;
    }
    edit_route(table(doc, key), &before, form, ring);
}

/// The ring time of a route, when its fields (named `{prefix}.…`) can be used and nothing
/// else was wrong.
pub(super) fn check_route(form: &RouteForm, prefix: &str, problems: &mut Problems) -> Option<u32> {
    let field = |part: &str| format!("{prefix}.{part}");
    let ring = form
        .ring_seconds
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|s| (MIN_RING_SECONDS..=MAX_RING_SECONDS).contains(s));
    if ring.is_none() {
        problems.insert(
            field("ring_seconds"),
            format!("Type a number of seconds from {MIN_RING_SECONDS} to {MAX_RING_SECONDS}."),
        );
    }
    if !["none", "priority", "round_robin", "simultaneous"].contains(&form.strategy.as_str()) {
        problems.insert(field("strategy"), "Choose how the team is rung.".into());
    }
    if !form.then.split('+').all(|s| STEPS.contains(&s)) {
        problems.insert(field("then"), "Choose what happens next.".into());
    }
    ring.filter(|_| problems.is_empty())
}

/// Writes what changed from `before` into a route's table, as written otherwise.
pub(super) fn edit_route(route: &mut dyn TableLike, before: &RouteForm, form: &RouteForm, ring: u32) {
    if form.strategy == "none" {
        route.remove("strategy");
    } else {
        set(route, "strategy", form.strategy.as_str());
    }
    if form.everyone {
        route.remove("assistants");
    } else if !before.everyone && before.chosen == form.chosen {
        // Unchanged: as written, in the file's order.
    } else {
        set(route, "assistants", array(&form.chosen));
    }
    if ring.to_string() != before.ring_seconds || route.contains_key("ring_seconds") {
        set(route, "ring_seconds", i64::from(ring));
    }
    if form.screen || route.contains_key("screen") {
        set(route, "screen", form.screen);
    }
    if form.then != before.then || !route.contains_key("then") {
        let then = (form.then.split('+'))
            .filter(|s| *s != "voicemail")
            .chain(["voicemail"]);
        set(route, "then", Value::Array(then.collect()));
    }
}

pub(super) fn read_queue_wait(doc: &DocumentMut) -> Option<u32> {
    let queue = doc.get("queue").and_then(Item::as_table_like)?;
    let wait = queue.get("max_wait_seconds").and_then(Item::as_integer);
    Some(
        wait.and_then(|w| u32::try_from(w).ok())
            .unwrap_or(DEFAULT_QUEUE_WAIT_SECONDS),
    )
}

pub(super) fn read_external(doc: &DocumentMut, home: &str) -> String {
    let number = string(doc.get("external").and_then(Item::as_table_like), "phone");
    if number.is_empty() {
        number
    } else {
        phone::written(&number, home)
    }
}

pub(super) fn write_external(doc: &mut DocumentMut, typed: &str, used: bool, home: &str, problems: &mut Problems) {
    let typed = typed.trim();
    if typed.is_empty() {
        if used {
            problems.insert(
                "external.phone".into(),
                "Type the outside number (an answering service, say), or choose voicemail instead.".into(),
            );
        } else {
            doc.remove("external");
        }
        return;
    }
    match phone::read(typed, home) {
        Ok(number) => set(table(doc, "external"), "phone", number.as_str()),
        Err(_) => {
            problems.insert(
                "external.phone".into(),
                format!("“{typed}” is not a number that can be called. Type it as it is dialled here, or with + and the country code."),
            );
        }
    }
}

pub(super) fn read_voicemail(doc: &DocumentMut) -> VoicemailForm {
    let v = doc.get("voicemail").and_then(Item::as_table_like);
    let notify = match v.and_then(|v| v.get("notify")) {
        Some(n) if n.is_array() => "chosen".to_owned(),
        Some(n) => n.as_str().unwrap_or("all").to_owned(),
        None => "all".to_owned(),
    };
    VoicemailForm {
        greeting: string(v, "greeting"),
        max_seconds: v
            .and_then(|v| v.get("max_seconds"))
            .and_then(Item::as_integer)
            .map_or_else(|| MAX_TRANSCRIBED_SECONDS.to_string(), |s| s.to_string()),
        transcribe: v
            .and_then(|v| v.get("transcribe"))
            .and_then(Item::as_bool)
            .unwrap_or(false),
        notify,
    }
}

pub(super) fn write_voicemail(doc: &mut DocumentMut, form: &VoicemailForm, problems: &mut Problems) {
    if doc.get("voicemail").is_none() && *form == read_voicemail(doc) {
        return;
    }
    let greeting = form.greeting.trim();
    if greeting.is_empty() {
        problems.insert(
            "voicemail.greeting".into(),
            "Type what callers hear before the tone, such as “Please leave a message after the tone.”".into(),
        );
    }
    let max = form
        .max_seconds
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|s| (2..=3600).contains(s));
    match max {
        None => {
            problems.insert(
                "voicemail.max_seconds".into(),
                "Type a number of seconds from 2 to 3600.".into(),
            );
        }
        Some(m) if form.transcribe && m > MAX_TRANSCRIBED_SECONDS => {
            problems.insert(
                "voicemail.max_seconds".into(),
                format!("Messages can be written out only up to {MAX_TRANSCRIBED_SECONDS} seconds: shorten them, or turn transcription off."),
            );
        }
        Some(_) => {}
    }
    if !["all", "available", "chosen"].contains(&form.notify.as_str()) {
        problems.insert("voicemail.notify".into(), "Choose who is told.".into());
    }
    let (Some(max), true) = (max, problems.is_empty()) else {
        return;
    };
    let before = read_voicemail(doc);
    let v = table(doc, "voicemail");
    set(v, "greeting", greeting);
    if max.to_string() != before.max_seconds || v.contains_key("max_seconds") {
        set(v, "max_seconds", i64::from(max));
    }
    if form.transcribe != before.transcribe || v.contains_key("transcribe") {
        set(v, "transcribe", form.transcribe);
    }
    if form.notify != "chosen" && (form.notify != before.notify || v.contains_key("notify")) {
        set(v, "notify", form.notify.as_str());
    }
}

/// Takes `removed` assistants out of every list that names them, so the file stays valid.
pub(super) fn forget(doc: &mut DocumentMut, removed: &[String]) {
    if removed.is_empty() {
        return;
    }
    for key in ROUTES {
        if let Some(t) = doc.get_mut(key).and_then(Item::as_table_like_mut) {
            drop_ids(t, "assistants", removed);
        }
    }
    if let Some(menu) = doc.get_mut("menu") {
        drop_from_choices(menu, removed);
    }
    if let Some(menus) = doc.get_mut("menus").and_then(Item::as_table_like_mut) {
        for (_, menu) in menus.iter_mut() {
            drop_from_choices(menu, removed);
        }
    }
    if let Some(t) = doc.get_mut("voicemail").and_then(Item::as_table_like_mut) {
        drop_ids(t, "notify", removed);
    }
    if let Some(t) = doc
        .get_mut("alerts")
        .and_then(|a| a.get_mut("daily_summary"))
        .and_then(Item::as_table_like_mut)
    {
        drop_ids(t, "to", removed);
    }
    if let Some(tests) = doc.get_mut("tests").and_then(Item::as_array_of_tables_mut) {
        for case in tests.iter_mut() {
            drop_ids(case, "off_duty", removed);
        }
    }
}

/// Takes `removed` out of the assistants of each choice of `menu` (`[menu]` or a
/// `[menus.NAME]`).
fn drop_from_choices(menu: &mut Item, removed: &[String]) {
    let Some(options) = menu.get_mut("options").and_then(Item::as_table_like_mut) else {
        return;
    };
    for (_, option) in options.iter_mut() {
        if let Some(t) = option.as_table_like_mut() {
            drop_ids(t, "assistants", removed);
        }
    }
}

fn drop_ids(table: &mut dyn TableLike, key: &str, removed: &[String]) {
    if let Some(list) = table.get_mut(key).and_then(Item::as_array_mut) {
        let before = list.len();
        list.retain(|v| !v.as_str().is_some_and(|id| removed.iter().any(|r| r == id)));
        if list.len() != before {
            // The first one left would keep the space that followed a comma.
            list.fmt();
        }
    }
}
