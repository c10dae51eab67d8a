//! The call lifecycle: glue between the webhooks, the routing engine, the store and
//! the TwiML. Each function handles one Twilio request and returns what to answer.

mod callbacks;
mod intake;
mod next;
pub mod position;
pub mod queue;
pub mod render;

pub use callbacks::{recording, status, RecordingEvent, RecordingFacts, StatusFacts};
pub use intake::{Arrival, Intake};
pub use next::{next, NextFacts};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::{info, warn};

use crate::assistants::links::CallLinks;
use crate::clock::Clock;
use crate::ids::AssistantId;
use crate::messaging::Outbound;
use crate::phone::mask;
use crate::routing::{self, Action, CallInput, Decision, Rules, Step, Unavailable};
use crate::rules::registry::{Loaded, Registry};
use crate::store::batch::calls::Calls;
use crate::store::batch::Batcher;
use crate::store::Db;
use crate::store::{self, calls::Outcome, StoreError};
use crate::twilio::webhooks::Links;
use crate::twiml::Response;
use position::Position;

/// What Twilio's voice webhooks use, and nothing more: assembled once at start-up.
#[derive(Debug)]
pub struct Webhooks {
    pub db: Db,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
    pub links: Links,
    /// Group commit for the first webhook of every call.
    pub intake: Batcher<Calls<Intake>>,
    /// Wakes the outbox worker when an alert or a reply was queued.
    pub outbound: Arc<Outbound>,
    /// The links alerts carry to open their call.
    pub call_links: CallLinks,
}

#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("rules {client} v{version}: {reason}")]
    Rules {
        client: String,
        version: i32,
        reason: String,
    },
    #[error("no answer within {0:?}")]
    Deadline(std::time::Duration),
}

/// What Twilio tells us about a call on every voice request.
#[derive(Debug, Clone, Default)]
pub struct CallFacts {
    pub call_sid: String,
    pub from: String,
    pub to: String,
    pub status: String,
    pub direction: String,
}

/// First webhook of a call: find the client by the number called, decide, answer the
/// first step, and record the call.
///
/// # Errors
/// When the database fails; the HTTP layer then answers [`safe_answer`].
pub async fn incoming(hooks: &Webhooks, call: &CallFacts) -> Result<Response, CallError> {
    let now = hooks.clock.now();
    let Some(Loaded { version, rules }) = hooks.registry.by_number(&call.to) else {
        warn!(to = %mask(&call.to), "call to a number no client owns");
        store::calls::ensure(&hooks.db, &[new_call(call, None, None, None)], now).await?;
        return Ok(render::not_in_service());
    };
    let arrival = intake::Arrival {
        facts: call.clone(),
        version,
        rules: Arc::clone(&rules),
        at: now,
    };
    let routed = hooks.intake.submit(arrival).await?;
    if routed.blocked() {
        crate::metrics::call_outcome(&routed.pos.client, Outcome::Blocked.as_str());
    }
    let intake::Routed { decision, pos } = routed;
    // Every chain ends in speech, so it has a first step; the intake recorded its legs.
    let answer = match decision.steps.first() {
        Some(step) => render::step(&rules, step, &pos, &hooks.links),
        None => render::safe_answer(Some(&rules), &hooks.links),
    };
    crate::metrics::calls_routed(&pos.client);
    info!(client = %rules.client, version, chain = %decision.labels().join(" → "), "call routed");
    Ok(answer)
}

fn new_call<'a>(
    call: &'a CallFacts,
    client: Option<&'a str>,
    version: Option<i32>,
    trace: Option<String>,
) -> store::calls::NewCall<'a> {
    store::calls::NewCall {
        call_sid: &call.call_sid,
        client,
        rules_version: version,
        direction: if call.direction.is_empty() {
            "inbound"
        } else {
            &call.direction
        },
        from: &call.from,
        to: &call.to,
        status: if call.status.is_empty() {
            "ringing"
        } else {
            &call.status
        },
        trace,
        outcome: None,
    }
}

/// The chain `pos` names, exactly as it was fixed when the call was routed (the same
/// rules, instant, menu choice, turn and absentees).
fn chain(rules: &Rules, pos: &Position, call: &CallFacts) -> Decision {
    let away: HashMap<AssistantId, Unavailable> = pos
        .away
        .iter()
        .map(|id| (id.clone(), Unavailable::WhenRouted))
        .collect();
    let input = CallInput {
        called: &call.to,
        at_menu: pos.at_menu,
        menu: pos.menu,
        language: pos.language.as_deref(),
        unavailable: &away,
        rotation: pos.rotation,
        from: Some(&call.from),
        spoke_with: pos.spoke_with.as_ref(),
    };
    routing::decide(rules, pos.at, &input)
}

/// [`chain`], and who cannot be rung now.
async fn chain_and_now(
    hooks: &Webhooks,
    rules: &Rules,
    pos: &Position,
    call: &CallFacts,
) -> Result<(Decision, HashMap<AssistantId, Unavailable>), CallError> {
    let now = store::availability::unavailability(&hooks.db, &pos.client, hooks.clock.now()).await?;
    Ok((chain(rules, pos, call), unavailable(&now, &call.call_sid)))
}

/// Who cannot be rung for `this_call`: assistants on another call, and those off duty.
fn unavailable(now: &store::availability::Unavailability, this_call: &str) -> HashMap<AssistantId, Unavailable> {
    let on_call = now
        .on_call
        .iter()
        .filter(|(call, _)| call != this_call)
        .filter_map(|(_, id)| Some((AssistantId::parse(id).ok()?, Unavailable::OnCall)));
    let off_duty = now
        .off_duty
        .iter()
        .filter_map(|id| Some((AssistantId::parse(id).ok()?, Unavailable::OffDuty)));
    on_call.chain(off_duty).collect()
}

/// Where a call stands in its chain: what [`answer_step`] answers from.
struct Standing<'a> {
    rules: &'a Rules,
    decision: &'a Decision,
    /// The step just tried; `None` before the first.
    after: Option<u32>,
    /// Who cannot be rung now.
    unavailable: &'a HashMap<AssistantId, Unavailable>,
    pos: &'a Position,
    call_sid: &'a str,
}

/// Answers the step the caller is owed after `at.after` (or the first step), recording
/// the legs it rings and, in the call's trace, who was passed over. Past the end of the
/// chain the caller still leaves a voicemail.
async fn answer_step(hooks: &Webhooks, db: &impl ConnectionTrait, at: &Standing<'_>) -> Result<Response, CallError> {
    let routing::NextStep { step, passed } = at.decision.next_step(at.after, at.unavailable);
    let mut trace: Vec<String> = passed.iter().map(|w| w.describe(at.rules)).collect();
    let answer = match &step {
        Some(step) => {
            record_dialled_legs(db, step, at.pos, at.call_sid, hooks.clock.now()).await?;
            render::step(at.rules, step, at.pos, &hooks.links)
        }
        None => {
            let last = at.after.map_or(0, |a| a + 1);
            trace.push(format!("Nothing was left to try after step {last}, so voicemail"));
            render::safe_answer(Some(at.rules), &hooks.links)
        }
    };
    store::calls::append_trace(db, at.call_sid, &trace).await?;
    Ok(answer)
}

async fn record_dialled_legs(
    db: &impl ConnectionTrait,
    step: &Step,
    pos: &Position,
    call_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    Ok(store::legs::start_legs(db, &legs_of(step, pos, call_sid), now).await?)
}

/// The legs `step` rings (none unless it dials).
fn legs_of<'a>(step: &'a Step, pos: &'a Position, call_sid: &'a str) -> Vec<store::legs::NewLeg<'a>> {
    let Action::Dial { targets, .. } = &step.action else {
        return Vec::new();
    };
    targets
        .iter()
        .map(|t| store::legs::NewLeg {
            client: &pos.client,
            call_sid,
            step: step.index,
            assistant: t.assistant.as_ref().map(AssistantId::as_str),
            number: t.number.as_str(),
        })
        .collect()
}

/// The rules a call pinned when it started: from memory, or the database.
///
/// # Errors
/// When the version cannot be read or no longer parses.
pub async fn pinned(hooks: &Webhooks, client: &str, version: i32) -> Result<Arc<Rules>, CallError> {
    if let Some(rules) = hooks.registry.version(client, version) {
        return Ok(rules);
    }
    let fail = |reason: String| CallError::Rules {
        client: client.to_owned(),
        version,
        reason,
    };
    let stored = store::rule_versions::find(&hooks.db, client, version)
        .await?
        .ok_or_else(|| fail("no such version".into()))?;
    let rules = Arc::new(routing::parse(&stored.source).map_err(|e| fail(e.to_string()))?);
    hooks.registry.remember(version, Arc::clone(&rules));
    Ok(rules)
}

/// A leg named in a screening or status callback URL.
#[derive(Debug, Clone)]
pub struct LegRef {
    pub client: String,
    pub version: i32,
    pub step: u32,
    pub assistant: Option<String>,
    pub number: String,
    /// The language the caller chose at a menu: the whisper is in it.
    pub language: Option<String>,
}

impl LegRef {
    /// This leg of the call `call_sid`, as the store names it.
    pub fn of<'a>(&'a self, call_sid: &'a str) -> store::legs::NewLeg<'a> {
        store::legs::NewLeg {
            client: &self.client,
            call_sid,
            step: self.step,
            assistant: self.assistant.as_deref(),
            number: &self.number,
        }
    }
}

/// The whisper to an assistant, and their answer to it.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn screen(
    hooks: &Webhooks,
    leg: &LegRef,
    child_sid: &str,
    parent_sid: &str,
    caller: &str,
    digits: Option<&str>,
    action: &str,
) -> Result<Response, CallError> {
    let rules = pinned(hooks, &leg.client, leg.version).await?;
    match digits {
        None => {
            let parent = store::calls::find(&hooks.db, parent_sid).await?;
            let caller = parent.map_or_else(|| caller.to_owned(), |d| d.call.from_number);
            Ok(render::screen_prompt(&rules, &caller, action, leg.language.as_deref()))
        }
        Some("1") => {
            let update = store::legs::LegUpdate {
                leg: leg.of(parent_sid),
                child_call_sid: Some(child_sid),
                status: "in-progress",
                duration: None,
                accepted: true,
            };
            let txn = hooks.db.begin().await.map_err(StoreError::from)?;
            store::legs::record_leg(&txn, &update, hooks.clock.now()).await?;
            txn.commit().await.map_err(StoreError::from)?;
            Ok(Response::new())
        }
        Some(_) => Ok(render::hang_up()),
    }
}

/// The answer when something failed inside the call path: the caller's voicemail,
/// from memory only.
pub fn safe_answer(hooks: &Webhooks, to: &str, client: Option<&str>) -> Response {
    let loaded = client
        .and_then(|c| hooks.registry.current(c))
        .or_else(|| hooks.registry.by_number(to));
    render::safe_answer(loaded.as_ref().map(|l| l.rules.as_ref()), &hooks.links)
}
