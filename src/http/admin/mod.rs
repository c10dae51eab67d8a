//! The admin API under `/api/`: bearer tokens, one client's data per scoped token,
//! JSON everywhere, and an OpenAPI document generated from the handlers so it cannot
//! drift (`/api/openapi.json`).

mod accounts;
pub mod attempts;
mod auth;
mod calls;
mod clients;
mod consent;
pub(super) mod conversations;
mod export;
mod messages;
mod numbers;
pub(super) mod recordings;
mod rules;
mod scheduled;
mod templates;
mod webhooks;

use axum::routing::get;
use axum::Router;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use auth::Admin;

use super::error::Error;
use crate::http::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(title = "Switchboard admin API", description = "Rules versions, simulation, call log and recordings, messages, Twilio accounts and numbers, outgoing webhooks."),
    modifiers(&Bearer)
)]
struct ApiDoc;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// The admin routes and their OpenAPI description.
pub fn router() -> (Router<AppState>, OpenApiDoc) {
    let (router, api) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(clients::list))
        .routes(routes!(clients::show, clients::delete))
        .routes(routes!(clients::duty))
        .routes(routes!(clients::audit))
        .routes(routes!(clients::stats))
        .routes(routes!(accounts::show, accounts::set, accounts::remove))
        .routes(routes!(accounts::status))
        .routes(routes!(rules::current, rules::save))
        .routes(routes!(rules::check))
        .routes(routes!(rules::replay))
        .routes(routes!(rules::versions))
        .routes(routes!(rules::version))
        .routes(routes!(rules::diff))
        .routes(routes!(rules::rollback))
        .routes(routes!(rules::simulate))
        .routes(routes!(calls::list))
        .routes(routes!(calls::show))
        .routes(routes!(calls::set_handled))
        .routes(routes!(calls::revoke_links))
        .routes(routes!(recordings::of_call))
        .routes(routes!(recordings::by_sid))
        .routes(routes!(messages::send_sms))
        .routes(routes!(messages::make_call))
        .routes(routes!(messages::notify_call))
        .routes(routes!(messages::send_bulk))
        .routes(routes!(consent::opt_out, consent::set_opt_out))
        .routes(routes!(messages::validate))
        .routes(routes!(scheduled::scheduled))
        .routes(routes!(scheduled::reschedule, scheduled::cancel))
        .routes(routes!(templates::list, templates::create))
        .routes(routes!(templates::show, templates::update, templates::delete))
        .routes(routes!(messages::history))
        .routes(routes!(messages::received))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::show))
        .routes(routes!(conversations::media))
        .routes(routes!(numbers::available))
        .routes(routes!(numbers::purchase))
        .routes(routes!(numbers::release))
        .routes(routes!(webhooks::create, webhooks::list))
        .routes(routes!(webhooks::show, webhooks::update, webhooks::delete))
        .routes(routes!(webhooks::deliveries))
        .routes(routes!(webhooks::redeliver))
        .split_for_parts();
    let doc = api.clone();
    (
        router.route("/api/openapi.json", get(move || async move { Json(doc) })),
        api,
    )
}

/// The error body every admin route answers with, for the OpenAPI document.
#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
    /// The problems of a refused rules text, each at its line; empty otherwise.
    pub details: Vec<Problem>,
}

#[derive(utoipa::ToSchema, serde::Serialize)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Extractors whose rejections answer in the admin API's JSON error shape.
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(Error))]
pub struct Query<T>(pub T);

#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(Error))]
pub struct Path<T>(pub T);

#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(Error))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        axum::Json(self.0).into_response()
    }
}
