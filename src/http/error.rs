//! The one place that turns errors into HTTP answers: JSON
//! `{"error": {"code", "message", "details"}}` everywhere, except the bare 403 Twilio
//! gets for a bad signature.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tracing::error;

use crate::accounts::signing::Refused;
use crate::calls::CallError;
use crate::routing::RuleError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A webhook whose signature does not check out, or signed by an account that may not touch
    /// what it refers to: a bare 403, no detail.
    #[error("forbidden")]
    Forbidden,
    /// An admin request without a valid token.
    #[error("a valid bearer token is required")]
    Unauthorized,
    #[error("{0}")]
    BadRequest(String),
    #[error("{1}")]
    Body(StatusCode, String),
    /// Also what an admin gets for another client's data, so its existence is not confirmed.
    #[error("not found")]
    NotFound,
    /// Rules that do not parse, validate or pass their own tests, each problem at its line.
    #[error("the rules were not saved")]
    InvalidRules(Vec<RuleError>),
    #[error("{0}")]
    Conflict(String),
    /// An admin allowed to see something but not to do this to it.
    #[error("{0}")]
    Denied(String),
    /// A quota ran out; `Retry-After` says when to try again.
    #[error("{message}")]
    TooManyRequests { message: String, retry_after: u64 },
    /// Credentials Twilio refused.
    #[error("{0}")]
    InvalidCredentials(String),
    /// Twilio could not be reached or did not answer; the message says what was being done.
    #[error("{0}")]
    Upstream(String),
    /// This server is not set up for what was asked (no Twilio account); the message says what
    /// is missing.
    #[error("{0}")]
    NotConfigured(String),
    /// The database or another dependency failed; the detail goes to the log only.
    #[error(transparent)]
    Unavailable(#[from] CallError),
}

impl From<QueryRejection> for Error {
    fn from(r: QueryRejection) -> Self {
        Self::Body(r.status(), r.body_text())
    }
}

impl From<JsonRejection> for Error {
    fn from(r: JsonRejection) -> Self {
        Self::Body(r.status(), r.body_text())
    }
}

impl From<PathRejection> for Error {
    fn from(r: PathRejection) -> Self {
        Self::Body(r.status(), r.body_text())
    }
}

impl From<Refused> for Error {
    fn from(r: Refused) -> Self {
        match r {
            Refused::Forbidden => Self::Forbidden,
            Refused::Store(e) => e.into(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Self::Unavailable(CallError::Store(e))
    }
}

/// `details` is always a list: the problems of a refused rules text, else empty.
fn body(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    let details = if details.is_array() { details } else { json!([]) };
    (
        status,
        Json(json!({ "error": { "code": code, "message": message, "details": details } })),
    )
        .into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let message = self.to_string();
        match self {
            Self::Forbidden => StatusCode::FORBIDDEN.into_response(),
            Self::Unauthorized => {
                let mut r = body(StatusCode::UNAUTHORIZED, "unauthorized", &message, Value::Null);
                r.headers_mut()
                    .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
                r
            }
            Self::BadRequest(m) => body(StatusCode::BAD_REQUEST, "bad_request", &m, Value::Null),
            Self::Body(status, m) => body(status, "bad_body", &m, Value::Null),
            Self::NotFound => body(StatusCode::NOT_FOUND, "not_found", &message, Value::Null),
            Self::InvalidRules(errors) => body(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_rules",
                &message,
                json!(errors),
            ),
            Self::Conflict(m) => body(StatusCode::CONFLICT, "conflict", &m, Value::Null),
            Self::Denied(m) => body(StatusCode::FORBIDDEN, "forbidden", &m, Value::Null),
            Self::TooManyRequests { message, retry_after } => {
                let mut r = body(StatusCode::TOO_MANY_REQUESTS, "quota", &message, Value::Null);
                r.headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
                r
            }
            Self::InvalidCredentials(m) => {
                body(StatusCode::UNPROCESSABLE_ENTITY, "invalid_credentials", &m, Value::Null)
            }
            Self::Upstream(m) => body(StatusCode::BAD_GATEWAY, "twilio_unavailable", &m, Value::Null),
            // The server's set-up, not an outage: a 4xx the admin can act on.
            Self::NotConfigured(m) => body(StatusCode::CONFLICT, "not_configured", &m, Value::Null),
            Self::Unavailable(e) => {
                error!(error = %e, "request failed");
                body(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "temporarily unavailable",
                    Value::Null,
                )
            }
        }
    }
}
