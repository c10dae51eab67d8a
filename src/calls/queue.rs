//! The queue's lifecycle: callers join it through Twilio's `<Enqueue>` wait loop, and
//! whenever an assistant may be free (a forwarded call ended, an offer ended, a caller
//! joined, or the worker's round) the longest-waiting caller is offered to one through a
//! call the outbox places. Its order is the database's, so any process serves it; the
//! queue at Twilio itself (its size, and whom it still holds) is in [`twilio`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::{info, warn};

use super::position::{encode, Position};
use super::render::{self, queue as twiml};
use super::{answer_step, chain, pinned, unavailable, CallError, CallFacts, NextFacts, Standing, Webhooks};
use crate::ids::AssistantId;
use crate::messaging::alerts;
use crate::routing::queue::{self as rules_queue, AfterQueue, Exit, Wait, WaitFacts};
use crate::routing::rules::Queue;
use crate::routing::{Action, Decision, DialTarget, Rules, Unavailable};
use crate::store::queue::{QueueCaller, CALLBACK, DONE, FAILED, OFFER, WAITING};
use crate::store::{self, calls::Outcome, outbox, StoreError};
use crate::twilio::webhooks::{
    PATH_QUEUE_ANSWER, PATH_QUEUE_BRIDGE, PATH_QUEUE_CALLBACK, PATH_QUEUE_KEY, PATH_QUEUE_WAIT,
};
use crate::twiml::Response;

mod callbacks;
mod offers;
pub mod twilio;

use callbacks::attempt_failed;
pub use callbacks::callback_dialled;
pub use offers::{answer, bridged, offer_ended, Bridged, OfferRef};

/// What Twilio posts to the wait URL.
#[derive(Debug, Clone, Default)]
pub struct WaitRequest {
    pub call: CallFacts,
    /// `QueueTime`: seconds this caller has waited.
    pub queue_time: u32,
    /// `AvgQueueTime`: seconds callers of this queue wait on average.
    pub avg_queue_time: u32,
}

/// The queue step of the chain `pos` names, with the chain.
async fn queue_step(
    hooks: &Webhooks,
    pos: &Position,
    call: &CallFacts,
) -> Result<(std::sync::Arc<Rules>, Decision, Option<(Queue, Vec<DialTarget>)>), CallError> {
    let rules = pinned(hooks, &pos.client, pos.version).await?;
    let decision = chain(&rules, pos, call);
    let step = match decision.step(pos.step).map(|s| &s.action) {
        Some(Action::Queue { queue, targets }) => Some((queue.clone(), targets.clone())),
        _ => None,
    };
    Ok((rules, decision, step))
}

/// One turn of a caller's wait: joins them on the first, tells them their place at the
/// rules' interval, and lets them go after the longest wait.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn wait(hooks: &Webhooks, pos: &Position, request: &WaitRequest) -> Result<Response, CallError> {
    let (rules, _, step) = queue_step(hooks, pos, &request.call).await?;
    let Some((queue, _)) = step else {
        warn!(call_sid = %request.call.call_sid, "wait URL of a step that is no queue: leaving");
        return Ok(twiml::leave());
    };
    let now = hooks.clock.now();
    let new = store::queue::NewCaller {
        client: &pos.client,
        call_sid: &request.call.call_sid,
        from: &request.call.from,
        to: &request.call.to,
        position: &pos.to_query(),
        arrived_at: now - Duration::seconds(i64::from(request.queue_time)),
    };
    let caller = store::queue::join(&hooks.db, &new, now).await?;
    if caller.state != WAITING && caller.state != store::queue::OFFERED {
        return Ok(twiml::leave());
    }
    let facts = WaitFacts {
        waited: request.queue_time,
        average: request.avg_queue_time,
        place: store::queue::place(&hooks.db, &caller).await?,
    };
    let answer = match rules_queue::wait(&queue, facts, caller.announced_at, now) {
        Wait::Leave => {
            store::queue::leave(&hooks.db, &caller.call_sid, Exit::MaxWait.as_str(), now).await?;
            twiml::leave()
        }
        Wait::Hold { announce } => {
            if announce.is_some() {
                store::queue::announced(&hooks.db, caller.id, now).await?;
            }
            let keys = hooks.links.url(PATH_QUEUE_KEY, &pos.to_query());
            twiml::wait(&rules, &queue, pos.language.as_deref(), announce.as_deref(), &keys)
        }
    };
    serve_quietly(hooks, &pos.client).await;
    Ok(answer)
}

/// A key pressed while waiting: leave for voicemail or a call back, or keep waiting.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn key(
    hooks: &Webhooks,
    pos: &Position,
    call: &CallFacts,
    digits: Option<&str>,
) -> Result<Response, CallError> {
    let (_, _, step) = queue_step(hooks, pos, call).await?;
    let exit = step.and_then(|(queue, _)| rules_queue::key(&queue, digits));
    match exit {
        Some(exit) => {
            let txn = hooks.db.begin().await.map_err(StoreError::from)?;
            let left = store::queue::leave(&txn, &call.call_sid, exit.as_str(), hooks.clock.now()).await?;
            // From now on the business owes them a call: the end of this one (they hang up
            // on purpose) must not make it missed.
            if left && exit == Exit::Callback {
                store::calls::set_outcome(&txn, &call.call_sid, Outcome::AwaitingCallback, None).await?;
            }
            txn.commit().await.map_err(StoreError::from)?;
            Ok(twiml::leave())
        }
        None => Ok(twiml::keep_waiting(&hooks.links.url(PATH_QUEUE_WAIT, &pos.to_query()))),
    }
}

/// The `<Enqueue action>`: the caller left the queue; what the chain does next.
pub(super) async fn left(
    hooks: &Webhooks,
    db: &impl ConnectionTrait,
    at: &Standing<'_>,
    facts: &NextFacts,
) -> Result<Response, CallError> {
    let now = hooks.clock.now();
    let caller = store::queue::find(db, at.call_sid).await?;
    let exit = caller.as_ref().and_then(|c| c.exit.as_deref()).and_then(Exit::parse);
    let result = facts.queue_result.as_deref().unwrap_or("");
    let after = rules_queue::after(result, exit);
    if let Some(c) = caller
        .as_ref()
        .filter(|c| c.state == WAITING || c.state == store::queue::OFFERED)
    {
        // Twilio ended the wait on its own (the caller hung up, the queue failed).
        store::queue::leave(db, &c.call_sid, Exit::MaxWait.as_str(), now).await?;
    }
    let line = match after {
        AfterQueue::Over => None,
        AfterQueue::Voicemail => Some("The caller left the queue for voicemail"),
        AfterQueue::Callback => Some("The caller left the queue and asked to be called back"),
        AfterQueue::NextStep => Some("The caller left the queue after the longest wait"),
        AfterQueue::Full => Some("The queue was full: the caller went on to the next step"),
    };
    store::calls::append_trace(
        db,
        at.call_sid,
        &line.map(str::to_owned).into_iter().collect::<Vec<_>>(),
    )
    .await?;
    match after {
        AfterQueue::Over => Ok(render::hang_up()),
        AfterQueue::Callback => Ok(twiml::callback_promised(at.rules, at.pos.language.as_deref())),
        AfterQueue::Voicemail => {
            let voicemail = at
                .decision
                .steps
                .iter()
                .find(|s| at.after.is_none_or(|a| s.index > a) && matches!(s.action, Action::Voicemail { .. }));
            Ok(match voicemail {
                Some(step) => render::step(at.rules, step, at.pos, &hooks.links),
                None => render::safe_answer(Some(at.rules), &hooks.links),
            })
        }
        AfterQueue::NextStep | AfterQueue::Full => answer_step(hooks, db, at).await,
    }
}

/// [`serve`], with a failure only logged: the request that wakes the queue must still be
/// answered, and the worker's next round serves it again.
pub async fn serve_quietly(hooks: &Webhooks, client: &str) {
    if let Err(e) = serve(hooks, client).await {
        warn!(client, error = %e, "could not serve the queue");
    }
}

/// Offers the client's longest-waiting callers, in order, each to the first assistant who
/// may take them and is free: on duty, on shift, on no call, and offered nobody else.
/// Every waiting caller's turn serves the queue, so who is free is read once, and with
/// nobody free the queue itself is not read.
///
/// # Errors
/// When the database fails.
pub async fn serve(hooks: &Webhooks, client: &str) -> Result<(), CallError> {
    let Some(current) = hooks.registry.current(client) else {
        return Ok(());
    };
    let now = hooks.clock.now();
    let availability = store::availability::unavailability(&hooks.db, client, now).await?;
    let mut busy: HashSet<String> = store::queue::engaged(&hooks.db, client).await?.into_iter().collect();
    let free = |rules: &Rules, id: &AssistantId, busy: &HashSet<String>, away: &HashMap<AssistantId, Unavailable>| {
        !busy.contains(id.as_str())
            && !matches!(away.get(id), Some(Unavailable::OnCall | Unavailable::OffDuty))
            && rules.assistant(id).is_some_and(|a| a.on_shift(rules.timezone, now))
    };
    let away_from_all = unavailable(&availability, "");
    let anyone_free = |busy: &HashSet<String>| {
        current
            .rules
            .assistants
            .iter()
            .any(|a| free(&current.rules, &a.id, busy, &away_from_all))
    };
    if !anyone_free(&busy) {
        return Ok(());
    }
    let mut offered = false;
    for caller in store::queue::due(&hooks.db, client, now).await? {
        let Some((rules, pos, targets)) = chain_of(hooks, &caller).await? else {
            continue;
        };
        let away = unavailable(&availability, &caller.call_sid);
        let target = targets
            .iter()
            .find(|t| t.assistant.as_ref().is_some_and(|id| free(&rules, id, &busy, &away)));
        let Some(target) = target else { continue };
        let id = target.assistant.as_ref().map(AssistantId::as_str).unwrap_or_default();
        let txn = hooks.db.begin().await.map_err(StoreError::from)?;
        if store::queue::offer(&txn, &caller, id, now).await? {
            place_offer(hooks, &txn, &rules, &caller, &pos, target, now).await?;
            offered = true;
        }
        txn.commit().await.map_err(StoreError::from)?;
        busy.insert(id.to_owned());
        if !anyone_free(&busy) {
            break;
        }
    }
    if offered {
        hooks.outbound.wake.notify_one();
    }
    Ok(())
}

/// Serves every queue with callers due (call backs whose time came, and queues whose
/// assistants came on duty or on shift), for the worker's rounds.
///
/// # Errors
/// When the database fails.
pub async fn serve_all(hooks: &Webhooks) -> Result<(), CallError> {
    for client in store::queue::clients_due(&hooks.db, hooks.clock.now()).await? {
        serve(hooks, &client).await?;
    }
    Ok(())
}

/// The rules, position and the assistants who may take `caller`, from the chain their
/// call was given.
async fn chain_of(
    hooks: &Webhooks,
    caller: &QueueCaller,
) -> Result<Option<(std::sync::Arc<Rules>, Position, Vec<DialTarget>)>, CallError> {
    let query = url::form_urlencoded::parse(caller.position.as_bytes())
        .into_owned()
        .collect();
    let Ok(pos) = Position::from_query(&query) else {
        warn!(call_sid = %caller.call_sid, "queue caller with an unreadable position: left out");
        return Ok(None);
    };
    let (rules, _, step) = queue_step(hooks, &pos, &facts_of(caller)).await?;
    Ok(step.map(|(_, targets)| (rules, pos, targets)))
}

fn facts_of(caller: &QueueCaller) -> CallFacts {
    CallFacts {
        call_sid: caller.call_sid.clone(),
        from: caller.from_number.clone(),
        to: caller.to_number.clone(),
        status: String::new(),
        direction: "inbound".into(),
    }
}

/// The query naming one offer in its answer URL.
fn offer_query(caller: &QueueCaller, assistant: &str, screen: bool) -> String {
    let id = caller.id.to_string();
    encode(&[
        ("assistant", assistant),
        ("caller", &id),
        ("client", &caller.client_id),
        ("screen", if screen { "1" } else { "0" }),
    ])
}

/// The call to the assistant, through the outbox, and its leg on the caller's call.
async fn place_offer(
    hooks: &Webhooks,
    db: &impl ConnectionTrait,
    rules: &Rules,
    caller: &QueueCaller,
    pos: &Position,
    target: &DialTarget,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    let assistant = target.assistant.as_ref().map(AssistantId::as_str);
    let answer = hooks.links.url(
        PATH_QUEUE_ANSWER,
        &offer_query(caller, assistant.unwrap_or_default(), target.screen),
    );
    let body = twiml::offer(
        rules,
        &caller.from_number,
        target.screen,
        &answer,
        pos.language.as_deref(),
    )
    .render();
    let message = outbox::NewMessage {
        client: &caller.client_id,
        dedupe_key: format!("queue-offer:{}:{}", caller.id, now.timestamp_millis()),
        purpose: OFFER,
        call_sid: Some(&caller.call_sid),
        recording_sid: None,
        assistant,
        to: target.number.as_str(),
        from: &caller.to_number,
        body: &body,
        send_at: now,
        kind: "call",
        media_urls: &[],
        subject: None,
    };
    outbox::enqueue(db, &message, now).await?;
    let leg = store::legs::NewLeg {
        client: &caller.client_id,
        call_sid: &caller.call_sid,
        step: pos.step,
        assistant,
        number: target.number.as_str(),
    };
    store::legs::start_legs(db, &[leg], now).await?;
    info!(call_sid = %caller.call_sid, assistant, callback = caller.is_callback(), "queue caller offered");
    Ok(())
}
