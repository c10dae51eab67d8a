//! An assistant's offer call: past the whisper they take the longest-waiting caller (or
//! ring a caller back), and when it ends unanswered the caller is offered again.

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
    let Some((rules, at, _)) = chain_of(hooks, &caller).await? else {
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
    let now = hooks.clock.now();
    // One statement each, committed at once: the chain of the caller taken is read next,
    // and on SQLite a read waiting behind an open transaction would wait for itself.
    let taken = if caller.is_callback() {
        let accepted = store::queue::accept(&hooks.db, caller.id, &offer.assistant, offer_call_sid, now).await?;
        accepted.then_some(caller)
    } else {
        store::queue::take_front(&hooks.db, &offer.client, &offer.assistant, offer_call_sid, now).await?
    };
    let Some(caller) = taken else {
        return Ok(gone);
    };
    let Some((rules, pos, targets)) = chain_of(hooks, &caller).await? else {
        return Ok(gone);
    };
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    let number = targets
        .iter()
        .find(|t| t.assistant.as_ref().is_some_and(|a| a.as_str() == offer.assistant))
        .map_or("", |t| t.number.as_str());
    let update = store::legs::LegUpdate {
        leg: store::legs::NewLeg {
            client: &caller.client_id,
            call_sid: &caller.call_sid,
            step: pos.step,
            assistant: Some(&offer.assistant),
            number,
        },
        child_call_sid: Some(offer_call_sid),
        status: "in-progress",
        duration: None,
        accepted: true,
    };
    store::legs::record_leg(&txn, &update, now).await?;
    // A call back is answered only once the caller picks up (`callback_dialled`).
    let answered = !caller.is_callback()
        && store::calls::set_outcome(&txn, &caller.call_sid, Outcome::Answered, Some(&offer.assistant)).await?;
    if answered {
        crate::metrics::call_outcome(&caller.client_id, Outcome::Answered.as_str());
    }
    let name = rules.assistant(&AssistantId::parse(&offer.assistant).map_err(|e| CallError::Rules {
        client: caller.client_id.clone(),
        version: pos.version,
        reason: e.to_string(),
    })?);
    let who = name.map_or(offer.assistant.as_str(), |a| a.name.as_str());
    let line = match caller.is_callback() {
        true => format!("{who} took the call back from the queue"),
        false => format!("{who} took the caller from the queue"),
    };
    store::calls::append_trace(&txn, &caller.call_sid, &[line]).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(match caller.is_callback() {
        true => {
            let done = hooks
                .links
                .url(PATH_QUEUE_CALLBACK, &encode(&[("caller", &caller.id.to_string())]));
            let language = pos.language.as_deref();
            twiml::ring_back(&rules, &caller.from_number, &caller.to_number, &done, language)
        }
        false => twiml::take_from_queue(&caller.client_id),
    })
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
