//! The rules editor's replay card: how the client's calls of the last days would have gone
//! under the draft, in words ("12 calls on Saturday mornings would have …").

use chrono::Weekday;
use maud::{html, Markup};

use super::rules::outcome_words;
use crate::admin::replay::{DraftReplay, DAYS};
use crate::locale::LocalTime;
use crate::routing::day_name;
use crate::routing::replay::Group;

/// Groups shown; the rest are counted.
const SHOWN: usize = 6;

pub fn card(r: &DraftReplay) -> Markup {
    let tz = LocalTime::of(&r.draft);
    let replay = &r.replay;
    let period = format!(
        "{} to {}",
        r.since.with_timezone(&tz.tz).format("%-d %b"),
        r.until.with_timezone(&tz.tz).format("%-d %b %Y")
    );
    let hidden: usize = replay.groups.iter().skip(SHOWN).map(|g| g.calls).sum();
    html! {
        section.card.replay #replay aria-labelledby="replay-h" {
            h2 #replay-h { "This text tried on the last " (DAYS) " days of calls" }
            @if replay.calls == 0 {
                p { "No calls came in from " (period) ": there is nothing to try it on." }
            } @else if replay.changed == 0 {
                p {
                    "All " (calls(replay.calls)) " from " (period) " would have gone exactly as they do with the rules in use."
                }
            } @else {
                p {
                    strong { (replay.changed) " of the " (calls(replay.calls)) }
                    " from " (period) " would have gone differently:"
                }
                ul {
                    @for g in replay.groups.iter().take(SHOWN) {
                        li {
                            strong { (calls(g.calls)) " " (when(g)) }
                            br;
                            "With this text: " (outcome_words(&r.draft, &g.after)) "."
                            br;
                            "With the rules in use: " (outcome_words(&r.current, &g.before)) "."
                            br;
                            span.muted {
                                @if g.calls == 1 { "It came in " } @else { "For example " }
                                (g.examples.iter().map(|t| tz.full(*t)).collect::<Vec<_>>().join("; "))
                            }
                        }
                    }
                }
                @if hidden > 0 { p.muted { "And " (calls(hidden)) " more, in other ways." } }
            }
            @if r.cut_short {
                p.muted { "Only the oldest calls of the period were tried: there were too many to try them all." }
            }
            p.muted {
                "Each call is tried at the time it came in, with everyone on duty; nothing is saved or rung."
            }
        }
    }
}

fn calls(n: usize) -> String {
    if n == 1 {
        "1 call".to_owned()
    } else {
        format!("{n} calls")
    }
}

/// "on Saturday mornings", "on weekday evenings", "in the afternoons".
fn when(g: &Group) -> String {
    let days: Vec<Weekday> = g.weekdays.iter().map(|(d, _)| *d).collect();
    let part = g.part.plural();
    let weekdays = [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri];
    match days.as_slice() {
        d if d.len() == 7 => format!("in the {part}"),
        d if d == weekdays => format!("on weekday {part}"),
        [Weekday::Sat, Weekday::Sun] => format!("on weekend {part}"),
        d => {
            let names: Vec<&str> = d.iter().map(|w| day_name(*w)).collect();
            match names.split_last() {
                Some((last, [])) => format!("on {last} {part}"),
                Some((last, rest)) => format!("on {} and {last} {part}", rest.join(", ")),
                None => format!("in the {part}"),
            }
        }
    }
}
