//! Twilio's queue webhooks: a waiting caller's wait loop and keys, the call that offers a
//! caller to an assistant, the caller Twilio bridged to them, and a call back's dial result. Each parses the signed form,
//! makes one call into `calls::queue`, and renders TwiML.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;
use tracing::error;

use super::error::Error;
use super::twilio::Signed;
use super::voice::{check_sid, within_deadline, NextForm, Twiml, VoiceForm};
use crate::calls::position::Position;
use crate::calls::queue::{self, Bridged, OfferRef, WaitRequest};
use crate::calls::render;
use crate::http::state::AppState;
use crate::twilio::webhooks::{
    PATH_QUEUE_ANSWER, PATH_QUEUE_BRIDGE, PATH_QUEUE_CALLBACK, PATH_QUEUE_KEY, PATH_QUEUE_WAIT,
};
use crate::twiml::Response;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH_QUEUE_WAIT, post(wait))
        .route(PATH_QUEUE_KEY, post(key))
        .route(PATH_QUEUE_ANSWER, post(answer))
        .route(PATH_QUEUE_BRIDGE, post(bridge))
        .route(PATH_QUEUE_CALLBACK, post(callback))
}

/// What Twilio posts to an `<Enqueue waitUrl>`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct WaitForm {
    #[serde(flatten)]
    voice: VoiceForm,
    queue_time: Option<String>,
    avg_queue_time: Option<String>,
}

fn seconds(value: Option<&str>) -> u32 {
    value.and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// A wait that cannot be served (a position that does not parse, the database down)
/// leaves the queue: the `<Enqueue action>` then takes the caller on, or to the safe answer.
async fn wait(State(state): State<AppState>, signed: Signed<WaitForm>) -> Result<Twiml, Error> {
    let form = signed.form;
    let request = WaitRequest {
        queue_time: seconds(form.queue_time.as_deref()),
        avg_queue_time: seconds(form.avg_queue_time.as_deref()),
        call: form.voice.facts()?,
    };
    let Ok(pos) = Position::from_query(&signed.query) else {
        return Ok(Twiml(render::queue::leave()));
    };
    let answer = within_deadline(&state, queue::wait(&state.webhooks, &pos, &request)).await;
    Ok(Twiml(answer.unwrap_or_else(|e| {
        error!(error = %e, call_sid = %request.call.call_sid, "queue wait failed: the caller leaves the queue");
        render::queue::leave()
    })))
}

async fn key(State(state): State<AppState>, signed: Signed<NextForm>) -> Result<Twiml, Error> {
    let facts = signed.form.facts()?;
    let Ok(pos) = Position::from_query(&signed.query) else {
        return Ok(Twiml(render::queue::leave()));
    };
    let answer = within_deadline(
        &state,
        queue::key(&state.webhooks, &pos, &facts.call, facts.digits.as_deref()),
    )
    .await;
    Ok(Twiml(answer.unwrap_or_else(|e| {
        error!(error = %e, call_sid = %facts.call.call_sid, "queue key failed: the caller leaves the queue");
        render::queue::leave()
    })))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AnswerForm {
    call_sid: String,
    digits: Option<String>,
}

fn offer_ref(signed: &Signed<AnswerForm>) -> Option<OfferRef> {
    let q = &signed.query;
    Some(OfferRef {
        client: q.get("client")?.clone(),
        caller: q.get("caller")?.parse().ok()?,
        assistant: q.get("assistant")?.clone(),
        screen: q.get("screen")? == "1",
    })
}

/// On the assistant's offer call. A failure hangs up on the assistant: the caller stays
/// in the queue, and the offer's end puts them back on hold.
async fn answer(State(state): State<AppState>, signed: Signed<AnswerForm>) -> Result<Twiml, Error> {
    check_sid(&signed.form.call_sid, "CallSid")?;
    let Some(offer) = offer_ref(&signed) else {
        return Ok(Twiml(render::hang_up()));
    };
    let digits = signed.form.digits.as_deref();
    let answer = queue::answer(&state.webhooks, &offer, &signed.form.call_sid, digits, &signed.url).await;
    Ok(Twiml(answer.unwrap_or_else(|e| {
        error!(error = %e, "queue offer failed; hanging up on the assistant");
        render::hang_up()
    })))
}

/// What Twilio posts to a `<Queue url>`, on the dequeued caller's call.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BridgeForm {
    call_sid: String,
    dequeing_call_sid: String,
}

/// On the caller's call, just before the bridge: records whom Twilio bridged. Its answer
/// is empty whatever happens (only `<Play>`, `<Say>`, `<Pause>` and `<Redirect>` are
/// allowed there, and the assistant is waiting): a failure is logged, never heard.
async fn bridge(State(state): State<AppState>, signed: Signed<BridgeForm>) -> Result<Twiml, Error> {
    check_sid(&signed.form.call_sid, "CallSid")?;
    check_sid(&signed.form.dequeing_call_sid, "DequeingCallSid")?;
    let (Some(client), Some(assistant)) = (signed.query.get("client"), signed.query.get("assistant")) else {
        return Ok(Twiml(Response::new()));
    };
    let bridged = Bridged {
        client: client.clone(),
        assistant: assistant.clone(),
        call_sid: signed.form.call_sid,
        offer_call_sid: signed.form.dequeing_call_sid,
    };
    let answer = within_deadline(&state, queue::bridged(&state.webhooks, &bridged)).await;
    Ok(Twiml(answer.unwrap_or_else(|e| {
        error!(error = %e, call_sid = %bridged.call_sid, "recording the bridge failed; the caller is bridged all the same");
        Response::new()
    })))
}

/// The `<Dial action>` of a call back, on the assistant's call.
async fn callback(State(state): State<AppState>, signed: Signed<NextForm>) -> Result<Twiml, Error> {
    let facts = signed.form.facts()?;
    let Some(caller) = signed.query.get("caller").and_then(|c| c.parse().ok()) else {
        return Ok(Twiml(render::hang_up()));
    };
    Ok(Twiml(queue::callback_dialled(&state.webhooks, caller, &facts).await?))
}
