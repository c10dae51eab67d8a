//! A client's webhook endpoints: added (the signing secret answered once), listed,
//! changed, removed; their deliveries, paged, and one delivered again.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Path, Query};
use crate::admin::webhooks::{self, Change, DeliveryView, EndpointView};
use crate::http::state::AppState;
use crate::http::Error;

#[derive(Deserialize, ToSchema)]
pub struct NewEndpoint {
    /// https, on the public internet (a private, loopback, link-local, carrier-grade NAT,
    /// unique-local, unspecified or multicast address, written or resolved, is refused with
    /// 422); plain http only to this machine when SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK is on.
    #[schema(example = "https://crm.example.com/hooks/switchboard")]
    url: String,
    /// Any of `call.completed`, `voicemail.created`, `transcript.ready`, `message.received`,
    /// `message.status`.
    events: Vec<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct EndpointChange {
    url: Option<String>,
    events: Option<Vec<String>>,
    /// Turning an endpoint on forgets its failures.
    enabled: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct Endpoint {
    id: String,
    client: String,
    url: String,
    events: Vec<String>,
    enabled: bool,
    /// `working`, `failing`, `turned_off_after_failing` or `turned_off`.
    health: String,
    /// The health in words, in the client's zone: "Working", "Failing since 14:02 EST",
    /// "Turned off after failing for 24 hours", "Turned off after 5 failed deliveries in a row".
    state: String,
    failing_since: Option<DateTime<Utc>>,
    disabled_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<EndpointView> for Endpoint {
    fn from(v: EndpointView) -> Self {
        Self {
            id: v.id,
            client: v.client,
            url: v.url,
            events: v.events,
            enabled: v.enabled,
            health: v.health.as_str().to_owned(),
            state: v.state,
            failing_since: v.failing_since,
            disabled_at: v.disabled_at,
            created_at: v.created_at,
        }
    }
}

/// A new endpoint with its secret: the only time the secret is shown.
#[derive(Serialize, ToSchema)]
pub struct CreatedEndpoint {
    #[serde(flatten)]
    endpoint: Endpoint,
    /// `whsec_` and base64: what receivers verify signatures with. Keep it now: it is
    /// stored encrypted and never shown again.
    secret: String,
}

#[derive(Serialize, ToSchema)]
pub struct Attempt {
    at: DateTime<Utc>,
    /// The receiver's answer; `null` when none came.
    status_code: Option<i32>,
    latency_ms: i64,
    /// What went wrong, in words; `null` when it worked.
    error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Delivery {
    id: i64,
    event: String,
    /// The `webhook-id` header, the same on every attempt.
    webhook_id: String,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    state: String,
    created_at: DateTime<Utc>,
    next_attempt_at: Option<DateTime<Utc>>,
    last_error: Option<String>,
    /// The body sent, as signed.
    payload: serde_json::Value,
    attempts: Vec<Attempt>,
}

impl From<DeliveryView> for Delivery {
    fn from(v: DeliveryView) -> Self {
        Self {
            id: v.id,
            event: v.event,
            webhook_id: v.webhook_id,
            state: v.state.to_owned(),
            created_at: v.created_at,
            next_attempt_at: v.next_attempt_at,
            last_error: v.last_error,
            payload: v.payload,
            attempts: v
                .attempts
                .into_iter()
                .map(|a| Attempt {
                    at: a.attempted_at,
                    status_code: a.status_code,
                    latency_ms: a.latency_ms,
                    error: a.error,
                })
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeliveryPage {
    deliveries: Vec<Delivery>,
    /// `before` for the next page; `null` on the last.
    next_before: Option<i64>,
}

#[derive(Deserialize, IntoParams)]
pub struct DeliveriesQuery {
    /// `next_before` from the previous page.
    before: Option<i64>,
    /// How many per page (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// Adds an endpoint, on at once; the answer carries its signing secret, shown only here.
#[utoipa::path(post, path = "/api/clients/{id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    request_body = NewEndpoint,
    responses((status = 201, body = CreatedEndpoint), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the server has no SWITCHBOARD_SECRET_KEY", body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, description = "the URL leads off the public internet, or the body does not read", body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(body): Json<NewEndpoint>,
) -> Result<(StatusCode, Json<CreatedEndpoint>), Error> {
    let (view, secret) = webhooks::create(&state.admin, &actor, &id, &body.url, &body.events).await?;
    let created = CreatedEndpoint {
        endpoint: view.into(),
        secret: secret.expose_secret().to_owned(),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

/// The client's endpoints, oldest first, each with its state.
#[utoipa::path(get, path = "/api/clients/{id}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    responses((status = 200, body = [Endpoint]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<Endpoint>>, Error> {
    let views = webhooks::list(&state.admin, &actor, &id).await?;
    Ok(Json(views.into_iter().map(Into::into).collect()))
}

/// One endpoint and its state.
#[utoipa::path(get, path = "/api/clients/{id}/webhooks/{endpoint}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id"), ("endpoint" = String, Path, description = "endpoint id")),
    responses((status = 200, body = Endpoint), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<Json<Endpoint>, Error> {
    Ok(Json(webhooks::show(&state.admin, &actor, &id, &endpoint).await?.into()))
}

/// Changes the URL or the events, or turns the endpoint on or off.
#[utoipa::path(patch, path = "/api/clients/{id}/webhooks/{endpoint}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id"), ("endpoint" = String, Path, description = "endpoint id")),
    request_body = EndpointChange,
    responses((status = 200, body = Endpoint), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, description = "the URL leads off the public internet, or the body does not read", body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, endpoint)): Path<(String, String)>,
    Json(body): Json<EndpointChange>,
) -> Result<Json<Endpoint>, Error> {
    let change = Change {
        url: body.url,
        events: body.events,
        enabled: body.enabled,
    };
    Ok(Json(
        webhooks::update(&state.admin, &actor, &id, &endpoint, &change)
            .await?
            .into(),
    ))
}

/// Removes the endpoint; nothing more is delivered to it.
#[utoipa::path(delete, path = "/api/clients/{id}/webhooks/{endpoint}", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id"), ("endpoint" = String, Path, description = "endpoint id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, endpoint)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    webhooks::delete(&state.admin, &actor, &id, &endpoint).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The deliveries to the endpoint, newest first, each with its attempts (time, status code,
/// latency, error in words).
#[utoipa::path(get, path = "/api/clients/{id}/webhooks/{endpoint}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id"), ("endpoint" = String, Path, description = "endpoint id"), DeliveriesQuery),
    responses((status = 200, body = DeliveryPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn deliveries(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, endpoint)): Path<(String, String)>,
    Query(q): Query<DeliveriesQuery>,
) -> Result<Json<DeliveryPage>, Error> {
    let page = webhooks::deliveries(&state.admin, &actor, &id, &endpoint, q.before, q.limit.unwrap_or(50)).await?;
    Ok(Json(DeliveryPage {
        deliveries: page.deliveries.into_iter().map(Into::into).collect(),
        next_before: page.next_before,
    }))
}

/// Delivers the event to the endpoint again, now, with the same `webhook-id`.
#[utoipa::path(post, path = "/api/clients/{id}/webhooks/{endpoint}/deliveries/{delivery}/redeliver", tag = "webhooks", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id"), ("endpoint" = String, Path, description = "endpoint id"), ("delivery" = i64, Path, description = "delivery id")),
    responses((status = 202, body = Delivery), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the endpoint is turned off, or the delivery is being attempted now", body = ErrorBody)))]
pub async fn redeliver(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, endpoint, delivery)): Path<(String, String, i64)>,
) -> Result<(StatusCode, Json<Delivery>), Error> {
    let view = webhooks::redeliver(&state.admin, &actor, &id, &endpoint, delivery).await?;
    Ok((StatusCode::ACCEPTED, Json(view.into())))
}
