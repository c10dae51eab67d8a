//! The one place that turns errors into HTTP answers.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tracing::error;

use crate::calls::CallError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A webhook whose signature does not check out: a bare 403, no detail.
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    BadRequest(String),
    #[error("{1}")]
    Body(StatusCode, String),
    #[error("no such route")]
    NotFound,
    /// The database or another dependency failed; the detail goes to the log only.
    #[error(transparent)]
    Unavailable(#[from] CallError),
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Self::Forbidden => StatusCode::FORBIDDEN.into_response(),
            Self::BadRequest(m) => (StatusCode::BAD_REQUEST, m).into_response(),
            Self::Body(status, m) => (status, m).into_response(),
            Self::NotFound => (StatusCode::NOT_FOUND, "no such route").into_response(),
            Self::Unavailable(e) => {
                error!(error = %e, "request failed");
                (StatusCode::SERVICE_UNAVAILABLE, "temporarily unavailable").into_response()
            }
        }
    }
}
