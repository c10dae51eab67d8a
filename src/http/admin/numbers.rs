//! Twilio numbers for a client: search its account, buy one pointed at this server.

use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Query};
use crate::admin::numbers;
use crate::http::state::AppState;
use crate::http::Error;
use crate::twilio::rest::numbers::AvailableNumber;

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    client: String,
    /// ISO 3166 alpha-2 (default `US`).
    country: Option<String>,
    #[param(example = "212")]
    area_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Available {
    /// E.164.
    phone_number: String,
    friendly_name: Option<String>,
    locality: Option<String>,
    region: Option<String>,
    iso_country: Option<String>,
    voice: bool,
    sms: bool,
    mms: bool,
}

impl From<AvailableNumber> for Available {
    fn from(n: AvailableNumber) -> Self {
        Self {
            phone_number: n.phone_number,
            friendly_name: n.friendly_name,
            locality: n.locality,
            region: n.region,
            iso_country: n.iso_country,
            voice: n.capabilities.voice,
            sms: n.capabilities.sms,
            mms: n.capabilities.mms,
        }
    }
}

/// Local numbers for sale in the client's Twilio account (its own, else the server's).
#[utoipa::path(get, path = "/api/twilio/available-numbers", tag = "numbers", security(("bearer" = [])), params(SearchQuery),
    responses((status = 200, body = Vec<Available>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 502, description = "Twilio could not be asked", body = ErrorBody),
        (status = 409, description = "no Twilio account to search (local mode)", body = ErrorBody)))]
pub async fn available(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Vec<Available>>, Error> {
    let country = q.country.as_deref().unwrap_or("US");
    let found = numbers::search(&state.admin, &actor, &q.client, country, q.area_code.as_deref()).await?;
    Ok(Json(found.into_iter().map(Into::into).collect()))
}

#[derive(Deserialize, ToSchema)]
pub struct PurchaseRequest {
    client: String,
    /// E.164, as the search listed it.
    phone_number: String,
}

#[derive(Serialize, ToSchema)]
pub struct Purchased {
    phone_number: String,
    /// Twilio's IncomingPhoneNumber SID (`PN…`).
    sid: String,
    /// What is left to do before calls to it are routed.
    next_step: String,
}

/// Buys a number with its webhooks set to this server (`/twilio/voice`, `/twilio/voice/fallback`,
/// `/twilio/voice/status`, `/twilio/sms`). Audited. The client's rules are not changed: add the
/// number to its `numbers` with a new rules version.
#[utoipa::path(post, path = "/api/twilio/purchase-number", tag = "numbers", security(("bearer" = [])), request_body = PurchaseRequest,
    responses((status = 200, body = Purchased), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the server has no SWITCHBOARD_PUBLIC_URL for the webhooks, or no Twilio account to buy with (local mode)", body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, description = "Twilio could not be asked, or may have sold the number anyway", body = ErrorBody)))]
pub async fn purchase(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Json(req): Json<PurchaseRequest>,
) -> Result<Json<Purchased>, Error> {
    let bought = numbers::purchase(&state.admin, &actor, &req.client, &req.phone_number).await?;
    let next_step = format!(
        "add {} to {}'s numbers (PUT /api/clients/{}/rules) so calls to it are routed",
        bought.phone_number, req.client, req.client
    );
    Ok(Json(Purchased {
        phone_number: bought.phone_number,
        sid: bought.sid,
        next_step,
    }))
}

/// Ends the reservation of a number bought through Switchboard, so that another client's rules
/// may name it (a global token only). Audited. The number stays in the Twilio account that bought
/// it; release it there to stop paying for it.
#[utoipa::path(delete, path = "/api/twilio/purchased-numbers/{number}", tag = "numbers", security(("bearer" = [])),
    params(("number" = String, Path, description = "E.164")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn release(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(number): Path<String>,
) -> Result<axum::http::StatusCode, Error> {
    numbers::release(&state.admin, &actor, &number).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
