//! Signing in and out, the session cookie, and CSRF tokens.
//!
//! The session is the admin token itself, in an HttpOnly, SameSite=Strict cookie scoped
//! to `/admin` (Secure when the public URL is https), checked on every request exactly as
//! the API checks a bearer token, so revoking a token ends its console sessions too.
//! Every form carries an HMAC of the token: a page on another site can neither read the
//! cookie nor forge it. The sign-in form, before there is a session, uses a random
//! double-submit value instead.

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

const SESSION: &str = "sb_session";
const SIGN_IN: &str = "sb_sign_in";

/// A signed-in admin, and the CSRF token their forms carry.
pub struct Session {
    pub actor: Actor,
    pub csrf: String,
}

fn mac(token: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(b"switchboard console forms");
    mac
}

impl FromRequestParts<AppState> for Session {
    type Rejection = Page;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = session_token(&parts.headers).ok_or(Page::SignIn)?;
        let actor = Admin::actor(state, parts, &token).await?;
        let csrf = URL_SAFE_NO_PAD.encode(mac(&token).finalize().into_bytes());
        Ok(Self { actor, csrf })
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

fn session_token(headers: &HeaderMap) -> Option<String> {
    let raw = URL_SAFE_NO_PAD.decode(cookie(headers, SESSION)?).ok()?;
    String::from_utf8(raw).ok()
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
        let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
            .await
            .map_err(|_| Error::BadRequest("the form is too large".into()))?;
        let given: Csrf = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        let token = session_token(&parts.headers).ok_or(Page::SignIn)?;
        let genuine = given
            .csrf
            .and_then(|c| URL_SAFE_NO_PAD.decode(c).ok())
            .is_some_and(|c| mac(&token).verify_slice(&c).is_ok());
        if !genuine {
            return Err(Page::CrossSite);
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        Ok(Self(session, form))
    }
}

fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<u32>) -> HeaderValue {
    let secure = state
        .settings
        .public_url
        .as_ref()
        .is_some_and(|u| u.scheme() == "https");
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
            p { "Paste the admin token you were given. It stays in this browser until you sign out." }
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
    let bytes = axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| Error::BadRequest("the form is too large".into()))?;
    let form: SignIn = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
    if cookie(&parts.headers, SIGN_IN) != Some(form.csrf.as_str()) {
        return Err(Page::CrossSite);
    }
    let token = form.token.trim();
    let actor = match Admin::actor(&state, &parts, token).await {
        Ok(actor) => actor,
        Err(Error::Unauthorized) => {
            return Ok(form_refused(&state));
        }
        Err(e) => return Err(e.into()),
    };
    let home = match &actor.client {
        Some(c) => format!("/admin/clients/{c}"),
        None => "/admin/".to_owned(),
    };
    let mut response = Redirect::to(&home).into_response();
    let headers = response.headers_mut();
    let value = URL_SAFE_NO_PAD.encode(token);
    headers.append(header::SET_COOKIE, set_cookie(&state, SESSION, &value, None));
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

pub async fn sign_out(State(state): State<AppState>, Posted(_, Nothing {}): Posted<Nothing>) -> Response {
    let mut response = Redirect::to("/admin/sign-in").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(&state, SESSION, "", Some(0)));
    response
}
