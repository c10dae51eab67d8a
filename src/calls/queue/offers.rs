//! An assistant's offer call: past the whisper they take Twilio's front caller (or ring a
//! caller back), the caller Twilio bridged is recorded, and when the offer ends unanswered
//! the caller is offered again.

use super::*;

/// An offer named in its answer URL.
#[derive(Debug, Clone)]
pub struct OfferRef {
    pub client: String,
    pub caller: i64,
    pub assistant: String,
    pub screen: bool,
}

/// The assistant's offer call asks what to do: past the whisper (or unscreened), they
/// take the caller from the queue, or ring the caller back.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn answer(
    hooks: &Webhooks,
    offer: &OfferRef,
    offer_call_sid: &str,
    digits: Option<&str>,
    action: &str,
) -> Result<Response, CallError> {
    let Some(caller) = store::queue::by_id(&hooks.db, offer.caller).await? else {
        return Ok(render::hang_up());
    };
    let Some((rules, at, targets)) = chain_of(hooks, &caller).await? else {
        return Ok(render::hang_up());
    };
    if caller.client_id != offer.client {
        return Ok(render::hang_up());
    }
    match (offer.screen, digits) {
        (true, None) => {
            let language = at.language.as_deref();
            return Ok(render::screen_prompt(&rules, &caller.from_number, action, language));
        }
        (true, Some(d)) if d != "1" => return Ok(render::hang_up()),
        _ => {}
    }
    let gone = twiml::offer_gone(&rules, &caller.from_number, at.language.as_deref());
    if !caller.is_callback() {
        // `<Dial><Queue>` takes Twilio's front caller, whom the offer may not have named:
        // the `<Queue url>` request on that caller's call says whom, and is recorded.
        if !store::queue::holding(&hooks.db, &offer.client).await? {
            return Ok(gone);
        }
        let bridge = hooks.links.url(
            PATH_QUEUE_BRIDGE,
            &encode(&[("assistant", &offer.assistant), ("client", &offer.client)]),
        );
        return Ok(twiml::take_from_queue(&offer.client, &bridge));
    }
    let now = hooks.clock.now();
    if !store::queue::accept(&hooks.db, caller.id, &offer.assistant, offer_call_sid, now).await? {
        return Ok(gone);
    }
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    let who = took(
        &txn,
        &rules,
        &caller,
        &at,
        &targets,
        &offer.assistant,
        offer_call_sid,
        now,
    )
    .await?;
    // A call back is answered only once the caller picks up (`callback_dialled`).
    let line = format!("{who} took the call back from the queue");
    store::calls::append_trace(&txn, &caller.call_sid, &[line]).await?;
    txn.commit().await.map_err(StoreError::from)?;
    let done = hooks
        .links
        .url(PATH_QUEUE_CALLBACK, &encode(&[("caller", &caller.id.to_string())]));
    Ok(twiml::ring_back(
        &rules,
        &caller.from_number,
        &caller.to_number,
        &done,
        at.language.as_deref(),
    ))
}

/// Who bridged whom, from Twilio's `<Queue url>` request on the dequeued caller's call.
#[derive(Debug, Clone)]
pub struct Bridged {
    pub client: String,
    pub assistant: String,
    /// `CallSid`: the caller Twilio took from the front of its queue.
    pub call_sid: String,
    /// `DequeingCallSid`: the assistant's offer call.
    pub offer_call_sid: String,
}

/// Twilio is bridging the caller at the front of its queue to the assistant who took an
/// offer: that caller (whichever one the offer named) is marked bridged to them, with
/// the assistant's leg on their call and the call answered. Nothing is said to the
/// caller: the assistant is already there.
///
/// # Errors
/// When the database fails or the pinned rules are gone.
pub async fn bridged(hooks: &Webhooks, b: &Bridged) -> Result<Response, CallError> {
    let now = hooks.clock.now();
    let taken = store::queue::bridge(&hooks.db, &b.client, &b.call_sid, &b.assistant, &b.offer_call_sid, now).await?;
    let Some(caller) = taken else {
        warn!(call_sid = %b.call_sid, client = %b.client, "Twilio bridged a caller the database does not hold on hold");
        return Ok(Response::new());
    };
    let Some((rules, pos, targets)) = chain_of(hooks, &caller).await? else {
        return Ok(Response::new());
    };
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    let who = took(
        &txn,
        &rules,
        &caller,
        &pos,
        &targets,
        &b.assistant,
        &b.offer_call_sid,
        now,
    )
    .await?;
    if store::calls::set_outcome(&txn, &caller.call_sid, Outcome::Answered, Some(&b.assistant)).await? {
        crate::metrics::call_outcome(&caller.client_id, Outcome::Answered.as_str());
    }
    let line = format!("{who} took the caller from the queue");
    store::calls::append_trace(&txn, &caller.call_sid, &[line]).await?;
    txn.commit().await.map_err(StoreError::from)?;
    info!(call_sid = %caller.call_sid, assistant = %b.assistant, "queue caller bridged");
    Ok(Response::new())
}

/// The assistant's accepted leg on the caller's call; returns the assistant's name.
#[allow(clippy::too_many_arguments)]
async fn took(
    db: &impl ConnectionTrait,
    rules: &Rules,
    caller: &QueueCaller,
    pos: &Position,
    targets: &[DialTarget],
    assistant: &str,
    offer_call_sid: &str,
    now: DateTime<Utc>,
) -> Result<String, CallError> {
    let number = targets
        .iter()
        .find(|t| t.assistant.as_ref().is_some_and(|a| a.as_str() == assistant))
        .map_or("", |t| t.number.as_str());
    let update = store::legs::LegUpdate {
        leg: store::legs::NewLeg {
            client: &caller.client_id,
            call_sid: &caller.call_sid,
            step: pos.step,
            assistant: Some(assistant),
            number,
        },
        child_call_sid: Some(offer_call_sid),
        status: "in-progress",
        duration: None,
        accepted: true,
    };
    store::legs::record_leg(db, &update, now).await?;
    let id = AssistantId::parse(assistant).map_err(|e| CallError::Rules {
        client: caller.client_id.clone(),
        version: pos.version,
        reason: e.to_string(),
    })?;
    Ok(rules.assistant(&id).map_or(assistant, |a| a.name.as_str()).to_owned())
}

/// The call placed to offer a caller ended (its status callback): an offer nobody took
/// goes back to the queue, or, for a call back, counts as a failed attempt. Either way the
/// assistant may be free for the next caller.
///
/// # Errors
/// When the database fails.
pub async fn offer_ended(hooks: &Webhooks, offer_call_sid: &str, status: &str) -> Result<(), CallError> {
    let bridged = store::queue::bridged_by(&hooks.db, offer_call_sid).await?;
    let offered = store::queue::by_offer(&hooks.db, offer_call_sid).await?;
    // Chains are read before the transaction: on SQLite a read waiting behind it would
    // wait for itself.
    let mut ended = Vec::with_capacity(2);
    if let Some(caller) = bridged {
        let assistant = caller.assistant_id.clone().unwrap_or_default();
        ended.push((chain_of(hooks, &caller).await?, caller, assistant, true));
    }
    if let Some((caller, assistant)) = offered {
        if ended.first().is_none_or(|(_, b, _, _)| b.id != caller.id) {
            ended.push((chain_of(hooks, &caller).await?, caller, assistant, false));
        }
    }
    let Some(client) = ended.first().map(|(_, c, _, _)| c.client_id.clone()) else {
        return Ok(());
    };
    let now = hooks.clock.now();
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    for (chain, caller, assistant, took) in &ended {
        let Some((rules, pos, targets)) = chain else { continue };
        close_leg(&txn, caller, pos, targets, assistant, offer_call_sid, status, now).await?;
        let offered_here = caller.state == store::queue::OFFERED && caller.assistant_id.as_ref() == Some(assistant);
        match (took, caller.is_callback()) {
            // A call back's own `<Dial action>` tells whether the caller was reached.
            (true, true) => {}
            (true, false) => store::queue::finish(&txn, caller.id, DONE, now).await?,
            // Still offered to this assistant: they did not take anyone.
            (false, _) if !offered_here => {}
            (false, false) => {
                store::queue::release(&txn, caller, store::queue::OFFERED, WAITING, None, now).await?;
            }
            (false, true) => {
                let reason = format!("the assistant did not take it ({status})");
                attempt_failed(hooks, &txn, rules, caller, store::queue::OFFERED, &reason, now).await?;
            }
        }
    }
    txn.commit().await.map_err(StoreError::from)?;
    hooks.outbound.wake.notify_one();
    serve(hooks, &client).await
}

/// The final status of the assistant's leg on the caller's call.
#[allow(clippy::too_many_arguments)]
async fn close_leg(
    db: &impl ConnectionTrait,
    caller: &QueueCaller,
    pos: &Position,
    targets: &[DialTarget],
    assistant: &str,
    offer_call_sid: &str,
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    let Some(target) = targets
        .iter()
        .find(|t| t.assistant.as_ref().is_some_and(|a| a.as_str() == assistant))
    else {
        return Ok(());
    };
    let update = store::legs::LegUpdate {
        leg: store::legs::NewLeg {
            client: &caller.client_id,
            call_sid: &caller.call_sid,
            step: pos.step,
            assistant: Some(assistant),
            number: target.number.as_str(),
        },
        child_call_sid: Some(offer_call_sid),
        status,
        duration: None,
        accepted: false,
    };
    Ok(store::legs::record_leg(db, &update, now).await?)
}
