//! `[menu]` by form, one level of it: the prompt, whether callers may speak, how long the
//! menu waits and how often it is played again, what happens with no choice, and each
//! option with its key, its words and who it rings. What the form does not know (a menu
//! inside an option, languages, a recorded prompt) is shown as written and kept as it is.

use toml_edit::{DocumentMut, Item, Table, TableLike};

use super::routes::{check_route, edit_route, read_route_of, RouteForm};
use super::text::{array, set, strings};
use super::Problems;

/// The keys of `[menu]` the form edits; any other is kept as written.
const MENU_KEYS: [&str; 6] = ["prompt", "input", "timeout_seconds", "retries", "default", "options"];
/// The keys of an option the form reads; an option with any other is kept as written.
const OPTION_KEYS: [&str; 8] = [
    "speech",
    "strategy",
    "assistants",
    "ring_seconds",
    "screen",
    "caller_id",
    "record",
    "then",
];
const DEFAULT_TIMEOUT: i64 = 5;
const DEFAULT_RETRIES: i64 = 1;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuForm {
    /// Whether callers hear a menu during opening hours.
    pub on: bool,
    pub prompt: String,
    /// Callers may say an option's words as well as press its key.
    pub speech: bool,
    pub timeout_seconds: String,
    pub retries: String,
    /// The key taken when the caller never chooses; empty: the opening hours' route.
    pub default: String,
    pub options: Vec<MenuOptionForm>,
    /// What the form does not edit, as written (`key = …`): shown, and kept.
    pub kept: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MenuOptionForm {
    /// The key pressed: 0-9, * or #.
    pub key: String,
    /// The key as the file has it (empty for a new option), so a changed key is a rename.
    pub was: String,
    /// The words that choose it, separated by commas.
    pub speech: String,
    pub route: RouteForm,
    pub remove: bool,
    /// Written with what the form does not know (a menu of its own, a language): the
    /// option as written, shown and kept.
    pub kept: Option<String>,
}

impl MenuOptionForm {
    fn blank(&self) -> bool {
        self.was.is_empty() && self.key.trim().is_empty() && self.speech.trim().is_empty()
    }
}

impl MenuForm {
    /// Whether the prompt is a recording or written otherwise than as text, kept as written.
    #[must_use]
    pub fn prompt_kept(&self) -> bool {
        self.kept.iter().any(|k| k.starts_with("prompt"))
    }
}

/// Field name of one part of option row `n`.
#[must_use]
pub fn option_field(n: usize, part: &str) -> String {
    format!("menu.option.{n}.{part}")
}

pub(super) fn read(doc: &DocumentMut) -> MenuForm {
    let Some(menu) = doc.get("menu").and_then(Item::as_table_like) else {
        return MenuForm {
            timeout_seconds: DEFAULT_TIMEOUT.to_string(),
            retries: DEFAULT_RETRIES.to_string(),
            ..MenuForm::default()
        };
    };
    let number = |key: &str, default: i64| menu.get(key).and_then(Item::as_integer).unwrap_or(default).to_string();
    let mut kept: Vec<String> = (menu.iter())
        .filter(|(k, _)| !MENU_KEYS.contains(k))
        .map(|(k, v)| as_written(k, v))
        .collect();
    let prompt = menu.get("prompt");
    if prompt.is_some_and(|p| p.as_str().is_none()) {
        kept.insert(0, as_written("prompt", prompt.expect("checked above")));
    }
    let options = (menu.get("options").and_then(Item::as_table_like))
        .map(|options| {
            options
                .iter()
                .map(|(key, option)| {
                    let table = option.as_table_like();
                    let known = table.is_some_and(|t| t.iter().all(|(k, _)| OPTION_KEYS.contains(&k)));
                    MenuOptionForm {
                        key: key.to_owned(),
                        was: key.to_owned(),
                        speech: strings(table.and_then(|t| t.get("speech"))).join(", "),
                        route: read_route_of(table),
                        remove: false,
                        kept: (!known).then(|| as_written(key, option)),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    MenuForm {
        on: true,
        prompt: prompt.and_then(Item::as_str).unwrap_or_default().to_owned(),
        speech: strings(menu.get("input")).iter().any(|i| i == "speech"),
        timeout_seconds: number("timeout_seconds", DEFAULT_TIMEOUT),
        retries: number("retries", DEFAULT_RETRIES),
        default: menu
            .get("default")
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned(),
        options,
        kept,
    }
}

/// A part of the file as its text says it, for people to read.
fn as_written(key: &str, item: &Item) -> String {
    match item {
        Item::Value(v) => format!("{key} = {}", v.to_string().trim()),
        other => format!("{key}:\n{}", other.to_string().trim()),
    }
}

pub(super) fn write(doc: &mut DocumentMut, form: &MenuForm, problems: &mut Problems) {
    if !form.on {
        doc.remove("menu");
        return;
    }
    let before = read(doc);
    let rows: Vec<(usize, &MenuOptionForm)> = (form.options.iter().enumerate()).filter(|(_, o)| !o.blank()).collect();
    let mut keys: Vec<&str> = Vec::new();
    // Each option's route, its ring time when usable: how long and whether to screen are
    // not on the form, so they stay as the file has them.
    let mut routes = Vec::new();
    for (n, option) in &rows {
        let old = (before.options.iter()).find(|o| !o.was.is_empty() && o.was == option.was);
        let route = RouteForm {
            strategy: option.route.strategy.clone(),
            everyone: option.route.everyone,
            chosen: option.route.chosen.clone(),
            then: option.route.then.clone(),
            ..old.map_or_else(RouteForm::default, |o| o.route.clone())
        };
        let key = option.key.trim();
        if option.remove || option.kept.is_some() {
            keys.push(if option.remove { "" } else { key });
            routes.push((route, None));
            continue;
        }
        if !(key.len() == 1 && key.chars().all(|c| c.is_ascii_digit() || c == '*' || c == '#')) {
            problems.insert(
                option_field(*n, "key"),
                "Type the one key to press: 0 to 9, * or #.".into(),
            );
        } else if keys.contains(&key) {
            problems.insert(
                option_field(*n, "key"),
                format!("Key {key} is used twice: give each choice its own."),
            );
        }
        keys.push(key);
        let ring = check_route(&route, &format!("menu.option.{n}"), problems);
        routes.push((route, ring));
    }
    let prompt_kept = form.prompt_kept();
    if !prompt_kept && form.prompt.trim().is_empty() {
        problems.insert(
            "menu.prompt".into(),
            "Type what callers hear, such as “For appointments press 1. For anything else press 2.”".into(),
        );
    }
    if !keys.iter().any(|k| !k.is_empty()) {
        problems.insert(
            "menu.option.0.key".into(),
            "Add at least one choice, or turn the menu off.".into(),
        );
    }
    let timeout = number(&form.timeout_seconds, 1..=60, "menu.timeout_seconds", problems);
    let retries = number(&form.retries, 0..=5, "menu.retries", problems);
    let default = form.default.trim();
    if !default.is_empty() && !keys.contains(&default) {
        problems.insert("menu.default".into(), "Choose one of the menu's keys.".into());
    }
    let (Some(timeout), Some(retries), true) = (timeout, retries, problems.is_empty()) else {
        return;
    };
    if doc.get("menu").is_none() {
        doc.insert("menu", Item::Table(Table::new()));
    }
    let menu = doc
        .get_mut("menu")
        .and_then(Item::as_table_like_mut)
        .expect("a table, read above");
    if !prompt_kept {
        set(menu, "prompt", form.prompt.trim());
    }
    if form.speech != before.speech || !before.on {
        let mut input = vec!["dtmf".to_owned()];
        if form.speech {
            input.push("speech".into());
        }
        set(menu, "input", array(&input));
    }
    if timeout.to_string() != before.timeout_seconds || menu.contains_key("timeout_seconds") {
        set(menu, "timeout_seconds", timeout);
    }
    if retries.to_string() != before.retries || menu.contains_key("retries") {
        set(menu, "retries", retries);
    }
    if default.is_empty() {
        menu.remove("default");
    } else {
        set(menu, "default", default);
    }
    if !menu.contains_key("options") {
        let mut options = Table::new();
        options.set_implicit(true);
        menu.insert("options", Item::Table(options));
    }
    let options = menu
        .get_mut("options")
        .and_then(Item::as_table_like_mut)
        .expect("made above");
    for ((_, option), (route, ring)) in rows.iter().zip(routes) {
        write_option(options, option, &route, ring);
    }
}

fn number(typed: &str, range: std::ops::RangeInclusive<i64>, field: &str, problems: &mut Problems) -> Option<i64> {
    let n = typed.trim().parse::<i64>().ok().filter(|n| range.contains(n));
    if n.is_none() {
        problems.insert(
            field.to_owned(),
            format!("Type a number from {} to {}.", range.start(), range.end()),
        );
    }
    n
}

/// One option into `[menu.options]`: added, changed, renamed (a new key) or removed.
fn write_option(options: &mut dyn TableLike, option: &MenuOptionForm, route: &RouteForm, ring: Option<u32>) {
    let was = option.was.as_str();
    if option.remove {
        options.remove(was);
        return;
    }
    let (Some(ring), None) = (ring, &option.kept) else {
        return;
    };
    let key = option.key.trim();
    if !was.is_empty() && was != key {
        if let Some(item) = options.remove(was) {
            options.insert(key, item);
        }
    }
    if options.get(key).is_none() {
        options.insert(key, Item::Table(Table::new()));
    }
    let Some(table) = options.get_mut(key).and_then(Item::as_table_like_mut) else {
        return;
    };
    let before = read_route_of(Some(&*table));
    let words: Vec<String> = (option.speech.split(','))
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    // An option the admin did not change is left exactly as written.
    if !was.is_empty() && same_route(&before, route) && words == strings(table.get("speech")) {
        return;
    }
    if words.is_empty() {
        table.remove("speech");
    } else if words != strings(table.get("speech")) {
        set(table, "speech", array(&words));
    }
    edit_route(table, &before, route, ring);
}

/// Whether two routes ring the same (who is ticked means nothing when everyone rings).
fn same_route(a: &RouteForm, b: &RouteForm) -> bool {
    let chosen = |r: &RouteForm| {
        let mut ids = r.chosen.clone();
        ids.sort();
        ids
    };
    a.strategy == b.strategy
        && a.everyone == b.everyone
        && (a.everyone || chosen(a) == chosen(b))
        && a.ring_seconds == b.ring_seconds
        && a.screen == b.screen
        && a.then == b.then
}
