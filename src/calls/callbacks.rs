//! Callbacks that only report (call and leg status, recordings, transcriptions): each
//! merges into the call's record and, in the same transaction, enqueues the alerts it
//! causes and the events it is for the client's webhooks.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::warn;

use super::{new_call, CallError, CallFacts, LegRef, Webhooks};
use crate::locale::LocalTime;
use crate::messaging::alerts::{self, About};
use crate::routing::Rules;
use crate::store::{self, calls::Outcome, outbox, StoreError};
use crate::webhooks::{self, events};

/// A call-progress callback: of the call itself, or of one leg we rang.
#[derive(Debug, Clone, Default)]
pub struct StatusFacts {
    pub call: CallFacts,
    pub parent_call_sid: Option<String>,
    pub duration: Option<i32>,
}

/// # Errors
/// When the database fails.
pub async fn status(hooks: &Webhooks, leg: Option<&LegRef>, facts: &StatusFacts) -> Result<(), CallError> {
    let now = hooks.clock.now();
    if let Some(parent) = facts.parent_call_sid.as_deref() {
        // Every leg we ring reports to a URL naming it. A leg that is not named is no call of
        // the number's owner either: the number is whoever was rung (`accounts::signing`).
        let Some(leg) = leg else {
            warn!(parent_call_sid = parent, "status of a leg we did not ring: not stored");
            return Ok(());
        };
        let update = store::legs::LegUpdate {
            leg: leg.of(parent),
            child_call_sid: Some(&facts.call.call_sid),
            status: &facts.call.status,
            duration: facts.duration,
            accepted: false,
        };
        // A leg's merge is several statements: one transaction, so a retried callback
        // never finds half of it.
        let txn = hooks.db.begin().await.map_err(StoreError::from)?;
        store::legs::record_leg(&txn, &update, now).await?;
        txn.commit().await.map_err(StoreError::from)?;
        // The assistant may be free for a caller waiting in the queue.
        if ended(&facts.call.status) {
            super::queue::serve_quietly(hooks, &leg.client).await;
        }
        return Ok(());
    }
    // Inbound calls are to a client's number; calls we place are from one.
    let owner = hooks
        .registry
        .by_number(&facts.call.to)
        .or_else(|| hooks.registry.by_number(&facts.call.from));
    let client = owner.as_ref().map(|l| l.rules.client.to_string());
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    let new = new_call(&facts.call, client.as_deref(), None, None);
    store::calls::ensure(&txn, std::slice::from_ref(&new), now).await?;
    store::calls::advance_status(&txn, &facts.call.call_sid, &facts.call.status, facts.duration, now).await?;
    // Only a caller can be missed: calls we place ourselves have no outcome to alert on.
    let inbound = !facts.call.direction.starts_with("outbound");
    let ended = ended(&facts.call.status);
    if ended {
        store::calls::make_findable(&txn, &facts.call.call_sid, &facts.call.from).await?;
    }
    if inbound && ended {
        store::queue::hung_up(&txn, &facts.call.call_sid, now).await?;
    }
    if inbound && ended {
        let changed = store::calls::set_outcome(&txn, &facts.call.call_sid, Outcome::Missed, None).await?;
        if let (true, Some(o)) = (changed, &owner) {
            crate::metrics::call_outcome(o.rules.client.as_str(), Outcome::Missed.as_str());
        }
        let call = store::calls::find(&txn, &facts.call.call_sid).await?.map(|d| d.call);
        // A caller waiting for a call back is not missed (`Outcome::AwaitingCallback`): its
        // success answers the call, and its failure is reported as `callback_failed`. Should
        // it have been given up (and made missed) before this end of the call arrives, a
        // missed-call alert would still be a second alert for it.
        let called_back = store::queue::find(&txn, &facts.call.call_sid)
            .await?
            .is_some_and(|c| c.is_callback());
        if let (Some(loaded), Some(call), false) = (owner, call, called_back) {
            if call.outcome.as_deref() == Some(Outcome::Missed.as_str()) {
                let off = store::duty::off_duty(&txn, loaded.rules.client.as_str()).await?;
                let about = about(
                    hooks,
                    &loaded.rules,
                    &call.call_sid,
                    &call.from_number,
                    &call.to_number,
                    call.started_at,
                );
                alerts::missed_call(&txn, &loaded.rules, &about, &off, now).await?;
            }
        }
    }
    if let (true, Some(client)) = (ended, client.as_deref()) {
        if let Some(call) = store::calls::find_row(&txn, &facts.call.call_sid).await? {
            webhooks::emit(&txn, client, &events::call_completed(&call), now).await?;
        }
    }
    txn.commit().await.map_err(StoreError::from)?;
    hooks.outbound.wake.notify_one();
    if !inbound && ended {
        super::queue::offer_ended(hooks, &facts.call.call_sid, &facts.call.status).await?;
    }
    Ok(())
}

fn ended(status: &str) -> bool {
    store::calls::status_rank(status) == store::calls::status_rank("completed")
}

/// Which callback a recording's facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordingEvent {
    /// The `<Record action>`: the caller finished leaving a message.
    Recorded,
    /// The recording status callback.
    Status,
    Transcription,
}

/// What a recording callback tells us.
#[derive(Debug, Clone, Default)]
pub struct RecordingFacts {
    pub call_sid: String,
    pub recording_sid: Option<String>,
    pub url: Option<String>,
    pub duration: Option<i32>,
    pub status: Option<String>,
    pub transcription_sid: Option<String>,
    pub transcription_text: Option<String>,
    pub transcription_status: Option<String>,
}

/// Stores what a recording callback brings. A voicemail marks the call and alerts the
/// assistants; its transcript reaches them in the first alert or a follow-up.
///
/// # Errors
/// When the database fails.
pub async fn recording(
    hooks: &Webhooks,
    event: RecordingEvent,
    kind: &str,
    client: Option<&str>,
    facts: &RecordingFacts,
) -> Result<(), CallError> {
    let Some(recording_sid) = facts
        .recording_sid
        .as_deref()
        .or_else(|| sid_from_url(facts.url.as_deref()))
    else {
        warn!(call_sid = %facts.call_sid, "recording callback without a recording sid");
        return Ok(());
    };
    let now = hooks.clock.now();
    let update = store::recordings::RecordingUpdate {
        recording_sid,
        call_sid: &facts.call_sid,
        kind,
        url: facts.url.as_deref(),
        duration: facts.duration,
        status: facts.status.as_deref(),
        transcription_sid: facts.transcription_sid.as_deref(),
        transcription_text: facts.transcription_text.as_deref(),
        transcription_status: facts.transcription_status.as_deref(),
    };
    // Writing the recording first locks its row, so a voicemail and its transcript
    // arriving together are handled one after the other and neither misses the other.
    let txn = hooks.db.begin().await.map_err(StoreError::from)?;
    store::recordings::record_recording(&txn, &update, now).await?;
    if kind == "voicemail" && facts.status.as_deref() != Some("absent") {
        if store::calls::set_outcome(&txn, &facts.call_sid, Outcome::Voicemail, None).await? {
            crate::metrics::call_outcome(client.unwrap_or("unknown"), Outcome::Voicemail.as_str());
        }
        alert(hooks, &txn, event, client, &facts.call_sid, recording_sid, now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    hooks.outbound.wake.notify_one();
    Ok(())
}

async fn alert(
    hooks: &Webhooks,
    db: &impl ConnectionTrait,
    event: RecordingEvent,
    client: Option<&str>,
    call_sid: &str,
    recording_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let call = store::calls::find(db, call_sid).await?;
    let client = client
        .map(str::to_owned)
        .or_else(|| call.as_ref().and_then(|c| c.call.client_id.clone()));
    let Some(loaded) = client.and_then(|c| hooks.registry.current(&c)) else {
        warn!(call_sid, "voicemail for no known client: nobody to alert");
        return Ok(());
    };
    let rules = &loaded.rules;
    tell_webhooks(db, rules.client.as_str(), event, call.as_ref(), recording_sid, now).await?;
    let (caller, called, started) = call.as_ref().map_or(("unknown", "", now), |c| {
        (
            c.call.from_number.as_str(),
            c.call.to_number.as_str(),
            c.call.started_at,
        )
    });
    let recording = call
        .as_ref()
        .and_then(|c| c.recordings.iter().find(|r| r.recording_sid == recording_sid));
    let duration = recording.and_then(|r| r.duration);
    let about = about(hooks, rules, call_sid, caller, called, started);
    match event {
        RecordingEvent::Recorded | RecordingEvent::Status => {
            let transcript = recording
                .and_then(|r| r.transcription_text.as_deref())
                .filter(|t| !t.trim().is_empty());
            let off = store::duty::off_duty(db, rules.client.as_str()).await?;
            alerts::voicemail(db, rules, &about, recording_sid, duration, transcript, &off, now).await
        }
        RecordingEvent::Transcription => match recording.and_then(|r| r.transcription_text.as_deref()) {
            Some(text) if !text.trim().is_empty() => {
                alerts::transcript(db, rules, &about, recording_sid, duration, text, now).await
            }
            // Failed or empty: nothing will come, so nothing should wait for it.
            _ => outbox::release_for_recording(db, recording_sid, now).await,
        },
    }
}

/// A voicemail, or its transcript, told to the client's webhooks.
async fn tell_webhooks(
    db: &impl ConnectionTrait,
    client: &str,
    event: RecordingEvent,
    call: Option<&store::calls::CallDetail>,
    recording_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Some(detail) = call else { return Ok(()) };
    let Some(recording) = detail.recordings.iter().find(|r| r.recording_sid == recording_sid) else {
        return Ok(());
    };
    let event = match event {
        RecordingEvent::Recorded | RecordingEvent::Status => events::voicemail_created(&detail.call, recording),
        RecordingEvent::Transcription => match recording.transcription_text.as_deref() {
            Some(text) if !text.trim().is_empty() => events::transcript_ready(&detail.call, recording, text),
            _ => return Ok(()),
        },
    };
    webhooks::emit(db, client, &event, now).await?;
    Ok(())
}

fn about<'a>(
    hooks: &'a Webhooks,
    rules: &Rules,
    call_sid: &'a str,
    caller: &'a str,
    called: &'a str,
    started: DateTime<Utc>,
) -> About<'a> {
    About {
        call_sid,
        caller,
        called,
        links: &hooks.call_links,
        time: LocalTime::of(rules).weekday_and_time(started),
    }
}

/// `RecordingSid` is not documented on the `<Record>` action: take it from the URL's
/// last segment (`…/Recordings/RE…`).
fn sid_from_url(url: Option<&str>) -> Option<&str> {
    url?.rsplit('/').next().filter(|s| s.starts_with("RE") && s.len() == 34)
}
