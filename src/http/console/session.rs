//! Signing in and out, the session cookie, and CSRF tokens.
//!
//! Signing in with an admin token begins a server-side session: a new random id (256 bits) goes
//! in an HttpOnly, SameSite=Strict cookie scoped to `/admin` (Secure when the public URL is
//! https), and only its SHA-256 is stored, with the token it belongs to. A session ends when
//! it has been idle too long (`SWITCHBOARD_SESSION_IDLE_MINUTES`), when it is too old
//! (`SWITCHBOARD_SESSION_HOURS`), at sign-out, or when its token is revoked; a copied cookie is
//! no API token. Every form carries an HMAC of the session id: a page on another site can
//! neither read the cookie nor forge it. The sign-in form, before there is a session, uses a
//! random double-submit value instead.

use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use maud::html;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use sha2::Sha256;

use super::layout::{self, Place, Tab};
use super::Page;
use crate::admin::Actor;
use crate::http::admin::Admin;
use crate::http::state::AppState;
use crate::http::{Error, MAX_BODY_BYTES};
use crate::store::sessions;

const SESSION: &str = "sb_session";
const SIGN_IN: &str = "sb_sign_in";

/// A signed-in admin, and the CSRF token their forms carry.
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
    /// The session's id, as the cookie carries it.
    id: String,
}

fn mac(session_id: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(session_id.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"switchboard console forms");
    mac
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Page;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let id = cookie(&parts.headers, SESSION).ok_or(Page::SignIn)?.to_owned();
        let row = sessions::token_of(&state.db, &id, state.edge.sessions, state.clock.now())
            .await?
            .ok_or(Page::SignIn)?;
        let actor = Admin::actor_of(state, parts, row);
        let csrf = URL_SAFE_NO_PAD.encode(mac(&id).finalize().into_bytes());
        Ok(Self { actor, csrf, id })
    }
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find_map(|(k, v)| (k == name).then_some(v))
}

/// A form posted by a signed-in admin, refused (403) without this session's CSRF token.
pub struct Posted<T>(pub Session, pub T);

#[derive(Deserialize)]
struct Csrf {
    csrf: Option<String>,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Posted<T> {
    type Rejection = Page;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let session = Session::from_request_parts(&mut parts, state).await?;
        let bytes = form_body(body).await?;
        let given: Csrf = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        let genuine = given
            .csrf
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .is_some_and(|c| mac(&session.id).verify_slice(&c).is_ok());
        if !genuine {
            return Err(Page::CrossSite);
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        Ok(Self(session, form))
    }
}

/// A posted form's bytes; the server's request deadline (`crate::serve`) also ends the read.
async fn form_body(body: axum::body::Body) -> Result<axum::body::Bytes, Error> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| Error::BadRequest("the form is too large, or did not arrive in time".into()))
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u32>) -> HeaderValue {
    let secure = state.edge.public_url.as_ref().is_some_and(|u| u.scheme() == "https");
    let mut c = format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Strict");
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        c.push_str("; Secure");
    }
    HeaderValue::from_str(&c).expect("cookie values are base64")
}

pub async fn sign_in_page(State(state): State<AppState>) -> Response {
    form(&state, StatusCode::OK, None)
}

fn form(state: &AppState, status: StatusCode, refused: Option<&str>) -> Response {
    let nonce = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 24]>());
    let body = html! {
        section.card.narrow {
            h1 { "Sign in" }
            p { "Paste the admin token you were given. You stay signed in on this browser until you sign out or leave it idle." }
            @if let Some(r) = refused {
                p.error role="alert" { (r) }
            }
            form method="post" action="/admin/sign-in" {
                input type="hidden" name="csrf" value=(nonce);
                label for="token" { "Admin token" }
                input #token type="password" name="token" required autocomplete="current-password";
                button type="submit" { "Sign in" }
            }
        }
    };
    let place = Place {
        client: None,
        tab: Tab::Clients,
    };
    let mut response = (status, layout::page("Sign in", None, place, body)).into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(state, SIGN_IN, &nonce, None));
    response
}

#[derive(Deserialize)]
pub struct SignIn {
    token: String,
    csrf: String,
}

pub async fn sign_in(State(state): State<AppState>, request: Request) -> Result<Response, Page> {
    let (parts, body) = request.into_parts();
    let bytes = form_body(body).await?;
    let form: SignIn = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
    if cookie(&parts.headers, SIGN_IN) != Some(form.csrf.as_str()) {
        return Err(Page::CrossSite);
    }
    let token = form.token.trim();
    let row = match Admin::token(&state, &parts, token).await {
        Ok(row) => row,
        Err(Error::Unauthorized) => {
            return Ok(form_refused(&state));
        }
        Err(e) => return Err(e.into()),
    };
    let (now, expiry) = (state.clock.now(), state.edge.sessions);
    sessions::forget_expired(&state.db, expiry, now).await?;
    // Always a new id: one set before signing in (by whoever) never becomes a session.
    if let Some(previous) = cookie(&parts.headers, SESSION) {
        sessions::end(&state.db, previous).await?;
    }
    let id = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    sessions::begin(&state.db, &id, row.id, now).await?;
    let home = match &row.client_id {
        Some(c) => format!("/admin/clients/{c}"),
        None => "/admin/".to_owned(),
    };
    let mut response = Redirect::to(&home).into_response();
    let headers = response.headers_mut();
    let lifetime = u32::try_from(expiry.absolute.num_seconds()).unwrap_or(u32::MAX);
    headers.append(header::SET_COOKIE, set_cookie(&state, SESSION, &id, Some(lifetime)));
    headers.append(header::SET_COOKIE, set_cookie(&state, SIGN_IN, "", Some(0)));
    Ok(response)
}

fn form_refused(state: &AppState) -> Response {
    form(
        state,
        StatusCode::UNAUTHORIZED,
        Some("That token is not valid, or it was revoked. Check it and try again."),
    )
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn sign_out(
    State(state): State<AppState>,
    Posted(session, Nothing {}): Posted<Nothing>,
) -> Result<Response, Page> {
    sessions::end(&state.db, &session.id).await?;
    let mut response = Redirect::to("/admin/sign-in").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&state, SESSION, "", Some(0)));
    Ok(response)
}
