//! Sending a text on a client's behalf, through the outbox like every message.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Admin, ErrorBody, Json};
use crate::admin;
use crate::http::Error;
use crate::phone::E164;
use crate::state::AppState;
use crate::store::{self, outbox};

#[derive(Deserialize, ToSchema)]
pub struct SendSms {
    client: String,
    /// E.164.
    to: String,
    body: String,
    /// One of the client's numbers (default: its first).
    from: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Queued {
    id: i64,
    state: String,
}

/// Queues a text; the worker sends it (never to a number that opted out).
#[utoipa::path(post, path = "/api/twilio/send-sms", tag = "messages", security(("bearer" = [])), request_body = SendSms,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn send_sms(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Json(req): Json<SendSms>,
) -> Result<(StatusCode, Json<Queued>), Error> {
    let loaded = admin::client(&state, &actor, &req.client)?;
    let to = E164::parse(&req.to).map_err(|e| Error::BadRequest(e.to_string()))?;
    if req.body.trim().is_empty() || req.body.chars().count() > 1600 {
        return Err(Error::BadRequest("body must be 1 to 1600 characters".into()));
    }
    let from = match &req.from {
        Some(f) if loaded.rules.numbers.iter().any(|n| n.as_str() == f) => f.clone(),
        Some(_) => return Err(Error::BadRequest("from must be one of the client's numbers".into())),
        None => loaded
            .rules
            .numbers
            .first()
            .map(ToString::to_string)
            .ok_or(Error::NotFound)?,
    };
    let now = state.clock.now();
    // A send through the API is meant to go out each time it is asked for.
    let key = format!("api:{:032x}", rand::random::<u128>());
    let message = outbox::NewMessage {
        client: &req.client,
        dedupe_key: key.clone(),
        purpose: "api",
        call_sid: None,
        recording_sid: None,
        assistant: None,
        to: to.as_str(),
        from: &from,
        body: &req.body,
        send_at: now,
    };
    outbox::enqueue(&state.db, &message, now).await?;
    let entry = store::admin::Entry {
        actor: &actor.name,
        client: Some(&req.client),
        action: "sms.send",
        detail: format!(
            "to {} ({} characters)",
            crate::phone::mask(to.as_str()),
            req.body.chars().count()
        ),
        address: actor.address.clone(),
    };
    store::admin::audit(&state.db, &entry, now).await?;
    let row = store::outbox::find_by_key(&state.db, &key)
        .await?
        .ok_or(Error::NotFound)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Queued {
            id: row.id,
            state: row.state,
        }),
    ))
}
