//! The one place that turns errors into HTTP answers: JSON
//! `{"error": {"code", "message", "details"}}` everywhere, except the bare 403 Twilio
//! gets for a bad signature. The console shows the same status and message as a page
//! ([`Error::told`]).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use tracing::error;

use crate::accounts::signing::Refused;
use crate::admin::sending::SendingError;
use crate::admin::AdminError;
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
    /// Understood, and refused for what it asks (a webhook to a private address).
    #[error("{0}")]
    Unprocessable(String),
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

impl From<AdminError> for Error {
    fn from(e: AdminError) -> Self {
        match e {
            AdminError::NotFound => Self::NotFound,
            AdminError::Invalid(errors) => Self::InvalidRules(errors),
            AdminError::BadRequest(m) => Self::BadRequest(m),
            AdminError::Unprocessable(m) => Self::Unprocessable(m),
            AdminError::Denied(m) => Self::Denied(m),
            AdminError::Conflict(m) => Self::Conflict(m),
            AdminError::NoSecretKey => Self::Conflict(e.to_string()),
            AdminError::CredentialsRefused(m) => Self::InvalidCredentials(m),
            AdminError::TwilioUnavailable(m) => Self::Upstream(m),
            AdminError::NoTwilio(m) => Self::NotConfigured(m),
            AdminError::NoPublicUrl => Self::Conflict(e.to_string()),
            AdminError::Store(e) => e.into(),
        }
    }
}

impl From<SendingError> for Error {
    fn from(e: SendingError) -> Self {
        match e {
            SendingError::Admin(e) => e.into(),
            SendingError::Quota { retry_after, .. } => Self::TooManyRequests {
                message: e.to_string(),
                retry_after,
            },
            SendingError::OptedOut(_) | SendingError::NoConsent(_) => Self::Conflict(e.to_string()),
        }
    }
}

/// What a person is told about a failed request, whether the API answers it as JSON or
/// the console as a page.
#[derive(Debug)]
pub struct Told {
    pub status: StatusCode,
    /// For programs reading the API's answer.
    pub code: &'static str,
    /// In plain words; never the inner detail of an outage.
    pub message: String,
}

impl Error {
    /// The status, code and message of this error, wherever it is shown. An outage is
    /// logged here, with its cause, as the person is told only that it is temporary.
    pub fn told(&self) -> Told {
        let (status, code) = match self {
            Self::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            Self::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            Self::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            Self::Body(status, _) => (*status, "bad_body"),
            Self::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, "unprocessable"),
            Self::NotFound => (StatusCode::NOT_FOUND, "not_found"),
            Self::InvalidRules(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_rules"),
            Self::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            Self::Denied(_) => (StatusCode::FORBIDDEN, "forbidden"),
            Self::TooManyRequests { .. } => (StatusCode::TOO_MANY_REQUESTS, "quota"),
            Self::InvalidCredentials(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_credentials"),
            Self::Upstream(_) => (StatusCode::BAD_GATEWAY, "twilio_unavailable"),
            // The server's set-up, not an outage: a 4xx the admin can act on.
            Self::NotConfigured(_) => (StatusCode::CONFLICT, "not_configured"),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        };
        let message = match self {
            Self::Unavailable(e) => {
                error!(error = %e, "request failed");
                "Temporarily unavailable. Please try again in a moment.".to_owned()
            }
            e => e.to_string(),
        };
        Told { status, code, message }
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
        // Twilio is told nothing about why a signature was refused.
        if matches!(self, Self::Forbidden) {
            return StatusCode::FORBIDDEN.into_response();
        }
        let Told { status, code, message } = self.told();
        let details = match &self {
            Self::InvalidRules(errors) => json!(errors),
            _ => Value::Null,
        };
        let mut response = body(status, code, &message, details);
        let headers = response.headers_mut();
        match self {
            Self::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Bearer"));
            }
            Self::TooManyRequests { retry_after, .. } => {
                headers.insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
            }
            _ => {}
        }
        response
    }
}
