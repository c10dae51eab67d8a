//! A decision's reasons in plain words, for call records, admins and rule file test
//! failures: "Closed: holiday 25 Dec 2026; opens Mon 28 Dec 2026, 9:00 AM", "Maria
//! Lopez is skipped: off duty", "Rings John Park, then the outside number, then voicemail".
//! Assistants by name, times as people near the business write them.

use chrono::{DateTime, Utc, Weekday};

use super::decide::{MenuChoice, Unavailable};
use super::decision::{Action, Decision, Step, Why};
use super::menu::Pressed;
use super::rules::{BlockAnswer, MenuId, RouteKey, Rules, Target};
use super::schedule::{DayKind, OpenStatus, Window, WindowEnd};
use crate::ids::AssistantId;
use crate::locale::LocalTime;

impl Decision {
    /// Why the call goes where it goes, one line per reason, the chain last.
    pub fn trace(&self, rules: &Rules) -> Vec<String> {
        let when = LocalTime::of(rules);
        let mut lines = vec![
            format!("Call at {}", when.naive_with_zone(self.status.local)),
            status(rules, &self.status),
        ];
        // The route's own order starts after the assistant a [sticky] caller rings first.
        let sticky = self.why.iter().any(|w| matches!(w, Why::Sticky { first: true, .. }));
        let first = self.steps.get(usize::from(sticky));
        lines.extend(self.why.iter().map(|w| reason(rules, w, first)));
        lines.push(chain(rules, &self.steps));
        lines
    }
}

impl Why {
    /// This one reason in plain words, as [`Decision::trace`] puts it.
    pub fn describe(&self, rules: &Rules) -> String {
        reason(rules, self, None)
    }
}

impl OpenStatus {
    /// Open or closed, why, and until when, in plain words
    /// ("Closed: holiday 25 Dec 2026; opens Mon 28 Dec 2026, 9:00 AM").
    pub fn describe(&self, rules: &Rules) -> String {
        status(rules, self)
    }

    /// Only why, for beside a badge that already says open or closed and until when
    /// ("Outside Tuesday hours").
    pub fn reason(&self, rules: &Rules) -> String {
        capital(&open_reason(rules, self))
    }
}

/// An assistant's name in the rules (their id when no longer listed).
fn name<'a>(rules: &'a Rules, id: &'a AssistantId) -> &'a str {
    rules.assistant(id).map_or(id.as_str(), |a| a.name.as_str())
}

/// When a route is taken, as a heading: "During opening hours".
fn route(rules: &Rules, key: &RouteKey) -> String {
    match key {
        RouteKey::Open => "During opening hours".to_owned(),
        RouteKey::AfterHours => "After hours".to_owned(),
        RouteKey::Option(MenuId::TOP, d) => format!("Menu choice {d}"),
        RouteKey::Option(m, d) => format!("{}, choice {d}", capital(&menu_name(rules, *m))),
        RouteKey::Vip => "For the VIP list".to_owned(),
    }
}

/// "the menu" for `[menu]`, "the billing menu" for `[menus.billing]`.
fn menu_name(rules: &Rules, id: MenuId) -> String {
    match rules.menu_at(id).and_then(|m| m.name.as_deref()) {
        Some(name) if id != MenuId::TOP => format!("the {name} menu"),
        _ => "the menu".to_owned(),
    }
}

/// "Menu" for `[menu]`, "The billing menu" for `[menus.billing]`: a trace line's start.
fn menu_heading(rules: &Rules, id: MenuId) -> String {
    match id {
        MenuId::TOP => "Menu".to_owned(),
        _ => capital(&menu_name(rules, id)),
    }
}

/// `text` with its first letter a capital.
pub(crate) fn capital(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// "Español (es-US)": a language as the trace names it.
fn language_name(rules: &Rules, code: &str) -> String {
    match rules.language(Some(code)) {
        Some(l) if l.name != l.code => format!("{} ({code})", l.name),
        _ => code.to_owned(),
    }
}

impl Pressed<'_> {
    /// What the caller's answer at a menu did, in plain words: "Chose 2: the billing
    /// menu", "Chose 9: the rest of the call in Español (es-US)".
    pub fn describe(&self, rules: &Rules) -> String {
        let chose = |what: String| match self.digit {
            Some(d) => format!("Chose {d}: {what}"),
            None => what,
        };
        let mut words = match (self.choice, self.language) {
            (MenuChoice::NotAsked, Some(code)) => {
                chose(format!("the rest of the call in {}", language_name(rules, code)))
            }
            (MenuChoice::NotAsked, None) => chose(menu_name(rules, self.menu)),
            (MenuChoice::Option(d), _) => format!("Chose {d}"),
            (MenuChoice::Retry { .. }, _) => format!("No valid choice: {} plays again", menu_name(rules, self.menu)),
            (MenuChoice::Default, _) => "No choice made: the default is taken".to_owned(),
        };
        if let (MenuChoice::Option(_), Some(code)) = (self.choice, self.language) {
            words.push_str(&format!(", and the rest of the call in {}", language_name(rules, code)));
        }
        words
    }
}

fn unavailable(reason: Unavailable) -> &'static str {
    match reason {
        Unavailable::OffDuty => "off duty",
        Unavailable::OffShift => "not on shift",
        Unavailable::OnCall => "on another call",
        Unavailable::WhenRouted => "could not be rung when the call came in",
    }
}

fn reason(rules: &Rules, why: &Why, first: Option<&Step>) -> String {
    match why {
        Why::Skip(id, why) => format!("{} is skipped: {}", name(rules, id), unavailable(*why)),
        Why::PassOver {
            step,
            assistant,
            reason,
        } => {
            let why = match reason {
                Unavailable::OffDuty => "went off duty",
                Unavailable::OffShift => "went off shift",
                Unavailable::OnCall | Unavailable::WhenRouted => "took another call",
            };
            // Numbered from 1, as people count the steps of the chain line.
            format!(
                "Step {}: {} is not rung: {why} after this call came in",
                step + 1,
                name(rules, assistant)
            )
        }
        Why::NobodyRung(key) => format!("{}: nobody is rung", route(rules, key)),
        Why::Priority(key) => format!("{}: ring one at a time, in order", route(rules, key)),
        Why::RoundRobin { key, position } => {
            let first = first.and_then(|s| match &s.action {
                Action::Dial { targets, .. } => targets.first()?.assistant.as_ref(),
                _ => None,
            });
            match first {
                Some(id) => format!(
                    "{}: take turns; this is call {position} in turn, so {} is rung first",
                    route(rules, key),
                    name(rules, id)
                ),
                None => format!("{}: take turns, but nobody is available", route(rules, key)),
            }
        }
        Why::AllAtOnce(key) => format!("{}: ring everyone available at once", route(rules, key)),
        Why::Menu { menu, attempt: 0, .. } => format!("{}: the choices are played", menu_heading(rules, *menu)),
        Why::Menu { menu, attempt, retries } => {
            format!(
                "{}: no valid choice, played again (time {} of {})",
                menu_heading(rules, *menu),
                attempt + 1,
                retries + 1
            )
        }
        Why::Language(code) => format!("The call is in {}", language_name(rules, code)),
        Why::Chose(RouteKey::Option(m, d)) => format!("{}: the caller chose {d}", menu_heading(rules, *m)),
        Why::Chose(key) => format!(
            "Menu: the caller's choice goes on as {}",
            route(rules, key).to_lowercase()
        ),
        Why::NoChoice(RouteKey::Option(m, d)) => {
            format!("{}: no choice made, so choice {d} is taken", menu_heading(rules, *m))
        }
        Why::NoChoice(key) => format!(
            "Menu: no choice made, so the call goes on as {}",
            route(rules, key).to_lowercase()
        ),
        Why::NotConfigured(Target::External) => "The outside number is skipped: none is set".to_owned(),
        Why::NotConfigured(Target::Queue) => {
            "The queue is skipped: it is not set up, or this route rings nobody who could take callers from it"
                .to_owned()
        }
        Why::NotConfigured(Target::Voicemail) => "Voicemail is skipped: it is not set up".to_owned(),
        Why::Apology => "Nothing else would answer the caller, so they hear an apology".to_owned(),
        Why::Blocked => "The caller's number is blocked: nobody is rung".to_owned(),
        Why::Vip => "The caller is on the VIP list: their own route".to_owned(),
        Why::Sticky { assistant, first: true } => {
            format!(
                "{0} answered this caller lately, so {0} is rung first",
                name(rules, assistant)
            )
        }
        Why::Sticky {
            assistant,
            first: false,
        } => format!(
            "{} answered this caller lately, but this route does not ring them",
            name(rules, assistant)
        ),
    }
}

/// "In turn: ring Maria Lopez, then ring Ann and Bob at once, then ring the outside number,
/// then voicemail".
fn chain(rules: &Rules, steps: &[Step]) -> String {
    let words: Vec<String> = steps
        .iter()
        .map(|s| match &s.action {
            Action::Menu { .. } => "the menu".to_owned(),
            Action::Voicemail { .. } => "voicemail".to_owned(),
            Action::Queue { queue, .. } => format!(
                "wait in the queue up to {}",
                super::queue::duration_words(queue.max_wait_seconds)
            ),
            Action::Apology { .. } => "an apology".to_owned(),
            Action::Blocked {
                answer: BlockAnswer::Message(_),
            } => "the message for blocked callers".to_owned(),
            Action::Blocked {
                answer: BlockAnswer::Reject,
            } => "the call refused".to_owned(),
            Action::Dial { targets, .. } => {
                let who: Vec<&str> = targets
                    .iter()
                    .map(|t| t.assistant.as_ref().map_or("the outside number", |id| name(rules, id)))
                    .collect();
                match who.as_slice() {
                    [rest @ .., last] if !rest.is_empty() => format!("ring {} and {last} at once", rest.join(", ")),
                    _ => format!("ring {}", who.join("")),
                }
            }
        })
        .collect();
    format!("In turn: {}", words.join(", then "))
}

/// "9:00 AM-5:00 PM", or "09:00-17:00" on a 24-hour clock.
fn window(when: &LocalTime, w: &Window) -> String {
    let end = match w.end {
        WindowEnd::At(t) => when.clock(t),
        WindowEnd::EndOfDay => "midnight".to_owned(),
    };
    format!("{}-{end}", when.clock(w.start))
}

fn status(rules: &Rules, status: &OpenStatus) -> String {
    let when = LocalTime::of(rules);
    let why = open_reason(rules, status);
    let local = |t: DateTime<Utc>| when.naive(t.with_timezone(&rules.timezone).naive_local());
    match (status.open, status.until, status.next_open) {
        (true, Some(until), _) => format!("Open: {why}, until {}", local(until)),
        (true, _, _) => format!("Open: {why}"),
        (false, _, Some(next)) => format!("Closed: {why}; opens {}", local(next)),
        (false, _, None) => format!("Closed: {why}; no opening hours ahead"),
    }
}

/// Why the business is open or closed: "Tuesday hours 9:00 AM–5:00 PM", "holiday 25 Dec 2026".
fn open_reason(rules: &Rules, status: &OpenStatus) -> String {
    let when = LocalTime::of(rules);
    let day = || status.day.format("%-d %b %Y");
    match (status.kind, status.open, status.window, status.until) {
        (DayKind::Weekday(d), true, Some(w), Some(_)) => format!("{} hours {}", day_name(d), window(&when, &w)),
        (DayKind::Weekday(d), true, _, _) => format!("{} hours", day_name(d)),
        (DayKind::Weekday(d), false, _, _) => format!("outside {} hours", day_name(d)),
        (DayKind::Holiday, ..) => format!("holiday {}", day()),
        (DayKind::Special, true, Some(w), Some(_)) => format!("special hours {} {}", day(), window(&when, &w)),
        (DayKind::Special, ..) => format!("special hours {}", day()),
    }
}

/// A weekday's name in words: `Monday`.
pub fn day_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}
