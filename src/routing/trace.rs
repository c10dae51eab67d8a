//! A decision's reasons in plain words ("closed: holiday 2026-12-25", "skip maria: off
//! duty", "chain: john → external → voicemail"), for call records, admins and rule
//! file test failures.

use chrono::format::{Fixed, Item, Numeric, Pad};
use chrono::{DateTime, NaiveDateTime, Utc, Weekday};

use super::decide::Unavailable;
use super::decision::{Decision, Step, Why};
use super::rules::Rules;
use super::schedule::{DayKind, OpenStatus};

impl Decision {
    /// Why the call goes where it goes, one line per reason.
    pub fn trace(&self, rules: &Rules) -> Vec<String> {
        let mut lines = vec![time(rules, &self.status), status(rules, &self.status)];
        // The route's own order starts after the assistant a [sticky] caller rings first.
        let sticky = self.why.iter().any(|w| matches!(w, Why::Sticky { first: true, .. }));
        let first = self.steps.get(usize::from(sticky)).map(Step::label);
        lines.extend(self.why.iter().map(|w| reason(w, first.as_deref())));
        lines.push(format!("chain: {}", self.labels().join(" → ")));
        lines
    }
}

impl Why {
    /// This one reason in plain words, as [`Decision::trace`] puts it.
    pub fn describe(&self) -> String {
        reason(self, None)
    }
}

impl OpenStatus {
    /// Open or closed, why, and until when, in plain words
    /// ("closed: holiday 2026-12-25; opens Mon 2026-12-28 09:00").
    pub fn describe(&self, rules: &Rules) -> String {
        status(rules, self)
    }
}

fn reason(why: &Why, first: Option<&str>) -> String {
    match why {
        Why::Skip(id, Unavailable::OffDuty) => format!("skip {id}: off duty"),
        Why::Skip(id, Unavailable::OffShift) => format!("skip {id}: not on shift"),
        Why::Skip(id, Unavailable::OnCall) => format!("skip {id}: on another call"),
        Why::Skip(id, Unavailable::WhenRouted) => format!("skip {id}: unavailable when the call was routed"),
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
                "step {}: pass over {assistant}, who {why} after this call came in",
                step + 1
            )
        }
        Why::NobodyRung(key) => format!("route {key}: nobody is rung"),
        Why::Priority(key) => format!("route {key}: ring one at a time in priority order"),
        Why::RoundRobin { key, position } => {
            match first.filter(|f| !matches!(*f, "external" | "voicemail" | "apology" | "blocked")) {
                Some(first) => format!("route {key}: round robin at position {position}, {first} first"),
                None => format!("route {key}: round robin, but nobody is available"),
            }
        }
        Why::AllAtOnce(key) => format!("route {key}: ring everyone available at once"),
        Why::Menu { attempt: 0, .. } => "menu: play the options".to_owned(),
        Why::Menu { attempt, retries } => {
            format!(
                "menu: no valid choice, play again (attempt {} of {})",
                attempt + 1,
                retries + 1
            )
        }
        Why::Chose(key) => format!("menu: caller chose {key}"),
        Why::NoChoice(key) => format!("menu: no choice made, default route {key}"),
        Why::NotConfigured(target) => format!("skip {target:?}: not configured"),
        Why::Apology => "the chain would end in silence: apologise instead".to_owned(),
        Why::Blocked => "caller is on the block list: nobody is rung".to_owned(),
        Why::Vip => "caller is on the VIP list: route vip".to_owned(),
        Why::Sticky { assistant, first: true } => {
            format!("{assistant} answered this caller lately: ring {assistant} first")
        }
        Why::Sticky {
            assistant,
            first: false,
        } => {
            format!("{assistant} answered this caller lately, but this route does not ring {assistant}")
        }
    }
}

/// `%a %Y-%m-%d %H:%M` ("Sat 2026-11-21 20:30"), parsed once: parsing the pattern for
/// each of a call's times was most of the cost of its trace.
const LOCAL_TIME: &[Item<'static>] = &[
    Item::Fixed(Fixed::ShortWeekdayName),
    Item::Space(" "),
    Item::Numeric(Numeric::Year, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Month, Pad::Zero),
    Item::Literal("-"),
    Item::Numeric(Numeric::Day, Pad::Zero),
    Item::Space(" "),
    Item::Numeric(Numeric::Hour, Pad::Zero),
    Item::Literal(":"),
    Item::Numeric(Numeric::Minute, Pad::Zero),
];

fn local_time(at: NaiveDateTime) -> String {
    at.format_with_items(LOCAL_TIME.iter()).to_string()
}

fn time(rules: &Rules, status: &OpenStatus) -> String {
    format!("local time {} ({})", local_time(status.local), rules.timezone)
}

fn status(rules: &Rules, status: &OpenStatus) -> String {
    let why = match (status.kind, status.open) {
        (DayKind::Weekday(day), true) => format!("{} hours", day_name(day)),
        (DayKind::Weekday(day), false) => format!("outside {} hours", day_name(day)),
        (DayKind::Holiday, _) => format!("holiday {}", status.day),
        (DayKind::Special, _) => format!("special hours {}", status.day),
    };
    let local = |t: DateTime<Utc>| local_time(t.with_timezone(&rules.timezone).naive_local());
    match (status.open, status.window, status.until, status.next_open) {
        (true, Some(w), Some(until), _) => format!("open: {why} {w}, until {}", local(until)),
        (true, _, _, _) => format!("open: {why}"),
        (false, _, _, Some(next)) => format!("closed: {why}; opens {}", local(next)),
        (false, _, _, None) => format!("closed: {why}; no opening hours ahead"),
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
