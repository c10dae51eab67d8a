//! The call log: filtered, newest first, with cursor pagination; one call in full.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Path, Query};
use crate::admin::handling;
use crate::admin::history::{self, CallQuery};
use crate::http::state::AppState;
use crate::http::Error;
use crate::store::calls::CallRow;
use crate::store::handling::HandlingRow;

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    client: Option<String>,
    /// Twilio's call status, e.g. `completed`.
    status: Option<String>,
    /// `answered`, `voicemail`, `missed`, `blocked` or `awaiting_callback` (the caller hung
    /// up to be called back and is owed that call).
    outcome: Option<String>,
    /// The caller's number in any common format (`+1 917 555 0142`, `(917) 555-0142`),
    /// or its last digits (`0142`).
    caller: Option<String>,
    /// The assistant who answered.
    assistant: Option<String>,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    /// `next` from the previous page.
    cursor: Option<String>,
    /// How many calls per page (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct CallSummary {
    call_sid: String,
    client: Option<String>,
    from: String,
    to: String,
    status: String,
    /// What the call came to for the business: `answered`, `voicemail`, `missed`, `blocked`,
    /// `awaiting_callback` (owed the call back the caller asked for), or none yet.
    outcome: Option<String>,
    answered_by: Option<String>,
    duration: Option<i32>,
    started_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CallPage {
    calls: Vec<CallSummary>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next: Option<String>,
}

impl From<CallRow> for CallSummary {
    fn from(r: CallRow) -> Self {
        Self {
            call_sid: r.call_sid,
            client: r.client_id,
            from: r.from_number,
            to: r.to_number,
            status: r.status,
            outcome: r.outcome,
            answered_by: r.answered_by,
            duration: r.duration,
            started_at: r.started_at,
        }
    }
}

/// Calls, newest first.
#[utoipa::path(get, path = "/api/calls", tag = "calls", security(("bearer" = [])), params(ListQuery),
    responses((status = 200, body = CallPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<ListQuery>,
) -> Result<Json<CallPage>, Error> {
    let query = CallQuery {
        client: q.client,
        status: q.status,
        outcome: q.outcome,
        caller: q.caller,
        assistant: q.assistant,
        since: q.since,
        until: q.until,
        cursor: q.cursor,
        limit: q.limit.unwrap_or(50),
    };
    let page = history::calls(&state.db, &actor, query).await?;
    Ok(Json(CallPage {
        calls: page.calls.into_iter().map(CallSummary::from).collect(),
        next: page.next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct Leg {
    step: i32,
    assistant: Option<String>,
    number: String,
    status: String,
    accepted: bool,
    duration: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct Recording {
    recording_sid: String,
    kind: String,
    url: Option<String>,
    duration: Option<i32>,
    status: Option<String>,
    transcript: Option<String>,
    transcription_status: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Alert {
    purpose: String,
    to: String,
    body: String,
    state: String,
    /// Twilio's delivery status, when reported.
    delivery: Option<String>,
    error_code: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CallDetail {
    #[serde(flatten)]
    call: CallSummary,
    rules_version: Option<i32>,
    /// Why the call went where it went, in plain words.
    trace: Vec<String>,
    legs: Vec<Leg>,
    recordings: Vec<Recording>,
    alerts: Vec<Alert>,
    handling: Handling,
}

/// What became of the call: who first listened to its message, who handled it.
#[derive(Serialize, ToSchema, Default)]
pub struct Handling {
    heard_by: Option<String>,
    heard_at: Option<DateTime<Utc>>,
    handled_by: Option<String>,
    handled_at: Option<DateTime<Utc>>,
}

impl From<HandlingRow> for Handling {
    fn from(h: HandlingRow) -> Self {
        Self {
            heard_by: h.heard_by,
            heard_at: h.heard_at,
            handled_by: h.handled_by,
            handled_at: h.handled_at,
        }
    }
}

/// One call with its legs, trace, recordings, transcript and the alerts it caused.
#[utoipa::path(get, path = "/api/calls/{sid}", tag = "calls", security(("bearer" = [])),
    params(("sid" = String, Path)),
    responses((status = 200, body = CallDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(sid): Path<String>,
) -> Result<Json<CallDetail>, Error> {
    let record = history::call(&state.db, &actor, &sid).await?;
    let trace = record.trace();
    let alerts = record
        .alerts
        .into_iter()
        .map(|a| Alert {
            purpose: a.message.purpose,
            to: a.message.to_number,
            body: a.message.body,
            state: a.message.state,
            delivery: a.delivery,
            error_code: a.message.error_code,
        })
        .collect();
    let handling = record.handling.map(Handling::from).unwrap_or_default();
    let detail = record.detail;
    let c = detail.call;
    Ok(Json(CallDetail {
        handling,
        trace,
        rules_version: c.rules_version,
        legs: detail
            .legs
            .into_iter()
            .map(|l| Leg {
                step: l.step,
                assistant: l.assistant_id,
                number: l.number,
                status: l.status,
                accepted: l.accepted,
                duration: l.duration,
            })
            .collect(),
        recordings: detail
            .recordings
            .into_iter()
            .map(|r| Recording {
                recording_sid: r.recording_sid,
                kind: r.kind,
                url: r.url,
                duration: r.duration,
                status: r.status,
                transcript: r.transcription_text,
                transcription_status: r.transcription_status,
            })
            .collect(),
        alerts,
        call: CallSummary::from(c),
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct SetHandled {
    handled: bool,
}

/// Marks the call handled by the token's name (or not handled any more); audited.
#[utoipa::path(put, path = "/api/calls/{sid}/handled", tag = "calls", security(("bearer" = [])),
    params(("sid" = String, Path)), request_body = SetHandled,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_handled(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(sid): Path<String>,
    Json(body): Json<SetHandled>,
) -> Result<StatusCode, Error> {
    handling::set_handled(&state.admin, &actor, &sid, body.handled).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Revoked {
    /// How many links still worked until now.
    revoked: u64,
}

/// Withdraws the links the call's alerts carried, so they open nothing any more; audited.
#[utoipa::path(delete, path = "/api/calls/{sid}/links", tag = "calls", security(("bearer" = [])),
    params(("sid" = String, Path)),
    responses((status = 200, body = Revoked), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn revoke_links(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(sid): Path<String>,
) -> Result<Json<Revoked>, Error> {
    let revoked = handling::revoke_links(&state.admin, &actor, &sid).await?;
    Ok(Json(Revoked { revoked }))
}
