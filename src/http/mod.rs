//! HTTP: routers, the signature extractor, and the mapping of errors to answers.

mod admin;
mod console;
mod error;
pub mod forwarded;
mod ops;
mod queue;
mod sms;
pub mod state;
pub mod twilio;
mod voice;

use std::any::Any;

use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

pub use admin::attempts;
pub use error::Error;

use crate::calls::render;
use crate::http::state::AppState;
use crate::twilio::webhooks::Links;
use crate::twiml;

/// Twilio's bodies are a few KiB; anything past this is not Twilio.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub fn router(state: AppState) -> Router {
    let voice = voice::router().layer(CatchPanicLayer::custom(voice_panic));
    let (admin, _) = admin::router();
    Router::new()
        .merge(voice)
        .merge(admin)
        .merge(console::router(&state))
        .merge(sms::router())
        .merge(ops::router(&state))
        .fallback(|| async { Error::NotFound })
        // One layer (outermost first), not three: each `Router::layer` boxes every route
        // again, and each box is cloned for every request.
        .layer(
            tower::ServiceBuilder::new()
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
                .layer(axum::middleware::from_fn(measure)),
        )
        .with_state(state)
}

/// `/metrics` alone, for `SWITCHBOARD_METRICS_BIND`.
pub fn metrics_router(state: AppState) -> Router {
    ops::metrics_router().with_state(state)
}

/// A bug in the call path still answers the caller with a voicemail, not Twilio's
/// "application error".
fn voice_panic(_: Box<dyn Any + Send + 'static>) -> Response {
    tracing::error!("panic in a voice webhook: answering the safe voicemail");
    let body = render::safe_answer(None, &Links::default()).render();
    ([(header::CONTENT_TYPE, twiml::CONTENT_TYPE)], body).into_response()
}

/// The admin API's OpenAPI document (also served at `/api/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    admin::router().1
}

/// Times every request by its route pattern (never by its concrete path: ids stay out
/// of the metrics).
async fn measure(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    crate::metrics::webhook(&route, response.status().as_u16(), started.elapsed());
    response
}

/// One span per request, named by its route pattern; the signed-form extractor fills in
/// the call and the client, so every log line of a webhook carries them.
fn request_span(request: &axum::extract::Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", |p| p.as_str());
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        call_sid = tracing::field::Empty,
        client = tracing::field::Empty
    )
}
