//! Replay: a client's real calls decided again under a draft of its rules, to tell before
//! saving how many would have gone differently, and which. Both versions decide each call
//! at its own instant with nobody away and the first round-robin turn, so what differs is
//! the rules and nothing else. Calls are grouped by what changed and by when they came in
//! (the part of the day, the weekdays), as people describe them.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Utc, Weekday};

use super::decide::{decide, CallInput, MenuChoice};
use super::rules::Rules;

/// Calls that came in at one part of the day and would have gone differently in the same way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub calls: usize,
    pub part: PartOfDay,
    /// The local weekdays they came in on, Monday first, with how many came on each.
    pub weekdays: Vec<(Weekday, usize)>,
    /// What the rules in use made of them, as `[[tests]]` write a chain.
    pub before: Vec<String>,
    /// What the draft makes of them.
    pub after: Vec<String>,
    /// The first few of them, oldest first.
    pub examples: Vec<DateTime<Utc>>,
}

/// What a draft would have changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replay {
    pub calls: usize,
    pub changed: usize,
    /// Largest first.
    pub groups: Vec<Group>,
}

/// Parts of the day in the client's zone, as people name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PartOfDay {
    /// Midnight to 6.
    Night,
    /// 6 to noon.
    Morning,
    /// Noon to 5 pm.
    Afternoon,
    /// 5 pm to midnight.
    Evening,
}

impl PartOfDay {
    fn at(hour: u32) -> Self {
        match hour {
            0..6 => Self::Night,
            6..12 => Self::Morning,
            12..17 => Self::Afternoon,
            _ => Self::Evening,
        }
    }

    /// `"morning"`: its name in the API.
    pub fn name(self) -> &'static str {
        match self {
            Self::Night => "night",
            Self::Morning => "morning",
            Self::Afternoon => "afternoon",
            Self::Evening => "evening",
        }
    }

    /// `"mornings"`, as in "on Saturday mornings".
    pub fn plural(self) -> &'static str {
        match self {
            Self::Night => "nights",
            Self::Morning => "mornings",
            Self::Afternoon => "afternoons",
            Self::Evening => "evenings",
        }
    }
}

/// A group's calls as they are counted: by weekday (Monday 0), with every instant.
#[derive(Default)]
struct Tally {
    days: BTreeMap<u32, usize>,
    examples: Vec<DateTime<Utc>>,
    calls: usize,
}

/// Examples kept per group.
const EXAMPLES: usize = 3;

/// How each call at `instants` goes under `current` and under `draft`, and those that differ.
pub fn replay(current: &Rules, draft: &Rules, instants: &[DateTime<Utc>]) -> Replay {
    let chain = |rules: &Rules, at: DateTime<Utc>| {
        let nobody_away = std::collections::HashMap::new();
        let input = CallInput {
            called: rules.numbers.first().map_or("", |n| n.as_str()),
            at_menu: crate::routing::rules::MenuId::TOP,
            menu: MenuChoice::NotAsked,
            language: None,
            unavailable: &nobody_away,
            rotation: 0,
            from: None,
            spoke_with: None,
        };
        decide(rules, at, &input).labels()
    };
    let mut groups: BTreeMap<(Vec<String>, Vec<String>, PartOfDay), Tally> = BTreeMap::new();
    let mut changed = 0;
    for &at in instants {
        let (before, after) = (chain(current, at), chain(draft, at));
        if before == after {
            continue;
        }
        changed += 1;
        let local = at.with_timezone(&draft.timezone);
        let tally = groups.entry((before, after, PartOfDay::at(local.hour()))).or_default();
        *tally.days.entry(local.weekday().num_days_from_monday()).or_default() += 1;
        tally.examples.push(at);
        tally.calls += 1;
    }
    let mut groups: Vec<Group> = groups
        .into_iter()
        .map(
            |(
                (before, after, part),
                Tally {
                    days,
                    mut examples,
                    calls,
                },
            )| {
                examples.sort_unstable();
                examples.truncate(EXAMPLES);
                Group {
                    calls,
                    part,
                    weekdays: (days.into_iter())
                        .filter_map(|(d, n)| Some((Weekday::try_from(u8::try_from(d).ok()?).ok()?, n)))
                        .collect(),
                    before,
                    after,
                    examples,
                }
            },
        )
        .collect();
    groups.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.examples.cmp(&b.examples)));
    Replay {
        calls: instants.len(),
        changed,
        groups,
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    const RULES: &str = r#"
client = "acme"
name = "Acme"
timezone = "America/New_York"
numbers = ["+12125550100"]

[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]

[[assistants]]
id = "maria"
name = "Maria"
phone = "+12125550111"

[[assistants]]
id = "sam"
name = "Sam"
phone = "+12125550112"

[open]
strategy = "priority"
assistants = ["maria"]
then = ["voicemail"]

[after_hours]
then = ["voicemail"]

[voicemail]
greeting = "Please leave a message."
"#;

    fn at(local: &str) -> DateTime<Utc> {
        let naive = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M").unwrap();
        chrono_tz::America::New_York
            .from_local_datetime(&naive)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn only_the_calls_a_draft_routes_differently_are_counted_grouped_by_when_they_came() {
        let current = crate::routing::parse(RULES).unwrap();
        let draft = crate::routing::parse(&RULES.replace(
            "tue = [\"09:00-17:00\"]",
            "tue = [\"09:00-17:00\"]\nsat = [\"09:00-12:00\"]",
        ))
        .unwrap();
        let calls = [
            at("2026-11-28 10:00"), // Saturday morning: now open
            at("2026-11-21 11:30"), // Saturday morning
            at("2026-11-28 14:00"), // Saturday afternoon: closed either way
            at("2026-11-30 10:00"), // Monday: open either way
        ];
        let replay = replay(&current, &draft, &calls);
        assert_eq!((replay.calls, replay.changed), (4, 2));
        assert_eq!(
            replay.groups,
            [Group {
                calls: 2,
                part: PartOfDay::Morning,
                weekdays: vec![(Weekday::Sat, 2)],
                before: vec!["voicemail".into()],
                after: vec!["maria".into(), "voicemail".into()],
                examples: vec![calls[1], calls[0]],
            }]
        );
    }

    #[test]
    fn the_largest_group_comes_first() {
        let current = crate::routing::parse(RULES).unwrap();
        let draft =
            crate::routing::parse(&RULES.replace("assistants = [\"maria\"]", "assistants = [\"maria\", \"sam\"]"))
                .unwrap();
        let calls = [
            at("2026-11-30 10:00"),
            at("2026-11-30 14:00"),
            at("2026-12-01 15:00"),
            at("2026-11-30 20:00"),
        ];
        let replay = replay(&current, &draft, &calls);
        assert_eq!(replay.changed, 3, "the evening call goes to voicemail either way");
        let parts: Vec<_> = replay.groups.iter().map(|g| (g.part, g.calls)).collect();
        assert_eq!(parts, [(PartOfDay::Afternoon, 2), (PartOfDay::Morning, 1)]);
        assert_eq!(replay.groups[0].weekdays, [(Weekday::Mon, 1), (Weekday::Tue, 1)]);
        assert_eq!(replay.groups[0].after, ["maria", "sam", "voicemail"]);
    }
}
