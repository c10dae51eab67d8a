//! Operational endpoints: readiness and metrics. `/metrics` names every client with its call
//! counts, so it may require a bearer token (`SWITCHBOARD_METRICS_TOKEN`) and may be served on
//! an address of its own (`SWITCHBOARD_METRICS_BIND`) instead of the public listener.

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::get;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Error;
use crate::http::state::AppState;
use crate::store;

/// `/health`, and `/metrics` unless it has an address of its own.
pub fn router(state: &AppState) -> Router<AppState> {
    let router = Router::new().route("/health", get(health));
    if state.edge.metrics_apart {
        router
    } else {
        router.merge(metrics_router())
    }
}

pub fn metrics_router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// 200 when the database answers, 503 otherwise (the process itself is alive either way).
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let database = store::ping(&state.db).await;
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(
            json!({ "live": true, "ready": database, "database": database, "clients": state.registry.clients().len() }),
        ),
    )
}

/// Prometheus text format.
async fn metrics(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<([(header::HeaderName, &'static str); 1], String), Error> {
    if let Some(token) = &state.edge.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Compared as digests, so the time taken says nothing about how much of it matched.
        if Sha256::digest(given.trim().as_bytes()) != Sha256::digest(token.expose_secret().as_bytes()) {
            return Err(Error::Unauthorized);
        }
    }
    let body = crate::metrics::render(&store::gauges(&state.db, state.clock.now()).await);
    Ok(([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body))
}
