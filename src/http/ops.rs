//! Operational endpoints: readiness and metrics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use crate::http::state::AppState;
use crate::store;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
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
async fn metrics(State(state): State<AppState>) -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    let body = crate::app::metrics::render(&state.db, state.clock.as_ref()).await;
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4")], body)
}
