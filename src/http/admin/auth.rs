//! The `Admin` extractor: a route that takes it rejects requests without a live
//! bearer token (401), and an address that guessed wrong too often with 429
//! (`super::attempts`); what a token may see is decided by [`crate::admin::Actor`].

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::admin::Actor;
use crate::http::state::AppState;
use crate::http::{forwarded, Error};
use crate::store::admin::{self, TokenRow};

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
    /// Who a token is, as the API checks it, counting a wrong one against the address it came
    /// from (behind trusted proxies, the client's).
    ///
    /// # Errors
    /// As [`Admin::token`].
    pub async fn actor(state: &AppState, parts: &Parts, token: &str) -> Result<Actor, Error> {
        let row = Self::token(state, parts, token).await?;
        Ok(Self::actor_of(state, parts, row))
    }

    /// The live token `token`, as every admin surface (API or console sign-in) checks it.
    ///
    /// # Errors
    /// `TooManyRequests` for an address that guessed wrong too often (`super::attempts`),
    /// `Unauthorized` for an unknown or revoked token.
    pub async fn token(state: &AppState, parts: &Parts, token: &str) -> Result<TokenRow, Error> {
        let ip = forwarded::of_request(&state.edge, parts);
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
        Ok(row)
    }

    /// The admin a live token (or a console session's) stands for, at the request's address.
    pub fn actor_of(state: &AppState, parts: &Parts, row: TokenRow) -> Actor {
        Actor {
            name: row.name,
            client: row.client_id,
            address: forwarded::of_request(&state.edge, parts).map(|ip| ip.to_string()),
        }
    }
}
