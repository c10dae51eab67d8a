//! "What would a call get?": the same engine as live calls, for `switchboard simulate`
//! and the admin API. Pure, apart from taking the facts it is given.

use std::collections::HashMap;

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use serde::Serialize;

use crate::calls::position::Position;
use crate::calls::render;
use crate::ids::AssistantId;
use crate::phone::E164;
use crate::routing::queue::{announcement, WaitFacts};
use crate::routing::{self, CallInput, Rules, Unavailable};
use crate::twilio::webhooks::{Links, PATH_QUEUE_KEY};

#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub client: String,
    pub caller: String,
    /// The instant simulated, in UTC.
    pub at: DateTime<Utc>,
    /// Set when the time asked for needed explaining (a DST gap).
    pub note: Option<String>,
    pub open: bool,
    pub next_open: Option<DateTime<Utc>>,
    pub trace: Vec<String>,
    pub steps: Vec<SimulatedStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulatedStep {
    pub label: String,
    pub step: routing::Step,
    pub twiml: String,
    /// For a queue: the first turn of its wait loop, what the caller hears while waiting.
    pub waiting: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a time like 2026-12-25T10:00 (local) or 2026-12-25T15:00:00Z")]
pub struct BadTime(String);

/// The instant for a time given as RFC 3339, or as a local time in the client's zone.
/// A local time inside a DST gap is moved forward by the gap, as clocks do.
///
/// # Errors
/// When the text is neither.
pub fn parse_at(rules: &Rules, at: &str) -> Result<(DateTime<Utc>, Option<String>), BadTime> {
    if let Ok(t) = DateTime::parse_from_rfc3339(at) {
        return Ok((t.with_timezone(&Utc), None));
    }
    let naive = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M"))
        .map_err(|_| BadTime(at.to_owned()))?;
    let tz = rules.timezone;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok((t.with_timezone(&Utc), None)),
        LocalResult::None => {
            let before = tz
                .from_local_datetime(&(naive - Duration::days(1)))
                .earliest()
                .ok_or_else(|| BadTime(at.to_owned()))?;
            let offset = Duration::seconds(i64::from(before.offset().fix().local_minus_utc()));
            let instant = (naive - offset).and_utc();
            let note = format!(
                "{naive} does not exist in {tz} (the clocks jump forward); using {}",
                instant.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
            );
            Ok((instant, Some(note)))
        }
    }
}

/// A call to simulate: when (see [`parse_at`]), from whom, what they pressed (at each
/// menu in turn, `2,1`), who is off
/// duty, and the assistant who last answered this caller (`[sticky]`), looked up by the
/// caller of this function.
#[derive(Debug, Clone, Copy)]
pub struct Attempt<'a> {
    pub at: &'a str,
    pub caller: &'a str,
    pub digits: Option<&'a str>,
    pub off_duty: &'a [String],
    pub spoke_with: Option<&'a str>,
}

/// The caller's number in E.164, read as people near the business write it; `None` for
/// what is not a number (an anonymous caller, say).
pub fn caller_number(rules: &Rules, caller: &str) -> Option<E164> {
    let home = rules.numbers.first()?;
    crate::phone::read(caller, home.as_str()).ok()
}

/// Routes a call and renders every step of its chain.
///
/// # Errors
/// When the time is malformed.
pub fn simulate(rules: &Rules, version: i32, attempt: &Attempt<'_>, links: &Links) -> Result<Simulation, BadTime> {
    let Attempt {
        at,
        caller,
        digits,
        off_duty,
        spoke_with,
    } = *attempt;
    let (now, note) = parse_at(rules, at)?;
    // "2,1": 2 at the first menu, then 1 at the menu it opened.
    let keys: Vec<&str> = digits.map_or_else(Vec::new, |d| {
        d.split(',').map(str::trim).filter(|k| !k.is_empty()).collect()
    });
    let walked = routing::menu::walk(rules, &keys);
    let unavailable: HashMap<AssistantId, Unavailable> = off_duty
        .iter()
        .filter_map(|a| AssistantId::parse(a).ok())
        .map(|a| (a, Unavailable::OffDuty))
        .collect();
    let called = rules.numbers.first().map_or("", |n| n.as_str());
    let from = caller_number(rules, caller);
    let spoke_with = spoke_with
        .and_then(|id| AssistantId::parse(id).ok())
        .filter(|id| rules.sticky.is_some() && rules.assistant(id).is_some());
    let decision = routing::decide(
        rules,
        now,
        &CallInput {
            called,
            at_menu: walked.menu,
            menu: walked.choice,
            language: walked.language,
            unavailable: &unavailable,
            rotation: 0,
            from: from.as_ref().map(E164::as_str),
            spoke_with: spoke_with.as_ref(),
        },
    );
    let pos = Position {
        client: rules.client.to_string(),
        version,
        at: now,
        at_menu: walked.menu,
        menu: walked.choice,
        language: walked.language.map(str::to_owned),
        rotation: 0,
        away: decision.skipped().cloned().collect(),
        spoke_with,
        step: 0,
    };
    let steps = decision
        .steps
        .iter()
        .map(|s| SimulatedStep {
            label: s.label(),
            step: s.clone(),
            twiml: render::step(rules, s, &pos, links).render(),
            waiting: waiting(rules, s, &pos, links),
        })
        .collect();
    Ok(Simulation {
        client: rules.client.to_string(),
        caller: caller.to_owned(),
        at: now,
        note,
        open: decision.status.open,
        next_open: decision.status.next_open,
        trace: (walked.steps.iter().map(|p| p.describe(rules)))
            .chain(decision.trace(rules))
            .collect(),
        steps,
    })
}

/// The first turn of a queue step's wait loop, with the caller next in line.
fn waiting(rules: &Rules, step: &routing::Step, pos: &Position, links: &Links) -> Option<String> {
    let routing::Action::Queue { queue, .. } = &step.action else {
        return None;
    };
    let facts = WaitFacts {
        waited: 0,
        average: 0,
        place: 1,
    };
    let announce = announcement(&queue.words, facts);
    let here = Position {
        step: step.index,
        ..pos.clone()
    };
    let keys = links.url(PATH_QUEUE_KEY, &here.to_query());
    let turn = render::queue::wait(rules, queue, pos.language.as_deref(), Some(&announce), &keys);
    Some(turn.render())
}

impl Simulation {
    /// The text `switchboard simulate` prints.
    pub fn to_text(&self, name: &str) -> String {
        let mut out = format!("client: {} ({name})\ncaller: {}\n", self.client, self.caller);
        if let Some(note) = &self.note {
            out.push_str(&format!("note: {note}\n"));
        }
        out.push_str("trace:\n");
        for line in &self.trace {
            out.push_str(&format!("  - {line}\n"));
        }
        out.push_str("steps:\n");
        for (n, s) in self.steps.iter().enumerate() {
            out.push_str(&format!("  {}. {}\n     {}\n", n + 1, s.label, s.twiml));
            if let Some(waiting) = &s.waiting {
                out.push_str(&format!("     while waiting: {waiting}\n"));
            }
        }
        out
    }
}
