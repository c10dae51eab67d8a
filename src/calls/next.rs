//! A call's later steps: after a `<Dial>` ended or a menu was answered, the next step of
//! the chain the call was given when it came in, with the dial's result recorded in the
//! same transaction.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::{info, warn};

use super::position::{self, Position};
use super::render;
use super::{
    answer_step, chain_and_now, legs_of, pinned, safe_answer, unavailable, CallError, CallFacts, Standing, Webhooks,
};
use crate::routing::{self, Action, CallInput, MenuChoice, Rules, Step};
use crate::store::{self, calls::Outcome, StoreError};
use crate::twiml::Response;

/// What a `<Dial>` or `<Gather>` action tells us.
#[derive(Debug, Clone, Default)]
pub struct NextFacts {
    pub call: CallFacts,
    pub dial_call_status: Option<String>,
    pub dial_call_sid: Option<String>,
    pub dial_call_duration: Option<i32>,
    pub digits: Option<String>,
    pub speech: Option<String>,
    /// `QueueResult` of an `<Enqueue action>`.
    pub queue_result: Option<String>,
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
    hooks: &Webhooks,
    pos: Result<Position, position::PositionError>,
    facts: &NextFacts,
) -> Result<Response, CallError> {
    let pos = match pos {
        Ok(pos) => pos,
        Err(e) => return lost(hooks, &facts.call, None, &e.to_string()).await,
    };
    let rules = match pinned(hooks, &pos.client, pos.version).await {
        Ok(rules) => rules,
        Err(e @ CallError::Rules { .. }) => return lost(hooks, &facts.call, Some(&pos.client), &e.to_string()).await,
        Err(e) => return Err(e),
    };
    if caller_gone(&facts.call.status) {
        return Ok(render::hang_up());
    }
    let open = rules.hours.status_at(rules.timezone, pos.at).open;
    if routing::select_route(&rules, open, pos.at_menu, pos.menu, Some(&facts.call.from)).is_none() {
        return after_menu(hooks, &rules, pos, facts).await;
    }
    let call_sid = facts.call.call_sid.as_str();
    let (decision, now) = chain_and_now(hooks, &rules, &pos, &facts.call).await?;
    let step = decision.step(pos.step);
    let at = Standing {
        rules: &rules,
        decision: &decision,
        after: Some(pos.step),
        unavailable: &now,
        pos: &pos,
        call_sid,
    };
    if step.is_some_and(|s| matches!(s.action, Action::Queue { .. })) {
        let txn = hooks.db.begin().await.map_err(StoreError::from)?;
        let answer = super::queue::left(hooks, &txn, &at, facts).await?;
        txn.commit().await.map_err(StoreError::from)?;
        return Ok(answer);
    }
    let connected = matches!(facts.dial_call_status.as_deref(), Some("completed" | "answered"));
    let answered_by = match connected {
        true => who_answered(hooks, step, call_sid, facts).await?,
        false => None,
    };
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    record_dial_result(&txn, step, &pos, facts, hooks.clock.now()).await?;
    let answer = match answered_by {
        Some(answered_by) => {
            if store::calls::set_outcome(&txn, call_sid, Outcome::Answered, answered_by.as_deref()).await? {
                crate::metrics::call_outcome(&pos.client, Outcome::Answered.as_str());
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
            answer_step(hooks, &txn, &at).await?
        }
    };
    txn.commit().await.map_err(StoreError::from)?;
    Ok(answer)
}

/// A next step we cannot follow: the caller leaves a voicemail, and the trace says why.
async fn lost(hooks: &Webhooks, call: &CallFacts, client: Option<&str>, reason: &str) -> Result<Response, CallError> {
    warn!(call_sid = %call.call_sid, reason = ?reason, "no chain to follow: answering voicemail");
    let line = format!("{reason}: voicemail instead");
    store::calls::append_trace(&hooks.db, &call.call_sid, &[line]).await?;
    Ok(safe_answer(hooks, &call.to, client))
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
    let Some(step) = step else {
        return Ok(());
    };
    let legs = legs_of(step, pos, &facts.call.call_sid);
    let ([leg], Some(status)) = (legs.as_slice(), facts.dial_call_status.as_deref()) else {
        return Ok(());
    };
    let leg = store::legs::LegUpdate {
        leg: leg.clone(),
        child_call_sid: facts.dial_call_sid.as_deref(),
        status,
        duration: facts.dial_call_duration,
        accepted: false,
    };
    Ok(store::legs::record_leg(db, &leg, now).await?)
}

fn caller_gone(call_status: &str) -> bool {
    matches!(call_status, "completed" | "canceled" | "failed" | "busy" | "no-answer")
}

/// `Some(assistant)` when the dial really reached someone: unscreened, or an assistant
/// pressed 1 at the whisper. `None` when every screened leg hung up unaccepted.
async fn who_answered(
    hooks: &Webhooks,
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
    let legs = store::calls::find(&hooks.db, call_sid)
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

async fn after_menu(hooks: &Webhooks, rules: &Rules, pos: Position, facts: &NextFacts) -> Result<Response, CallError> {
    let attempt = match pos.menu {
        MenuChoice::Retry { attempt } => attempt,
        _ => 0,
    };
    let pressed = routing::menu::resolve(
        rules,
        pos.at_menu,
        facts.digits.as_deref(),
        facts.speech.as_deref(),
        attempt,
    );
    let said = pressed.describe(rules);
    let mut pos = Position {
        at_menu: pressed.menu,
        menu: pressed.choice,
        language: pressed.language.map(str::to_owned).or(pos.language),
        step: 0,
        ..pos
    };
    let call_sid = facts.call.call_sid.as_str();
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    // The route is chosen only now, so this is where the call takes its turn, and where
    // its chain is fixed with whoever can be rung now.
    let from = Some(facts.call.from.as_str());
    if let Some(route) = routing::rotation_route(rules, pos.at, pos.at_menu, pos.menu, from) {
        pos.rotation = store::rotation::advance(&txn, &pos.client, &route.to_string(), 1).await?;
    }
    let now = unavailable(
        &store::availability::unavailability(&txn, &pos.client, hooks.clock.now()).await?,
        call_sid,
    );
    let input = CallInput {
        called: &facts.call.to,
        at_menu: pos.at_menu,
        menu: pos.menu,
        language: pos.language.as_deref(),
        unavailable: &now,
        rotation: pos.rotation,
        from,
        spoke_with: pos.spoke_with.as_ref(),
    };
    let decision = routing::decide(rules, pos.at, &input);
    pos.away = decision.skipped().cloned().collect();
    let at = Standing {
        rules,
        decision: &decision,
        after: None,
        unavailable: &now,
        pos: &pos,
        call_sid,
    };
    // Where the caller's answer took them goes in the trace first, then what follows.
    store::calls::append_trace(&txn, call_sid, &[said]).await?;
    let answer = answer_step(hooks, &txn, &at).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(answer)
}
