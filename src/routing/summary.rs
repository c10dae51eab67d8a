//! What a new version of a client's rules changes, in words an office manager reads in the
//! list of versions: "Friday hours 09:00-16:00 → 09:00-17:00; Sam Lee added".

use std::collections::BTreeSet;

use chrono::NaiveDate;

use super::day_name;
use super::rules::{Route, Rules, Strategy, Target};
use super::schedule::{Window, WEEKDAYS};
use crate::phone;

/// Changes named in a one-line summary before "and N more".
const SHOWN: usize = 3;

/// Each change from `old` to `new`, in words; empty when they route and alert alike
/// (comments or layout only).
pub fn changes(old: &Rules, new: &Rules) -> Vec<String> {
    let mut out = Vec::new();
    let home = new.numbers.first().map_or("", |n| n.as_str());
    if old.name != new.name {
        out.push(format!("name now “{}”", new.name));
    }
    let old_numbers: BTreeSet<&str> = old.numbers.iter().map(|n| n.as_str()).collect();
    let new_numbers: BTreeSet<&str> = new.numbers.iter().map(|n| n.as_str()).collect();
    for n in new_numbers.difference(&old_numbers) {
        out.push(format!("number {} added", phone::written(n, home)));
    }
    for n in old_numbers.difference(&new_numbers) {
        out.push(format!("number {} removed", phone::written(n, home)));
    }
    if old.timezone != new.timezone {
        out.push(format!("time zone now {}", new.timezone.name()));
    }
    if old.speech != new.speech {
        out.push("voice or language changed".to_owned());
    }
    hours(old, new, &mut out);
    assistants(old, new, &mut out);
    route("open hours", &old.open, &new.open, &mut out);
    route("after hours", &old.after_hours, &new.after_hours, &mut out);
    match (&old.external, &new.external) {
        (None, Some(_)) => out.push("outside number added".to_owned()),
        (Some(_), None) => out.push("outside number removed".to_owned()),
        (Some(a), Some(b)) if a != b => out.push("outside number changed".to_owned()),
        _ => {}
    }
    voicemail(old, new, &mut out);
    match (&old.menu, &new.menu) {
        (None, Some(_)) => out.push("menu added".to_owned()),
        (Some(_), None) => out.push("menu removed".to_owned()),
        (Some(a), Some(b)) if a != b => out.push("menu changed".to_owned()),
        _ => {}
    }
    if old.submenus != new.submenus {
        out.push("menus changed".to_owned());
    }
    if old.languages != new.languages {
        out.push("languages changed".to_owned());
    }
    if old.messaging != new.messaging {
        out.push("alerts or text replies changed".to_owned());
    }
    let checks = |r: &Rules| {
        r.tests
            .iter()
            .map(|t| {
                (
                    t.at,
                    t.from.clone(),
                    t.digits.clone(),
                    t.language.clone(),
                    t.off_duty.clone(),
                    t.expect.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    if checks(old) != checks(new) {
        out.push("checks updated".to_owned());
    }
    out
}

/// The changes on one line, the first few named: "a; b; c and 2 more changes".
pub fn one_line(changes: &[String]) -> String {
    if changes.is_empty() {
        return "Comments or layout only".to_owned();
    }
    let shown = changes[..changes.len().min(SHOWN)].join("; ");
    let line = match changes.len().saturating_sub(SHOWN) {
        0 => shown,
        1 => format!("{shown} and 1 more change"),
        more => format!("{shown} and {more} more changes"),
    };
    let mut chars = line.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_uppercase().chain(chars).collect())
}

fn windows(w: &[Window]) -> String {
    if w.is_empty() {
        "closed".to_owned()
    } else {
        w.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

fn date(d: &NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn hours(old: &Rules, new: &Rules, out: &mut Vec<String>) {
    let (a, b) = (&old.hours, &new.hours);
    for (day, (before, after)) in WEEKDAYS.into_iter().zip(a.weekly.iter().zip(&b.weekly)) {
        if before != after {
            out.push(format!(
                "{} hours {} → {}",
                day_name(day),
                windows(before),
                windows(after)
            ));
        }
    }
    for d in b.closed.difference(&a.closed) {
        out.push(format!("holiday {} added", date(d)));
    }
    for d in a.closed.difference(&b.closed) {
        out.push(format!("holiday {} removed", date(d)));
    }
    for (d, w) in &b.special {
        match a.special.get(d) {
            None => out.push(format!("special hours on {}: {}", date(d), windows(w))),
            Some(before) if before != w => {
                out.push(format!(
                    "special hours on {} {} → {}",
                    date(d),
                    windows(before),
                    windows(w)
                ));
            }
            Some(_) => {}
        }
    }
    for d in a.special.keys().filter(|d| !b.special.contains_key(d)) {
        out.push(format!("special hours on {} removed", date(d)));
    }
}

fn assistants(old: &Rules, new: &Rules, out: &mut Vec<String>) {
    for a in &new.assistants {
        let Some(before) = old.assistant(&a.id) else {
            out.push(format!("{} added", a.name));
            continue;
        };
        if before.name != a.name {
            out.push(format!("{} renamed {}", before.name, a.name));
        }
        if before.phone != a.phone {
            out.push(format!("{}'s phone changed", a.name));
        }
        if before.shifts != a.shifts {
            out.push(format!("{}'s shifts changed", a.name));
        }
        if (&before.email, &before.alerts) != (&a.email, &a.alerts) {
            out.push(format!("how {} is told of calls changed", a.name));
        }
        if before.screen != a.screen {
            out.push(format!("{}'s screening changed", a.name));
        }
    }
    for a in old.assistants.iter().filter(|a| new.assistant(&a.id).is_none()) {
        out.push(format!("{} removed", a.name));
    }
    let order = |r: &Rules, other: &Rules| {
        r.assistants
            .iter()
            .filter(|a| other.assistant(&a.id).is_some())
            .map(|a| a.id.clone())
            .collect::<Vec<_>>()
    };
    if order(old, new) != order(new, old) {
        out.push("order of assistants changed".to_owned());
    }
}

fn strategy(s: Option<Strategy>) -> &'static str {
    match s {
        None => "ring nobody",
        Some(Strategy::Priority) => "ring one at a time, in order",
        Some(Strategy::RoundRobin) => "take turns",
        Some(Strategy::Simultaneous) => "ring everyone at once",
    }
}

fn then(targets: &[Target]) -> String {
    let words: Vec<&str> = targets
        .iter()
        .map(|t| match t {
            Target::External => "the outside number",
            Target::Queue => "the queue",
            Target::Voicemail => "voicemail",
        })
        .collect();
    words.join(", then ")
}

fn route(when: &str, old: &Route, new: &Route, out: &mut Vec<String>) {
    if old.strategy != new.strategy {
        out.push(format!("{when}: {}", strategy(new.strategy)));
    }
    let who = |r: &Route| {
        r.assistants
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect::<BTreeSet<_>>()
    };
    if who(old) != who(new) && old.strategy == new.strategy {
        out.push(format!("{when}: who is rung changed"));
    }
    if old.ring_seconds != new.ring_seconds {
        out.push(format!(
            "{when}: ring {} s instead of {} s",
            new.ring_seconds, old.ring_seconds
        ));
    }
    if old.screen != new.screen {
        let words = if new.screen { "on" } else { "off" };
        out.push(format!("{when}: screening {words}"));
    }
    if old.caller_id != new.caller_id {
        out.push(format!("{when}: the number assistants see changed"));
    }
    if old.record != new.record {
        let words = if new.record { "recorded" } else { "no longer recorded" };
        out.push(format!("{when}: calls {words}"));
    }
    if old.then != new.then {
        out.push(format!("{when}: then {}", then(&new.then)));
    }
}

fn voicemail(old: &Rules, new: &Rules, out: &mut Vec<String>) {
    let (Some(a), Some(b)) = (&old.voicemail, &new.voicemail) else {
        if old.voicemail != new.voicemail {
            out.push("voicemail changed".to_owned());
        }
        return;
    };
    if a.greeting != b.greeting {
        out.push("voicemail greeting changed".to_owned());
    }
    if a.max_seconds != b.max_seconds {
        out.push(format!("voicemails up to {} s", b.max_seconds));
    }
    if a.transcribe != b.transcribe {
        let words = if b.transcribe { "on" } else { "off" };
        out.push(format!("transcription {words}"));
    }
    if a.notify != b.notify {
        out.push("who is told of voicemails changed".to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
client = "c"
name = "C"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
mon = ["09:00-17:00"]
fri = ["09:00-16:00"]   # short Fridays
closed = ["2026-12-25"]

[[assistants]]
id = "maria"
name = "Maria Lopez"
phone = "+12125550111"

[open]
strategy = "priority"
ring_seconds = 20
then = ["voicemail"]

[voicemail]
greeting = "Leave a message."
"#;

    fn rules(text: &str) -> Rules {
        crate::routing::parse(text).unwrap()
    }

    #[test]
    fn hours_holidays_and_assistants_are_named_in_words() {
        let new = BASE
            .replace(r#"fri = ["09:00-16:00"]"#, r#"fri = ["09:00-17:00"]"#)
            .replace(r#"closed = ["2026-12-25"]"#, r#"closed = ["2026-12-25", "2027-01-01"]"#)
            + "\n[[assistants]]\nid = \"sam\"\nname = \"Sam Lee\"\nphone = \"+12125550113\"\n";
        let changes = changes(&rules(BASE), &rules(&new));
        assert_eq!(
            changes,
            [
                "Friday hours 09:00-16:00 → 09:00-17:00",
                "holiday 1 Jan 2027 added",
                "Sam Lee added",
                "open hours: who is rung changed",
            ]
        );
        assert_eq!(
            one_line(&changes),
            "Friday hours 09:00-16:00 → 09:00-17:00; holiday 1 Jan 2027 added; Sam Lee added and 1 more change"
        );
    }

    #[test]
    fn a_comment_alone_changes_nothing_and_a_route_reads_in_words() {
        let commented = BASE.replace("# short Fridays", "# Fridays end early");
        assert_eq!(
            one_line(&changes(&rules(BASE), &rules(&commented))),
            "Comments or layout only"
        );
        let turns = BASE
            .replace(r#"strategy = "priority""#, r#"strategy = "round_robin""#)
            .replace("ring_seconds = 20", "ring_seconds = 25");
        assert_eq!(
            changes(&rules(BASE), &rules(&turns)),
            ["open hours: take turns", "open hours: ring 25 s instead of 20 s"]
        );
    }
}
