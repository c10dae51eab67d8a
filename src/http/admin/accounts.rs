//! A client's own Twilio account (stored, masked, removed) and the check of every account
//! against Twilio. The token goes in once and never comes back out.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Admin, ErrorBody, Json, Path};
use crate::admin::accounts::{self, AccountView, Check};
use crate::http::state::AppState;
use crate::http::Error;

/// No `Debug`: the token must not reach a log line.
#[derive(Deserialize, ToSchema)]
pub struct Credentials {
    #[schema(example = "AC0123456789abcdef0123456789abcdef")]
    account_sid: String,
    /// Checked with Twilio, then stored encrypted; never returned.
    auth_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct TwilioAccount {
    account_sid: String,
    /// The last four characters only, e.g. `••••••••cdef`.
    auth_token: String,
    /// False when the stored token cannot be decrypted with this server's SWITCHBOARD_SECRET_KEY.
    token_readable: bool,
    /// When Twilio last accepted these credentials.
    validated_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AccountView> for TwilioAccount {
    fn from(v: AccountView) -> Self {
        Self {
            account_sid: v.account_sid,
            auth_token: v.masked_token,
            token_readable: v.token_readable,
            validated_at: v.validated_at,
            updated_at: v.updated_at,
        }
    }
}

/// The client's own Twilio account, with the token masked.
#[utoipa::path(get, path = "/api/clients/{id}/twilio-account", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    responses((status = 200, body = TwilioAccount), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<TwilioAccount>, Error> {
    Ok(Json(accounts::show(&state.admin, &actor, &id).await?.into()))
}

/// Stores the client's own Twilio account once Twilio accepts the credentials (encrypted at
/// rest); the client's messages and webhooks use it from then on.
#[utoipa::path(put, path = "/api/clients/{id}/twilio-account", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    request_body = Credentials,
    responses((status = 200, body = TwilioAccount), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the server has no SWITCHBOARD_SECRET_KEY", body = ErrorBody), (status = 415, body = ErrorBody),
        (status = 422, description = "Twilio refused the credentials", body = ErrorBody),
        (status = 502, description = "Twilio could not be asked", body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(body): Json<Credentials>,
) -> Result<Json<TwilioAccount>, Error> {
    let token = SecretString::from(body.auth_token);
    Ok(Json(
        accounts::set(&state.admin, &actor, &id, &body.account_sid, token)
            .await?
            .into(),
    ))
}

/// Removes the client's own account: its messages go through the server's account again.
#[utoipa::path(delete, path = "/api/clients/{id}/twilio-account", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<StatusCode, Error> {
    accounts::remove(&state.admin, &actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct TwilioStatus {
    /// No TWILIO_AUTH_TOKEN: clients without an account of their own send to the log.
    local_mode: bool,
    accounts: Vec<AccountStatus>,
}

#[derive(Serialize, ToSchema)]
pub struct AccountStatus {
    /// The client whose own account it is; `null` for the server's (TWILIO_ACCOUNT_SID).
    client: Option<String>,
    account_sid: String,
    /// Twilio accepts the credentials and the account is active.
    ok: bool,
    /// Twilio's status of the account: `active`, `suspended` or `closed`.
    status: Option<String>,
    /// Twilio's error code when it refused (20003: wrong credentials).
    error_code: Option<i64>,
    error: Option<String>,
}

impl From<Check> for AccountStatus {
    fn from(c: Check) -> Self {
        Self {
            client: c.client,
            account_sid: c.account_sid,
            ok: c.ok,
            status: c.status,
            error_code: c.error_code,
            error: c.error,
        }
    }
}

/// Which Twilio accounts are configured and whether each works now (a scoped token sees only
/// its client's).
#[utoipa::path(get, path = "/api/twilio/status", tag = "messages", security(("bearer" = [])),
    responses((status = 200, body = TwilioStatus), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn status(State(state): State<AppState>, Admin(actor): Admin) -> Result<Json<TwilioStatus>, Error> {
    let checks = accounts::status(&state.admin, &actor).await?;
    Ok(Json(TwilioStatus {
        local_mode: state.server_account.local_mode(),
        accounts: checks.into_iter().map(Into::into).collect(),
    }))
}
