//! The `Admin` extractor: a route that takes it rejects requests without a live
//! bearer token (401), and an address that guessed wrong too often with 429
//! (`super::attempts`); what a token may see is decided by [`crate::admin::Actor`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::admin::Actor;
use crate::http::{forwarded, Error};
use crate::state::AppState;
use crate::store::admin;

pub struct Admin(pub Actor);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        // A request without a token guesses nothing, so it is not counted.
        let token = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(Error::Unauthorized)?;
        Ok(Self(Self::actor(state, parts, token).await?))
    }
}

impl Admin {
    /// Who a token is, as every admin surface (API or console) checks it, counting a
    /// wrong one against the address it came from (behind trusted proxies, the client's).
    ///
    /// # Errors
    /// `TooManyRequests` for an address that guessed wrong too often (`super::attempts`),
    /// `Unauthorized` for an unknown or revoked token.
    pub async fn actor(state: &AppState, parts: &Parts, token: &str) -> Result<Actor, Error> {
        let settings = &state.settings;
        let ip = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| {
            forwarded::client_address(c.0.ip(), &parts.headers, &settings.trusted_proxies, settings.proxy_header)
        });
        let now = state.clock.now();
        if let Some(retry_after) = ip.and_then(|ip| state.admin_attempts.blocked_for(ip, now)) {
            return Err(Error::TooManyRequests {
                message: "too many wrong tokens from this address".into(),
                retry_after,
            });
        }
        let Some(row) = admin::find_token(&state.db, token).await? else {
            if let Some(ip) = ip {
                state.admin_attempts.failed(ip, now);
            }
            return Err(Error::Unauthorized);
        };
        Ok(Actor {
            name: row.name,
            client: row.client_id,
            address: ip.map(|ip| ip.to_string()),
        })
    }
}
