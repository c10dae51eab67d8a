//! The call lifecycle: glue between the webhooks, the routing engine, the store and
//! the TwiML. Each function handles one Twilio request and returns what to answer.

mod callbacks;
mod intake;
pub mod position;
pub mod render;

pub use callbacks::{recording, status, RecordingEvent, RecordingFacts, StatusFacts};
pub use intake::{Arrival, Intake};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::{info, warn};

use crate::phone::{mask, AssistantId};
use crate::registry::Loaded;
use crate::routing::{self, Action, CallInput, Decision, MenuChoice, Rules, Step, Unavailable};
use crate::state::AppState;
use crate::store::{self, calls::Outcome, StoreError};
use crate::twiml::Response;
use position::Position;

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
pub async fn incoming(state: &AppState, call: &CallFacts) -> Result<Response, CallError> {
    let now = state.clock.now();
    let Some(Loaded { version, rules }) = state.registry.by_number(&call.to) else {
        warn!(to = %mask(&call.to), "call to a number no client owns");
        store::calls::ensure(&state.db, &[new_call(call, None, None, None)], now).await?;
        return Ok(render::not_in_service());
    };
    let arrival = intake::Arrival {
        facts: call.clone(),
        version,
        rules: Arc::clone(&rules),
        at: now,
    };
    let intake::Routed { decision, pos } = state.intake.submit(arrival).await?;
    // Every chain ends in speech, so it has a first step; the intake recorded its legs.
    let answer = match decision.steps.first() {
        Some(step) => render::step(&rules, step, &pos, &state.links),
        None => render::safe_answer(Some(&rules), &state.links),
    };
    crate::observability::calls_routed(&pos.client);
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
    }
}

/// The chain `pos` names, exactly as it was fixed when the call was routed (the same
/// rules, instant, menu choice, turn and absentees), and who cannot be rung now.
async fn chain_and_now(
    state: &AppState,
    rules: &Rules,
    pos: &Position,
    call: &CallFacts,
) -> Result<(Decision, HashMap<AssistantId, Unavailable>), CallError> {
    let now = store::calls::unavailability(&state.db, &pos.client, state.clock.now()).await?;
    let away: HashMap<AssistantId, Unavailable> = pos
        .away
        .iter()
        .map(|id| (id.clone(), Unavailable::WhenRouted))
        .collect();
    let input = CallInput {
        called: &call.to,
        menu: pos.menu,
        unavailable: &away,
        rotation: pos.rotation,
    };
    Ok((
        routing::decide(rules, pos.at, &input),
        unavailable(&now, &call.call_sid),
    ))
}

/// Who cannot be rung for `this_call`: assistants on another call, and those off duty.
fn unavailable(now: &store::calls::Unavailability, this_call: &str) -> HashMap<AssistantId, Unavailable> {
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

/// Answers the step the caller is owed after `after` (or the first step), recording the
/// legs it rings and, in the call's trace, who was passed over. Past the end of the
/// chain the caller still leaves a voicemail.
#[allow(clippy::too_many_arguments)]
async fn answer_step(
    state: &AppState,
    db: &impl ConnectionTrait,
    rules: &Rules,
    decision: &Decision,
    after: Option<u32>,
    now: &HashMap<AssistantId, Unavailable>,
    pos: &Position,
    call_sid: &str,
) -> Result<Response, CallError> {
    let routing::NextStep { step, passed } = decision.next_step(after, now);
    let mut trace: Vec<String> = passed.iter().map(routing::Why::describe).collect();
    let answer = match &step {
        Some(step) => {
            record_dialled_legs(db, step, pos, call_sid, state.clock.now()).await?;
            render::step(rules, step, pos, &state.links)
        }
        None => {
            let last = after.map_or(0, |a| a + 1);
            trace.push(format!("no step after step {last} of the chain: voicemail"));
            render::safe_answer(Some(rules), &state.links)
        }
    };
    store::calls::append_trace(db, call_sid, &trace).await?;
    Ok(answer)
}

async fn record_dialled_legs(
    db: &impl ConnectionTrait,
    step: &Step,
    pos: &Position,
    call_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    Ok(store::calls::start_legs(db, &legs_of(step, pos, call_sid), now).await?)
}

/// The legs `step` rings (none unless it dials).
fn legs_of<'a>(step: &'a Step, pos: &'a Position, call_sid: &'a str) -> Vec<store::calls::NewLeg<'a>> {
    let Action::Dial { targets, .. } = &step.action else {
        return Vec::new();
    };
    targets
        .iter()
        .map(|t| store::calls::NewLeg {
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
pub async fn pinned(state: &AppState, client: &str, version: i32) -> Result<Arc<Rules>, CallError> {
    if let Some(rules) = state.registry.version(client, version) {
        return Ok(rules);
    }
    let fail = |reason: String| CallError::Rules {
        client: client.to_owned(),
        version,
        reason,
    };
    let stored = store::rule_versions::find(&state.db, client, version)
        .await?
        .ok_or_else(|| fail("no such version".into()))?;
    let rules = Arc::new(routing::parse(&stored.source).map_err(|e| fail(e.to_string()))?);
    state.registry.remember(version, Arc::clone(&rules));
    Ok(rules)
}

/// What a `<Dial>` or `<Gather>` action tells us.
#[derive(Debug, Clone, Default)]
pub struct NextFacts {
    pub call: CallFacts,
    pub dial_call_status: Option<String>,
    pub dial_call_sid: Option<String>,
    pub dial_call_duration: Option<i32>,
    pub digits: Option<String>,
    pub speech: Option<String>,
}

/// The next step of a call's chain, after a menu choice or a dial that ended. The
/// chain is the one fixed when the call was routed: nobody else's call can make this
/// one skip or repeat a step. A request naming no chain we can follow (a position that
/// does not parse, rules that cannot be read) still gets the caller a voicemail, and
/// the call's trace says why.
///
/// # Errors
/// When the database fails.
pub async fn next(
    state: &AppState,
    pos: Result<Position, position::PositionError>,
    facts: &NextFacts,
) -> Result<Response, CallError> {
    let pos = match pos {
        Ok(pos) => pos,
        Err(e) => return lost(state, &facts.call, None, &e.to_string()).await,
    };
    let rules = match pinned(state, &pos.client, pos.version).await {
        Ok(rules) => rules,
        Err(e @ CallError::Rules { .. }) => return lost(state, &facts.call, Some(&pos.client), &e.to_string()).await,
        Err(e) => return Err(e),
    };
    if caller_gone(&facts.call.status) {
        return Ok(render::hang_up());
    }
    let open = rules.hours.status_at(rules.timezone, pos.at).open;
    if routing::select_route(&rules, open, pos.menu).is_none() {
        return after_menu(state, &rules, pos, facts).await;
    }
    let call_sid = facts.call.call_sid.as_str();
    let (decision, now) = chain_and_now(state, &rules, &pos, &facts.call).await?;
    let step = decision.step(pos.step);
    let connected = matches!(facts.dial_call_status.as_deref(), Some("completed" | "answered"));
    let answered_by = match connected {
        true => who_answered(state, step, call_sid, facts).await?,
        false => None,
    };
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    record_dial_result(&txn, step, &pos, facts, state.clock.now()).await?;
    let answer = match answered_by {
        Some(answered_by) => {
            if store::calls::set_outcome(&txn, call_sid, Outcome::Answered, answered_by.as_deref()).await? {
                crate::observability::call_outcome(&pos.client, Outcome::Answered.as_str());
            }
            render::hang_up()
        }
        None => {
            if connected {
                info!(
                    call_sid,
                    step = pos.step,
                    "screened leg ended without accepting; moving on"
                );
            }
            answer_step(state, &txn, &rules, &decision, Some(pos.step), &now, &pos, call_sid).await?
        }
    };
    txn.commit().await.map_err(StoreError::from)?;
    Ok(answer)
}

/// A next step we cannot follow: the caller leaves a voicemail, and the trace says why.
async fn lost(state: &AppState, call: &CallFacts, client: Option<&str>, reason: &str) -> Result<Response, CallError> {
    warn!(call_sid = %call.call_sid, reason = ?reason, "no chain to follow: answering voicemail");
    let line = format!("{reason}: voicemail instead");
    store::calls::append_trace(&state.db, &call.call_sid, &[line]).await?;
    Ok(safe_answer(state, &call.to, client))
}

/// A one-number dial's result is that leg's result; with several numbers only the
/// legs' own status callbacks can tell which one did what.
async fn record_dial_result(
    db: &impl ConnectionTrait,
    step: Option<&Step>,
    pos: &Position,
    facts: &NextFacts,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    let Some(Step {
        action: Action::Dial { targets, .. },
        index,
    }) = step
    else {
        return Ok(());
    };
    let ([target], Some(status)) = (targets.as_slice(), facts.dial_call_status.as_deref()) else {
        return Ok(());
    };
    let leg = store::calls::LegUpdate {
        client: &pos.client,
        call_sid: &facts.call.call_sid,
        step: *index,
        assistant: target.assistant.as_ref().map(AssistantId::as_str),
        number: target.number.as_str(),
        child_call_sid: facts.dial_call_sid.as_deref(),
        status,
        duration: facts.dial_call_duration,
        accepted: false,
    };
    Ok(store::calls::record_leg(db, &leg, now).await?)
}

fn caller_gone(call_status: &str) -> bool {
    matches!(call_status, "completed" | "canceled" | "failed" | "busy" | "no-answer")
}

/// `Some(assistant)` when the dial really reached someone: unscreened, or an assistant
/// pressed 1 at the whisper. `None` when every screened leg hung up unaccepted.
async fn who_answered(
    state: &AppState,
    step: Option<&Step>,
    call_sid: &str,
    facts: &NextFacts,
) -> Result<Option<Option<String>>, CallError> {
    let Some(Step {
        action: Action::Dial { targets, .. },
        index,
    }) = step
    else {
        return Ok(Some(None));
    };
    let legs = store::calls::find(&state.db, call_sid)
        .await?
        .map(|d| d.legs)
        .unwrap_or_default();
    let this_step: Vec<_> = legs
        .iter()
        .filter(|l| l.step == i32::try_from(*index).unwrap_or(-1))
        .collect();
    if let Some(leg) = this_step.iter().find(|l| l.accepted) {
        return Ok(Some(leg.assistant_id.clone()));
    }
    if targets.iter().all(|t| t.screen) {
        return Ok(None);
    }
    let by_sid = facts
        .dial_call_sid
        .as_deref()
        .and_then(|sid| this_step.iter().find(|l| l.child_call_sid.as_deref() == Some(sid)));
    let single = (targets.len() == 1)
        .then(|| targets[0].assistant.as_ref().map(|a| a.to_string()))
        .flatten();
    Ok(Some(by_sid.and_then(|l| l.assistant_id.clone()).or(single)))
}

async fn after_menu(state: &AppState, rules: &Rules, pos: Position, facts: &NextFacts) -> Result<Response, CallError> {
    let attempt = match pos.menu {
        MenuChoice::Retry { attempt } => attempt,
        _ => 0,
    };
    let choice = routing::menu::resolve(rules, facts.digits.as_deref(), facts.speech.as_deref(), attempt);
    let mut pos = Position {
        menu: choice,
        step: 0,
        ..pos
    };
    let call_sid = facts.call.call_sid.as_str();
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    // The route is chosen only now, so this is where the call takes its turn, and where
    // its chain is fixed with whoever can be rung now.
    if let Some(route) = routing::rotation_route(rules, pos.at, pos.menu) {
        pos.rotation = store::rotation::advance(&txn, &pos.client, &route.to_string(), 1).await?;
    }
    let now = unavailable(
        &store::calls::unavailability(&txn, &pos.client, state.clock.now()).await?,
        call_sid,
    );
    let input = CallInput {
        called: &facts.call.to,
        menu: pos.menu,
        unavailable: &now,
        rotation: pos.rotation,
    };
    let decision = routing::decide(rules, pos.at, &input);
    pos.away = decision.skipped().cloned().collect();
    let answer = answer_step(state, &txn, rules, &decision, None, &now, &pos, call_sid).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(answer)
}

/// A leg named in a screening or status callback URL.
#[derive(Debug, Clone)]
pub struct LegRef {
    pub client: String,
    pub version: i32,
    pub step: u32,
    pub assistant: Option<String>,
    pub number: String,
}

/// The whisper to an assistant, and their answer to it.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn screen(
    state: &AppState,
    leg: &LegRef,
    child_sid: &str,
    parent_sid: &str,
    caller: &str,
    digits: Option<&str>,
    action: &str,
) -> Result<Response, CallError> {
    let rules = pinned(state, &leg.client, leg.version).await?;
    match digits {
        None => {
            let parent = store::calls::find(&state.db, parent_sid).await?;
            let caller = parent.map_or_else(|| caller.to_owned(), |d| d.call.from_number);
            Ok(render::screen_prompt(&rules, &caller, action))
        }
        Some("1") => {
            let update = store::calls::LegUpdate {
                client: &leg.client,
                call_sid: parent_sid,
                step: leg.step,
                assistant: leg.assistant.as_deref(),
                number: &leg.number,
                child_call_sid: Some(child_sid),
                status: "in-progress",
                duration: None,
                accepted: true,
            };
            store::calls::record_leg(&state.db, &update, state.clock.now()).await?;
            Ok(Response::new())
        }
        Some(_) => Ok(render::hang_up()),
    }
}

/// The answer when something failed inside the call path: the caller's voicemail,
/// from memory only.
pub fn safe_answer(state: &AppState, to: &str, client: Option<&str>) -> Response {
    let loaded = client
        .and_then(|c| state.registry.current(c))
        .or_else(|| state.registry.by_number(to));
    render::safe_answer(loaded.as_ref().map(|l| l.rules.as_ref()), &state.links)
}
