//! Twilio's messaging webhooks: texts received, and delivery statuses of ours.

use std::collections::HashMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use serde::Deserialize;

use super::error::Error;
use super::twilio::{self, Signed};
use super::voice::Twiml;
use crate::http::state::AppState;
use crate::messaging::inbound::{self, Incoming};
use crate::twilio::webhooks::{PATH_SMS, PATH_SMS_ALIAS, PATH_SMS_STATUS};
use crate::twiml::Response;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(PATH_SMS, post(incoming))
        .route(PATH_SMS_ALIAS, post(incoming))
        .route(PATH_SMS_STATUS, post(status))
}

/// Media parameters are numbered (`MediaUrl0`, `MediaUrl1`…), so the form is read as a map.
#[derive(Debug, Deserialize)]
struct IncomingForm {
    #[serde(flatten)]
    all: HashMap<String, String>,
}

fn required(form: &HashMap<String, String>, name: &str) -> Result<String, Error> {
    form.get(name)
        .filter(|v| !v.is_empty())
        .cloned()
        .ok_or_else(|| Error::BadRequest(format!("missing {name}")))
}

/// Replies go through the outbox, so the TwiML answer is always empty.
async fn incoming(State(state): State<AppState>, signed: Signed<IncomingForm>) -> Result<Twiml, Error> {
    let form = signed.form.all;
    let count: usize = form.get("NumMedia").and_then(|n| n.parse().ok()).unwrap_or(0).min(10);
    // Twilio numbers each attachment's address and type alike: kept in pairs, in order.
    let (media_urls, media_types) = (0..count)
        .filter_map(|i| {
            let url = form.get(&format!("MediaUrl{i}"))?.clone();
            Some((
                url,
                form.get(&format!("MediaContentType{i}")).cloned().unwrap_or_default(),
            ))
        })
        .unzip();
    let message = Incoming {
        message_sid: required(&form, "MessageSid")?,
        // Replies and alerts are sent to and from these, so they fit the outbox's columns.
        from: twilio::address(required(&form, "From")?, "From", 32)?,
        to: twilio::address(required(&form, "To")?, "To", 32)?,
        body: form.get("Body").cloned().unwrap_or_default(),
        media_urls,
        media_types,
        opt_out_type: form.get("OptOutType").cloned(),
    };
    inbound::incoming(&state.texts, &message).await?;
    Ok(Twiml(Response::new()))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusForm {
    message_sid: String,
    message_status: String,
    error_code: Option<String>,
    /// Not in every callback: Twilio prices a text once it has gone out.
    price: Option<String>,
    #[serde(default)]
    to: String,
    #[serde(default)]
    from: String,
}

async fn status(State(state): State<AppState>, signed: Signed<StatusForm>) -> Result<StatusCode, Error> {
    let f = signed.form;
    let code = f.error_code.and_then(|c| c.parse().ok());
    let price = f.price.as_deref().filter(|p| !p.is_empty());
    inbound::delivery_status(
        &state.texts,
        &f.message_sid,
        &f.message_status,
        code,
        price,
        &f.to,
        &f.from,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
