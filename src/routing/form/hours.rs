//! `[hours]` by form: each weekday's windows, holidays with their names, special days.

use chrono::{NaiveDate, NaiveTime, Timelike};
use toml_edit::{DocumentMut, InlineTable, Item, TableLike, Value};

use super::text::{array, set, strings, table, text};
use super::{Problems, Warning};
use crate::locale::LocalTime;
use crate::routing::day_name;
use crate::routing::schedule::{Window, WindowEnd, WindowError, WEEKDAYS};

/// The keys of the weekdays in `[hours]`, Monday first.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
/// Longer than this, a window is more likely a typo than a shift.
const LONG_WINDOW_HOURS: u32 = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursForm {
    /// Monday first; each window as typed.
    pub days: [Vec<WindowForm>; 7],
    pub holidays: Vec<Holiday>,
    pub special: Vec<SpecialDay>,
}

/// One opening window: from and until, "HH:MM" each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WindowForm {
    pub from: String,
    pub until: String,
}

/// A day the business is closed, and what it is called.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Holiday {
    pub date: String,
    pub name: String,
}

/// A date with its own opening windows ("09:00-12:00, 13:00-15:00"; none: closed), and
/// what it is called.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpecialDay {
    pub date: String,
    pub name: String,
    pub hours: String,
}

impl SpecialDay {
    fn blank(&self) -> bool {
        [&self.date, &self.name, &self.hours]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

/// The field names of a weekday's window `n`.
#[must_use]
pub fn window_field(day: usize, n: usize, part: &str) -> String {
    format!("{}.{n}.{part}", DAYS[day])
}

pub(super) fn read(doc: &DocumentMut) -> HoursForm {
    let hours = doc.get("hours").and_then(Item::as_table_like);
    let days = std::array::from_fn(|d| {
        strings(hours.and_then(|h| h.get(DAYS[d])))
            .iter()
            .map(|w| {
                let (from, until) = w.split_once('-').unwrap_or((w.as_str(), ""));
                WindowForm {
                    from: from.trim().to_owned(),
                    until: until.trim().replace("24:00", "00:00"),
                }
            })
            .collect()
    });
    let holidays = hours
        .and_then(|h| h.get("closed"))
        .and_then(Item::as_array)
        .map(|list| {
            list.iter()
                .map(|v| match v {
                    Value::InlineTable(t) => Holiday {
                        date: t.get("date").and_then(Value::as_str).unwrap_or_default().to_owned(),
                        name: t.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
                    },
                    other => Holiday {
                        date: other.as_str().unwrap_or_default().to_owned(),
                        name: String::new(),
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    let special = hours
        .and_then(|h| h.get("special"))
        .and_then(Item::as_table_like)
        .map(|s| {
            s.iter()
                .map(|(date, day)| {
                    // `{ name, hours }`, or the bare list of windows.
                    let named = day.as_table_like();
                    SpecialDay {
                        date: date.to_owned(),
                        name: named.map(|t| text(t, "name")).unwrap_or_default(),
                        hours: strings(named.map_or(Some(day), |t| t.get("hours"))).join(", "),
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    HoursForm {
        days,
        holidays,
        special,
    }
}

pub(super) fn write(doc: &mut DocumentMut, form: &HoursForm, problems: &mut Problems) {
    let days: Vec<Vec<String>> = (0..7)
        .map(|d| {
            (form.days[d].iter().enumerate())
                .filter_map(|(n, w)| window(w, |part| window_field(d, n, part), problems))
                .collect()
        })
        .collect();
    let holidays: Vec<Value> = (form.holidays.iter().enumerate())
        .filter(|(_, h)| !(h.date.trim().is_empty() && h.name.trim().is_empty()))
        .filter_map(|(n, h)| {
            let date = date(&h.date, &format!("holiday.{n}.date"), problems)?;
            let name = h.name.trim();
            Some(if name.is_empty() {
                Value::from(date)
            } else {
                let mut t = InlineTable::new();
                t.insert("date", date.into());
                t.insert("name", name.into());
                Value::InlineTable(t)
            })
        })
        .collect();
    let mut special = InlineTable::new();
    for (n, s) in form.special.iter().enumerate() {
        if s.blank() {
            continue;
        }
        let Some(date) = date(&s.date, &format!("special.{n}.date"), problems) else {
            continue;
        };
        let field = format!("special.{n}.hours");
        let windows: Vec<String> = (s.hours.split([',', ';']).map(str::trim))
            .filter(|w| !w.is_empty())
            .filter_map(|w| {
                let (from, until) = w.split_once(['-', '–']).unwrap_or((w, ""));
                let typed = WindowForm {
                    from: from.trim().to_owned(),
                    until: until.trim().to_owned(),
                };
                window(&typed, |_| field.clone(), problems)
            })
            .collect();
        let name = s.name.trim();
        if name.is_empty() {
            special.insert(date.as_str(), array(&windows));
        } else {
            let mut named = InlineTable::new();
            named.insert("name", name.into());
            named.insert("hours", array(&windows));
            special.insert(date.as_str(), Value::InlineTable(named));
        }
    }
    let nothing = days.iter().all(Vec::is_empty) && holidays.is_empty() && special.is_empty();
    if !problems.is_empty() || (nothing && doc.get("hours").is_none()) {
        return;
    }
    let hours = table(doc, "hours");
    for (d, windows) in days.iter().enumerate() {
        let same = strings(hours.get(DAYS[d]))
            .iter()
            .map(|w| w.replace("24:00", "00:00"))
            .eq(windows.iter().cloned());
        if same {
            continue;
        }
        if windows.is_empty() {
            hours.remove(DAYS[d]);
        } else {
            set(hours, DAYS[d], array(windows));
        }
    }
    edit_list(hours, "closed", Value::Array(holidays.into_iter().collect()));
    edit_list(hours, "special", Value::InlineTable(special));
}

/// Sets a list (or table) of the `[hours]`, dropping the key once it is empty.
fn edit_list(hours: &mut dyn TableLike, key: &str, value: Value) {
    let empty = match &value {
        Value::Array(a) => a.is_empty(),
        Value::InlineTable(t) => t.is_empty(),
        _ => false,
    };
    let written_as_table = hours.get(key).is_some_and(Item::is_table);
    if empty {
        hours.remove(key);
    } else if written_as_table {
        // `[hours.special]` written as its own table: compare as one, rewrite inline.
        let same = hours
            .get(key)
            .and_then(|i| i.clone().into_value().ok())
            .is_some_and(|old| super::text::plain(&old) == super::text::plain(&value));
        if !same {
            hours.insert(key, Item::Value(value));
        }
    } else {
        set(hours, key, value);
    }
}

/// A typed window as the rules write it ("09:00-17:00"), or its problem at its field.
fn window(typed: &WindowForm, field: impl Fn(&str) -> String, problems: &mut Problems) -> Option<String> {
    let (from, until) = (typed.from.trim(), typed.until.trim());
    if from.is_empty() && until.is_empty() {
        return None;
    }
    let start = clock(from, &field("from"), "a start time like 09:00", problems);
    let end = clock(until, &field("until"), "an end time like 17:00", problems);
    let text = format!("{}-{}", start?, end?);
    match text.parse::<Window>() {
        Ok(_) => Some(text),
        Err(WindowError::Empty(_)) => {
            let message = "It ends when it starts. For a whole day, type from 00:00 until 24:00.";
            problems.insert(field("until"), message.to_owned());
            None
        }
        Err(_) => {
            problems.insert(field("from"), "A window cannot start at 24:00: type 00:00.".to_owned());
            None
        }
    }
}

/// "9", "9:30", "09:30", "9.30", "5pm", "5:30 pm" as "HH:MM"; 24:00 for the end of a day.
fn clock(text: &str, field: &str, what: &str, problems: &mut Problems) -> Option<String> {
    let parsed = read_clock(text);
    if parsed.is_none() {
        let message = if text.is_empty() {
            format!("Type {what}.")
        } else {
            format!("“{text}” is not a time: type {what}.")
        };
        problems.insert(field.to_owned(), message);
    }
    parsed
}

fn read_clock(text: &str) -> Option<String> {
    let lower = text.trim().to_ascii_lowercase().replace(' ', "");
    let (digits, meridiem) = match lower.strip_suffix("am").or_else(|| lower.strip_suffix("a")) {
        Some(d) => (d.to_owned(), Some(false)),
        None => match lower.strip_suffix("pm").or_else(|| lower.strip_suffix("p")) {
            Some(d) => (d.to_owned(), Some(true)),
            None => (lower.clone(), None),
        },
    };
    let (h, m) = match digits.split_once([':', '.', 'h']) {
        Some((h, m)) => (h, if m.is_empty() { "0" } else { m }),
        None => (digits.as_str(), "0"),
    };
    let (mut h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    if m > 59 {
        return None;
    }
    match meridiem {
        Some(pm) if (1..=12).contains(&h) => h = h % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None if h > 24 || (h == 24 && m > 0) => return None,
        None => {}
    }
    Some(format!("{h:02}:{m:02}"))
}

fn date(text: &str, field: &str, problems: &mut Problems) -> Option<String> {
    let text = text.trim();
    let parsed = [
        "%Y-%m-%d",
        "%d %b %Y",
        "%d %B %Y",
        "%b %d %Y",
        "%B %d %Y",
        "%B %d, %Y",
        "%b %d, %Y",
    ]
    .iter()
    .find_map(|f| NaiveDate::parse_from_str(text, f).ok());
    if parsed.is_none() {
        let message = if text.is_empty() {
            "Choose a date.".to_owned()
        } else {
            format!("“{text}” is not a date: choose one like 2026-12-25.")
        };
        problems.insert(field.to_owned(), message);
    }
    parsed.map(|d| d.format("%Y-%m-%d").to_string())
}

impl HoursForm {
    /// The windows of weekday `day` that read as windows, as typed.
    #[must_use]
    pub fn windows(&self, day: usize) -> Vec<(usize, Window)> {
        (self.days[day].iter().enumerate())
            .filter_map(|(n, w)| {
                let text = format!("{}-{}", read_clock(&w.from)?, read_clock(&w.until)?);
                Some((n, text.parse().ok()?))
            })
            .collect()
    }

    /// Whether weekday `day` has an opening window.
    #[must_use]
    pub fn open_on(&self, day: usize) -> bool {
        !self.windows(day).is_empty()
    }
}

/// The day's windows in words where the numbers alone may mislead: the breaks between
/// them ("Lunch break 12:30–13:30") and where one runs past midnight ("Overnight, until
/// 03:00 Saturday").
#[must_use]
pub fn day_notes(day: usize, windows: &[Window], clock: &LocalTime) -> Vec<String> {
    let mut sorted: Vec<&Window> = windows.iter().collect();
    sorted.sort_by_key(|w| w.start);
    let mut notes = Vec::new();
    for pair in sorted.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        if let WindowEnd::At(end) = a.end {
            if !a.is_overnight() && end < b.start {
                let lunch = end >= hm(11, 0) && b.start <= hm(15, 0);
                let what = if lunch { "Lunch break" } else { "Closed" };
                notes.push(format!("{what} {}–{}", clock.clock(end), clock.clock(b.start)));
            }
        }
    }
    for w in sorted.iter().filter(|w| w.is_overnight()) {
        notes.push(format!(
            "{} to {}: overnight, until {} {}",
            clock.clock(w.start),
            until(w, clock),
            until(w, clock),
            until_day(day, w)
        ));
    }
    notes
}

/// Suspicious windows and holidays, each by its field: very long windows (most likely
/// an end before its start typed by mistake), and dates already past.
pub(super) fn warnings(form: &HoursForm, today: NaiveDate, clock: &LocalTime, warnings: &mut Vec<Warning>) {
    for day in 0..7 {
        for (n, w) in form.windows(day) {
            let minutes = (w.end_offset() - w.start.num_seconds_from_midnight()) / 60;
            if minutes <= LONG_WINDOW_HOURS * 60 {
                continue;
            }
            let long = format!("{} hours", minutes / 60)
                + &if minutes % 60 == 0 {
                    String::new()
                } else {
                    format!(" {} minutes", minutes % 60)
                };
            let message = if w.is_overnight() {
                format!(
                    "This runs overnight and rings staff from {} {} until {} {}, {long}. If you meant {} to {}, swap the two times.",
                    clock.clock(w.start),
                    day_name(WEEKDAYS[day]),
                    until(&w, clock),
                    day_name(WEEKDAYS[(day + 1) % 7]),
                    until(&w, clock),
                    clock.clock(w.start),
                )
            } else {
                format!("This window is {long} long: is that right?")
            };
            warnings.push(Warning {
                field: window_field(day, n, "until"),
                message,
            });
        }
    }
    let past = |date: &str| NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d").is_ok_and(|d| d < today);
    for (n, h) in form.holidays.iter().enumerate().filter(|(_, h)| past(&h.date)) {
        warnings.push(Warning {
            field: format!("holiday.{n}.date"),
            message: format!(
                "{} has passed, so this holiday changes nothing. Remove it, or correct the year.",
                h.date.trim()
            ),
        });
    }
    for (n, s) in form.special.iter().enumerate().filter(|(_, s)| past(&s.date)) {
        warnings.push(Warning {
            field: format!("special.{n}.date"),
            message: format!("{} has passed, so this day changes nothing.", s.date.trim()),
        });
    }
}

fn until(w: &Window, clock: &LocalTime) -> String {
    match w.end {
        WindowEnd::At(t) => clock.clock(t),
        WindowEnd::EndOfDay => "midnight".to_owned(),
    }
}

fn until_day(day: usize, w: &Window) -> &'static str {
    day_name(WEEKDAYS[if w.is_overnight() { (day + 1) % 7 } else { day }])
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("a valid time")
}
