//! Twilio's voice webhooks. Each handler parses the signed form, makes one call into
//! `calls`, and renders TwiML. A caller must never hear Twilio's "application error":
//! when the call path fails, the answer is still TwiML that takes a voicemail.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response as HttpResponse};
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use tracing::{error, Instrument};

use super::error::Error;
use super::twilio::{self, Signed};
use crate::calls::position::Position;
use crate::calls::{
    self, render, CallError, CallFacts, LegRef, NextFacts, RecordingEvent, RecordingFacts, StatusFacts,
};
use crate::http::state::AppState;
use crate::phone::mask;
use crate::twilio::webhooks::{
    PATH_FALLBACK, PATH_NEXT, PATH_RECORDING, PATH_SCREEN, PATH_STATUS, PATH_STATUS_ALIAS, PATH_TRANSCRIPTION,
    PATH_VOICE, PATH_VOICEMAIL, PATH_VOICEMAIL_ALIAS, PATH_VOICE_ALIAS,
};
use crate::twiml::{self, Response};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH_VOICE, post(incoming))
        .route(PATH_VOICE_ALIAS, post(incoming))
        .route(PATH_NEXT, post(next))
        .route(PATH_SCREEN, post(screen))
        .route(PATH_VOICEMAIL, post(voicemail))
        .route(PATH_VOICEMAIL_ALIAS, post(voicemail))
        .route(PATH_RECORDING, post(recording))
        .route(PATH_TRANSCRIPTION, post(transcription))
        .route(PATH_STATUS, post(status))
        .route(PATH_STATUS_ALIAS, post(status))
        .route(PATH_FALLBACK, post(fallback))
        .merge(super::queue::router())
}

/// TwiML with the content type Twilio requires.
pub struct Twiml(pub Response);

impl IntoResponse for Twiml {
    fn into_response(self) -> HttpResponse {
        ([(header::CONTENT_TYPE, twiml::CONTENT_TYPE)], self.0.render()).into_response()
    }
}

/// The parameters Twilio sends on every voice request that we use.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct VoiceForm {
    call_sid: String,
    #[serde(default)]
    from: String,
    to: String,
    #[serde(default)]
    call_status: String,
    #[serde(default)]
    direction: String,
}

impl VoiceForm {
    pub(super) fn facts(self) -> Result<CallFacts, Error> {
        check_sid(&self.call_sid, "CallSid")?;
        if self.to.is_empty() {
            return Err(Error::BadRequest("To must be a phone number".into()));
        }
        Ok(CallFacts {
            call_sid: self.call_sid,
            from: twilio::address(self.from, "From", 64)?,
            to: twilio::address(self.to, "To", 64)?,
            status: self.call_status,
            direction: self.direction,
        })
    }
}

/// Twilio ids are two letters and 32 hex digits; anything else is not from Twilio.
pub(super) fn check_sid(sid: &str, name: &str) -> Result<(), Error> {
    let ok = sid.len() == 34
        && sid.as_bytes()[..2].iter().all(u8::is_ascii_uppercase)
        && sid[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "{name} must be two letters and 32 hex digits"
        )))
    }
}

pub(super) fn fallback_twiml(state: &AppState, facts: &CallFacts, client: Option<&str>, e: &CallError) -> Twiml {
    error!(error = %e, call_sid = %facts.call_sid, "call path failed: answering the safe voicemail");
    Twiml(calls::safe_answer(&state.webhooks, &facts.to, client))
}

/// Twilio waits 15 s for a webhook, then plays its "application error": a slow or locked
/// database must cost the caller the routing, never the call. Past the deadline the work
/// is dropped (a write not yet committed is skipped, see `store::batch`) and the caller
/// gets the safe voicemail.
pub(super) async fn within_deadline(
    state: &AppState,
    work: impl std::future::Future<Output = Result<Response, CallError>>,
) -> Result<Response, CallError> {
    let deadline = state.edge.answer_deadline;
    tokio::time::timeout(deadline, work)
        .await
        .unwrap_or(Err(CallError::Deadline(deadline)))
}

async fn incoming(State(state): State<AppState>, signed: Signed<VoiceForm>) -> Result<Twiml, Error> {
    let facts = signed.form.facts()?;
    if let Some(owner) = state.registry.by_number(&facts.to) {
        tracing::Span::current().record("client", owner.rules.client.as_str());
    }
    let span = tracing::info_span!("call", from = %mask(&facts.from));
    let answer = within_deadline(&state, calls::incoming(&state.webhooks, &facts).instrument(span)).await;
    Ok(answer.map_or_else(|e| fallback_twiml(&state, &facts, None, &e), Twiml))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(super) struct NextForm {
    #[serde(flatten)]
    voice: VoiceForm,
    dial_call_status: Option<String>,
    dial_call_sid: Option<String>,
    dial_call_duration: Option<String>,
    digits: Option<String>,
    speech_result: Option<String>,
    queue_result: Option<String>,
}

impl NextForm {
    pub(super) fn facts(self) -> Result<NextFacts, Error> {
        Ok(NextFacts {
            call: self.voice.facts()?,
            dial_call_status: self.dial_call_status,
            dial_call_sid: self.dial_call_sid,
            dial_call_duration: self.dial_call_duration.and_then(|d| d.parse().ok()),
            digits: self.digits,
            speech: self.speech_result,
            queue_result: self.queue_result,
        })
    }
}

async fn next(State(state): State<AppState>, signed: Signed<NextForm>) -> Result<Twiml, Error> {
    let facts = signed.form.facts()?;
    let client = signed.query.get("client").cloned();
    let pos = Position::from_query(&signed.query);
    if let Ok(pos) = &pos {
        tracing::Span::current().record("client", pos.client.as_str());
    }
    let span = tracing::info_span!("step", step = pos.as_ref().map_or(0, |p| p.step));
    let answer = within_deadline(&state, calls::next(&state.webhooks, pos, &facts).instrument(span)).await;
    Ok(answer.map_or_else(|e| fallback_twiml(&state, &facts.call, client.as_deref(), &e), Twiml))
}

fn leg_ref(query: &BTreeMap<String, String>) -> Option<LegRef> {
    Some(LegRef {
        client: query.get("client")?.clone(),
        version: query.get("version")?.parse().ok()?,
        step: query.get("step")?.parse().ok()?,
        assistant: query.get("assistant").cloned(),
        number: query.get("number")?.clone(),
        language: query.get("lang").cloned(),
    })
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ScreenForm {
    call_sid: String,
    parent_call_sid: Option<String>,
    #[serde(default)]
    from: String,
    digits: Option<String>,
}

/// On the assistant's leg: Twilio's `From` there is the caller id we showed them,
/// so the caller's own number is read from the parent call's record of it.
async fn screen(State(state): State<AppState>, signed: Signed<ScreenForm>) -> Result<Twiml, Error> {
    let form = signed.form;
    check_sid(&form.call_sid, "CallSid")?;
    let Some(leg) = leg_ref(&signed.query) else {
        return Ok(Twiml(render::hang_up()));
    };
    let parent = form.parent_call_sid.unwrap_or_default();
    let answer = calls::screen(
        &state.webhooks,
        &leg,
        &form.call_sid,
        &parent,
        &form.from,
        form.digits.as_deref(),
        &signed.url,
    )
    .await;
    // A failed whisper must not bridge an unscreened call: hang up this leg and let the
    // chain move on to the next step.
    Ok(Twiml(answer.unwrap_or_else(|e| {
        error!(error = %e, "screening failed; dropping this leg");
        render::hang_up()
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RecordingForm {
    call_sid: String,
    #[serde(default)]
    to: String,
    recording_sid: Option<String>,
    recording_url: Option<String>,
    recording_duration: Option<String>,
    recording_status: Option<String>,
    transcription_sid: Option<String>,
    transcription_text: Option<String>,
    transcription_status: Option<String>,
}

impl RecordingForm {
    fn facts(self) -> Result<RecordingFacts, Error> {
        check_sid(&self.call_sid, "CallSid")?;
        if let Some(sid) = &self.recording_sid {
            check_sid(sid, "RecordingSid")?;
        }
        Ok(RecordingFacts {
            call_sid: self.call_sid,
            recording_sid: self.recording_sid,
            url: self.recording_url,
            duration: self.recording_duration.and_then(|d| d.parse().ok()),
            status: self.recording_status,
            transcription_sid: self.transcription_sid,
            transcription_text: self.transcription_text,
            transcription_status: self.transcription_status,
        })
    }
}

fn kind(query: &BTreeMap<String, String>) -> &'static str {
    match query.get("kind").map(String::as_str) {
        Some("call") => "call",
        _ => "voicemail",
    }
}

/// `<Record action>`: the caller left a message. Whatever happens, they hear goodbye.
async fn voicemail(State(state): State<AppState>, signed: Signed<RecordingForm>) -> Result<Twiml, Error> {
    let client = signed.query.get("client").cloned();
    let language = signed.query.get("lang").cloned();
    let to = signed.form.to.clone();
    let facts = signed.form.facts()?;
    let stored = calls::recording(
        &state.webhooks,
        RecordingEvent::Recorded,
        "voicemail",
        client.as_deref(),
        &facts,
    )
    .await;
    if let Err(e) = stored {
        error!(error = %e, call_sid = %facts.call_sid, "could not store the voicemail");
    }
    let rules = client
        .and_then(|c| state.registry.current(&c))
        .or_else(|| state.registry.by_number(&to));
    Ok(Twiml(render::goodbye(
        rules.as_ref().map(|l| l.rules.as_ref()),
        language.as_deref(),
    )))
}

async fn recording(State(state): State<AppState>, signed: Signed<RecordingForm>) -> Result<StatusCode, Error> {
    let (kind, client) = (kind(&signed.query), signed.query.get("client").cloned());
    calls::recording(
        &state.webhooks,
        RecordingEvent::Status,
        kind,
        client.as_deref(),
        &signed.form.facts()?,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn transcription(State(state): State<AppState>, signed: Signed<RecordingForm>) -> Result<StatusCode, Error> {
    let client = signed.query.get("client").cloned();
    let facts = signed.form.facts()?;
    calls::recording(
        &state.webhooks,
        RecordingEvent::Transcription,
        "voicemail",
        client.as_deref(),
        &facts,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusForm {
    #[serde(flatten)]
    voice: VoiceForm,
    parent_call_sid: Option<String>,
    call_duration: Option<String>,
}

async fn status(State(state): State<AppState>, signed: Signed<StatusForm>) -> Result<StatusCode, Error> {
    let form = signed.form;
    let facts = StatusFacts {
        duration: form.call_duration.and_then(|d| d.parse().ok()),
        parent_call_sid: form.parent_call_sid,
        call: form.voice.facts()?,
    };
    calls::status(&state.webhooks, leg_ref(&signed.query).as_ref(), &facts).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The number's fallback URL: Twilio calls it when the main webhook failed. No
/// database: the caller gets the client's voicemail from memory, or a generic one.
async fn fallback(State(state): State<AppState>, signed: Signed<VoiceForm>) -> Result<Twiml, Error> {
    Ok(Twiml(calls::safe_answer(&state.webhooks, &signed.form.to, None)))
}
