//! The `Admin` extractor: a route that takes it rejects requests without a live
//! bearer token (401); what a token may see is decided by [`crate::admin::Actor`].

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use crate::admin::Actor;
use crate::http::Error;
use crate::state::AppState;
use crate::store::admin;

pub struct Admin(pub Actor);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
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
    /// Who a token is, as every admin surface (API or console) checks it.
    ///
    /// # Errors
    /// `Unauthorized` for an unknown or revoked token.
    pub async fn actor(state: &AppState, parts: &Parts, token: &str) -> Result<Actor, Error> {
        let row = admin::find_token(&state.db, token).await?.ok_or(Error::Unauthorized)?;
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        Ok(Actor {
            name: row.name,
            client: row.client_id,
            address,
        })
    }
}
