//! Call backs: the caller dialled once the assistant accepted, tried again when nobody
//! was reached, then reported to the assistants.

use super::*;

/// The `<Dial action>` of a call back: the caller was reached, or the attempt failed.
///
/// # Errors
/// When the database fails.
pub async fn callback_dialled(hooks: &Webhooks, caller_id: i64, facts: &NextFacts) -> Result<Response, CallError> {
    let Some(caller) = store::queue::by_id(&hooks.db, caller_id).await? else {
        return Ok(render::hang_up());
    };
    let Some((rules, pos, _)) = chain_of(hooks, &caller).await? else {
        return Ok(render::hang_up());
    };
    let now = hooks.clock.now();
    let status = facts.dial_call_status.as_deref().unwrap_or("failed");
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    let leg = store::legs::LegUpdate {
        leg: store::legs::NewLeg {
            client: &caller.client_id,
            call_sid: &caller.call_sid,
            step: pos.step,
            assistant: None,
            number: &caller.from_number,
        },
        child_call_sid: facts.dial_call_sid.as_deref(),
        status,
        duration: facts.dial_call_duration,
        accepted: false,
    };
    store::legs::record_leg(&txn, &leg, now).await?;
    if matches!(status, "completed" | "answered") {
        store::queue::finish(&txn, caller.id, DONE, now).await?;
        let by = caller.assistant_id.as_deref();
        if store::calls::set_outcome(&txn, &caller.call_sid, Outcome::Answered, by).await? {
            crate::metrics::call_outcome(&caller.client_id, Outcome::Answered.as_str());
        }
        store::calls::append_trace(&txn, &caller.call_sid, &["The caller was called back".to_owned()]).await?;
    } else {
        let reason = format!("the caller did not answer ({status})");
        attempt_failed(hooks, &txn, &rules, &caller, store::queue::BRIDGED, &reason, now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    hooks.outbound.wake.notify_one();
    Ok(render::hang_up())
}

/// A call back that did not reach the caller: tried again after the rules' spacing, or,
/// once its attempts are spent, given up and reported to the assistants.
pub(super) async fn attempt_failed(
    hooks: &Webhooks,
    db: &impl ConnectionTrait,
    rules: &Rules,
    caller: &QueueCaller,
    from_state: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), CallError> {
    let Some(queue) = &rules.queue else { return Ok(()) };
    let tried = u32::try_from(caller.attempts).unwrap_or(u32::MAX);
    if tried < queue.callback.attempts {
        let next = now + Duration::seconds(i64::from(queue.callback.spacing_seconds));
        if store::queue::release(db, caller, from_state, CALLBACK, Some(next), now).await? {
            let line = format!(
                "Call back attempt {tried} failed: {reason}; tried again in {}",
                rules_queue::duration_words(queue.callback.spacing_seconds)
            );
            store::calls::append_trace(db, &caller.call_sid, &[line]).await?;
        }
    } else if store::queue::release(db, caller, from_state, FAILED, None, now).await? {
        let line = format!("Call back attempt {tried} failed: {reason}; given up, and the assistants are told");
        store::calls::append_trace(db, &caller.call_sid, &[line]).await?;
        if store::calls::callback_given_up(db, &caller.call_sid).await? {
            crate::metrics::call_outcome(&caller.client_id, Outcome::Missed.as_str());
        }
        report_failed(hooks, db, rules, caller, tried, now).await?;
    }
    Ok(())
}

/// Tells the assistants (as voicemails are told) that a caller could not be called back.
async fn report_failed(
    hooks: &Webhooks,
    db: &impl ConnectionTrait,
    rules: &Rules,
    caller: &QueueCaller,
    attempts: u32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let off = store::duty::off_duty(db, rules.client.as_str()).await?;
    let home = rules.numbers.first().map_or("", |n| n.as_str());
    let number = crate::phone::written(&caller.from_number, home);
    let when = crate::locale::LocalTime::of(rules).weekday_and_time(caller.arrived_at);
    for a in alerts::recipients(rules, &off, now) {
        let link = hooks
            .call_links
            .issue(db, &caller.call_sid, rules.client.as_str(), a.id.as_str(), now)
            .await?;
        let text = format!(
            "{}: {number} asked to be called back ({when}) but could not be reached after {attempts} attempts. Please call them: {link}",
            rules.name
        );
        let alert = alerts::Alert {
            key: format!("callback_failed:{}:{}", caller.call_sid, a.id),
            purpose: "callback_failed",
            call_sid: Some(&caller.call_sid),
            recording_sid: None,
            subject: format!("Call back failed: {number} for {}", rules.name),
            email: text.clone(),
            text,
            from: &caller.to_number,
            send_at: now,
        };
        alerts::send_to(db, rules.client.as_str(), a, &alert, now).await?;
    }
    Ok(())
}
