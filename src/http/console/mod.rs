//! The admin console under `/admin/`: server-rendered pages for the people who run the
//! phones. Every page calls the same domain functions as the JSON API (`crate::admin`,
//! `crate::admin::history`, `crate::admin::simulation`); tenancy is [`crate::admin::Actor`]'s. Pages
//! read without JavaScript; the little there is only keeps the rules editor's line
//! numbers in step while typing.

mod calls;
mod guard;
mod layout;
mod messages;
mod rules;
mod session;
mod today;
mod try_call;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Error;
use crate::http::state::AppState;

const CSS: &str = include_str!("assets/console.css");
const JS: &str = include_str!("assets/console.js");

pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/", get(today::index))
        .route("/admin/sign-in", get(session::sign_in_page).post(session::sign_in))
        .route("/admin/sign-out", post(session::sign_out))
        .route(
            "/admin/assets/console.css",
            get(|| asset("text/css; charset=utf-8", CSS)),
        )
        .route(
            "/admin/assets/console.js",
            get(|| asset("text/javascript; charset=utf-8", JS)),
        )
        .route("/admin/clients/{id}", get(today::show))
        .route("/admin/clients/{id}/assistants/{assistant}/duty", post(today::duty))
        .route("/admin/clients/{id}/rules", get(rules::editor).post(rules::submit))
        .route("/admin/clients/{id}/rules/versions", get(rules::versions))
        .route("/admin/clients/{id}/rules/diff", get(rules::diff))
        .route("/admin/clients/{id}/rules/rollback", post(rules::rollback))
        .route("/admin/clients/{id}/try", get(try_call::page).post(try_call::draft))
        .route("/admin/calls", get(calls::list))
        .route("/admin/calls/{sid}", get(calls::show))
        .route("/admin/calls/{sid}/recording", get(calls::recording))
        .route("/admin/messages", get(messages::page))
        .layer(axum::middleware::from_fn_with_state(state.clone(), guard::guard))
}

async fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// Why a console page could not be shown: the API's errors, answered as pages.
#[derive(Debug)]
pub enum Page {
    /// No session, or its token was revoked: to the sign-in page.
    SignIn,
    /// A form without this session's CSRF token.
    CrossSite,
    Failed(Error),
}

/// Whatever the API answers as an error, the console answers as a page.
impl<E> From<E> for Page
where
    Error: From<E>,
{
    fn from(e: E) -> Self {
        match Error::from(e) {
            Error::Unauthorized => Self::SignIn,
            e => Self::Failed(e),
        }
    }
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        match self {
            Self::SignIn => Redirect::to("/admin/sign-in").into_response(),
            Self::CrossSite => layout::problem(
                StatusCode::FORBIDDEN,
                "This form has expired or did not come from this console. Go back, reload the page and try again.",
            ),
            Self::Failed(e) => {
                let told = e.told();
                layout::problem(told.status, &told.message)
            }
        }
    }
}

/// An instant as a business's local time.
fn local(tz: Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz).format("%a %d %b %Y, %H:%M").to_string()
}

/// The time zone a client's times are shown in (UTC for a client no longer served).
fn zone(state: &AppState, client: Option<&str>) -> Tz {
    client
        .and_then(|c| state.registry.current(c))
        .map_or(Tz::UTC, |l| l.rules.timezone)
}
