//! API sends that wait to be sent: listed, moved, cancelled.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Path, Query};
use crate::admin::scheduled;
use crate::http::state::AppState;
use crate::http::Error;
use crate::store::outbox::OutboxRow;

#[derive(Deserialize, IntoParams)]
pub struct ScheduledQuery {
    /// `next` from the previous page.
    cursor: Option<String>,
    /// How many messages per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// A message sent through the API that has not been sent yet.
#[derive(Serialize, ToSchema)]
pub struct ScheduledView {
    id: i64,
    /// `sms` or `call`.
    kind: String,
    /// `api`, `bulk` or `call`.
    purpose: String,
    to: String,
    from: String,
    /// The text (a call's TwiML for a call).
    body: String,
    /// `pending` while waiting; `cancelled` once cancelled.
    state: String,
    send_at: chrono::DateTime<chrono::Utc>,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl From<OutboxRow> for ScheduledView {
    fn from(m: OutboxRow) -> Self {
        Self {
            id: m.id,
            kind: m.kind,
            purpose: m.purpose,
            to: m.to_number,
            from: m.from_number,
            body: m.body,
            state: m.state,
            send_at: m.send_at,
            created_at: m.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ScheduledPage {
    messages: Vec<ScheduledView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next: Option<String>,
}

/// The client's texts and calls sent through the API that wait to be sent, soonest first.
#[utoipa::path(get, path = "/api/clients/{id}/scheduled", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ScheduledQuery),
    responses((status = 200, body = ScheduledPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn scheduled(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<ScheduledQuery>,
) -> Result<Json<ScheduledPage>, Error> {
    let page = scheduled::scheduled(&state.admin, &actor, &id, q.cursor.as_deref(), q.limit.unwrap_or(100)).await?;
    Ok(Json(ScheduledPage {
        messages: page.messages.into_iter().map(ScheduledView::from).collect(),
        next: page.next,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Reschedule {
    /// When to send it instead (up to 35 days ahead).
    send_at: chrono::DateTime<chrono::Utc>,
}

/// Moves a message that has not been sent yet; audited. 409 once it was sent, is being
/// sent or was cancelled.
#[utoipa::path(patch, path = "/api/clients/{id}/scheduled/{message}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("message" = i64, Path, description = "the message's id")), request_body = Reschedule,
    responses((status = 200, body = ScheduledView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reschedule(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, message)): Path<(String, i64)>,
    Json(req): Json<Reschedule>,
) -> Result<Json<ScheduledView>, Error> {
    let row = scheduled::reschedule(&state.admin, &actor, &id, message, Some(req.send_at)).await?;
    Ok(Json(row.into()))
}

/// Cancels a message that has not been sent yet; audited. 409 once it was sent, is being
/// sent or was cancelled.
#[utoipa::path(delete, path = "/api/clients/{id}/scheduled/{message}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("message" = i64, Path, description = "the message's id")),
    responses((status = 200, body = ScheduledView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, message)): Path<(String, i64)>,
) -> Result<Json<ScheduledView>, Error> {
    let row = scheduled::reschedule(&state.admin, &actor, &id, message, None).await?;
    Ok(Json(row.into()))
}
