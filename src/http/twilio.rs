//! The `Signed<T>` extractor for every Twilio-facing route: reads the raw form body,
//! rebuilds the URL Twilio signed (public URL + path + raw query), checks
//! `X-Twilio-Signature` with the auth token of the account that sent it, lets the webhook in
//! only if that account may touch everything it refers to (`accounts::signing`), and only
//! then deserializes the form.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::HOST;
use serde::de::DeserializeOwned;

use super::error::Error;
use crate::accounts::signing::{self, Webhook};
use crate::http::state::AppState;
use crate::twilio::form::{form_pairs, from_pairs};
use crate::twilio::signature;

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// A webhook that passed the signature check: its form as `T` and its query string.
#[derive(Debug)]
pub struct Signed<T> {
    pub form: T,
    pub query: BTreeMap<String, String>,
    /// The full URL Twilio requested (also the action of a `<Gather>` that posts back here).
    pub url: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Signed<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let uri = req.uri().clone();
        let host = req
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let header = req
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| Error::Body(r.status(), r.body_text()))?;
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        let url = match &state.edge.public_url {
            Some(base) => format!("{}{path_and_query}", base.as_str().trim_end_matches('/')),
            None => format!("http://{host}{path_and_query}"),
        };
        let params = form_pairs(&body);
        let query: BTreeMap<String, String> = uri
            .query()
            .map(|q| {
                form_pairs(q.as_bytes())
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let sig = header.ok_or(Error::Forbidden)?;
        let webhook = Webhook::new(uri.path(), &params, &query);
        signing::authorize(&state.gate(), &webhook, |token| {
            signature::is_valid(token, &url, &params, &sig)
        })
        .await?;
        let span = tracing::Span::current();
        if let Some((_, sid)) = params.iter().find(|(k, _)| k == "CallSid" || k == "MessageSid") {
            span.record("call_sid", sid.as_ref());
        }
        if let Some(client) = query.get("client") {
            span.record("client", client.as_str());
        }
        let form = from_pairs(&params).map_err(|e| Error::BadRequest(format!("bad form: {e}")))?;
        Ok(Self { form, query, url })
    }
}

/// A caller's or a number's address (`+1…`, `client:…`, `sip:…`) no longer than the
/// columns it is stored in: an overlong one is not from Twilio, and must not reach the
/// database, where PostgreSQL would refuse it.
///
/// # Errors
/// `BadRequest` naming the parameter.
pub fn address(value: String, name: &str, max: usize) -> Result<String, Error> {
    if value.chars().count() > max {
        return Err(Error::BadRequest(format!("{name} must be at most {max} characters")));
    }
    Ok(value)
}
