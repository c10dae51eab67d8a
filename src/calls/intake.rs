//! The first webhook of every call, batched: calls arriving together are decided and
//! recorded in one transaction. A burst costs one commit, one read per client of who
//! is unavailable, and one step per round-robin rotation, instead of one of each per
//! call; each webhook still answers only after its call is committed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::position::Position;
use super::{legs_of, new_call, unavailable, CallFacts};
use crate::clock::Clock;
use crate::ids::AssistantId;
use crate::routing::rules::MenuId;
use crate::routing::{self, CallInput, Decision, MenuChoice, Rules};
use crate::store::batch::calls::{AvailabilityAt, CallBatch, CallerSince, Found, Reads, Turns, Writes};
use crate::store::calls::Outcome;

/// A call to route: its facts, the rules current for the number called, and when.
pub struct Arrival {
    pub facts: CallFacts,
    pub version: i32,
    pub rules: Arc<Rules>,
    pub at: DateTime<Utc>,
}

/// The committed decision for one arrival, and the position its callbacks carry.
pub struct Routed {
    pub decision: Decision,
    pub pos: Position,
}

impl Routed {
    /// Whether the caller was blocked: the call is recorded as such, and rings nobody.
    pub fn blocked(&self) -> bool {
        (self.decision.steps.first()).is_some_and(|s| matches!(s.action, routing::Action::Blocked { .. }))
    }
}

/// Stamps rows with its clock's time when the batch runs; each call is decided at the
/// time its webhook arrived.
pub struct Intake {
    pub clock: Arc<dyn Clock>,
}

/// Which of a batch's reads is whose.
pub struct Plan {
    /// Each arrival's rotation, as an index into [`Reads::turns`].
    turns: Vec<Option<usize>>,
    /// Each arrival's client, as an index into [`Reads::availability`].
    clients: Vec<usize>,
    /// Each arrival's caller, as an index into [`Reads::callers`], when the client routes
    /// callers to whom they spoke with lately.
    callers: Vec<Option<usize>>,
}

impl Arrival {
    /// The caller's number as Twilio gave it; `None` for a caller without one.
    fn from(&self) -> Option<&str> {
        Some(self.facts.from.as_str()).filter(|f| f.bytes().any(|b| b.is_ascii_digit()))
    }
}

impl CallBatch for Intake {
    type Call = Arrival;
    type Routed = Routed;
    type Plan = Plan;

    fn reads(&self, arrivals: &[Arrival]) -> (Plan, Reads) {
        let routes: Vec<Option<(String, String)>> = arrivals
            .iter()
            .map(|a| {
                routing::rotation_route(&a.rules, a.at, MenuId::TOP, MenuChoice::NotAsked, a.from())
                    .map(|route| (a.rules.client.to_string(), route.to_string()))
            })
            .collect();
        // Sorted, as concurrent batches must list rotations alike.
        let mut wanted: BTreeMap<(String, String), u64> = BTreeMap::new();
        for route in routes.iter().flatten() {
            *wanted.entry(route.clone()).or_default() += 1;
        }
        let index: HashMap<&(String, String), usize> = wanted.keys().enumerate().map(|(i, r)| (r, i)).collect();
        let turns = routes.iter().map(|r| r.as_ref().map(|r| index[r])).collect();
        let mut availability = Vec::new();
        let mut firsts: HashMap<&str, usize> = HashMap::new();
        let clients = arrivals
            .iter()
            .map(|a| {
                let client = a.rules.client.as_str();
                *firsts.entry(client).or_insert_with(|| {
                    availability.push(AvailabilityAt {
                        client: client.to_owned(),
                        at: a.at,
                    });
                    availability.len() - 1
                })
            })
            .collect();
        let mut callers = Vec::new();
        let caller_reads = arrivals
            .iter()
            .map(|a| {
                let sticky = a.rules.sticky?;
                let from = a.from().filter(|f| a.rules.blocked(Some(f)).is_none())?;
                callers.push(CallerSince {
                    client: a.rules.client.to_string(),
                    from: from.to_owned(),
                    since: a.at - chrono::Duration::days(i64::from(sticky.days)),
                });
                Some(callers.len() - 1)
            })
            .collect();
        let reads = Reads {
            turns: wanted
                .into_iter()
                .map(|((client, route), count)| Turns { client, route, count })
                .collect(),
            availability,
            callers,
        };
        let plan = Plan {
            turns,
            clients,
            callers: caller_reads,
        };
        (plan, reads)
    }

    fn decide(&self, arrivals: &[Arrival], plan: Plan, found: Found) -> Vec<Routed> {
        // Turns are handed out in arrival order from each rotation's first.
        let mut next = found.first_turns;
        let mut routed = Vec::with_capacity(arrivals.len());
        let reads = plan.turns.into_iter().zip(plan.clients).zip(plan.callers);
        for (arrival, ((turn, client), caller)) in arrivals.iter().zip(reads) {
            let rotation = turn.map_or(0, |t| {
                next[t] += 1;
                next[t] - 1
            });
            let unavailable = unavailable(&found.unavailable[client], &arrival.facts.call_sid);
            // An assistant since removed from the rules is nobody to ring first.
            let spoke_with = caller
                .and_then(|c| found.spoke_with[c].as_deref())
                .and_then(|id| AssistantId::parse(id).ok())
                .filter(|id| arrival.rules.assistant(id).is_some());
            let input = CallInput {
                called: &arrival.facts.to,
                at_menu: MenuId::TOP,
                menu: MenuChoice::NotAsked,
                language: None,
                unavailable: &unavailable,
                rotation,
                from: arrival.from(),
                spoke_with: spoke_with.as_ref(),
            };
            let decision = routing::decide(&arrival.rules, arrival.at, &input);
            let pos = Position {
                client: arrival.rules.client.to_string(),
                version: arrival.version,
                at: arrival.at,
                at_menu: MenuId::TOP,
                menu: input.menu,
                language: None,
                rotation,
                away: decision.skipped().cloned().collect(),
                spoke_with,
                step: 0,
            };
            routed.push(Routed { decision, pos });
        }
        routed
    }

    /// The calls, with their traces, and the legs their first steps ring.
    fn writes<'a>(&self, arrivals: &'a [Arrival], routed: &'a [Routed]) -> Writes<'a> {
        let calls = arrivals
            .iter()
            .zip(routed)
            .map(|(a, r)| {
                let trace = serde_json::to_string(&r.decision.trace(&a.rules)).ok();
                let mut call = new_call(&a.facts, Some(&r.pos.client), Some(r.pos.version), trace);
                call.outcome = r.blocked().then_some(Outcome::Blocked.as_str());
                call
            })
            .collect();
        let legs = arrivals
            .iter()
            .zip(routed)
            .filter_map(|(a, r)| Some(legs_of(r.decision.steps.first()?, &r.pos, &a.facts.call_sid)))
            .flatten()
            .collect();
        Writes {
            calls,
            legs,
            now: self.clock.now(),
        }
    }
}
