//! The page an assistant opens from an alert on their phone, without signing in: that one
//! call's caller (with a button to call back), when, the recording and its transcript, and
//! "mark as handled". The link is the key (`assistants::links`): a wrong, expired or
//! withdrawn one gets the same plain 404 page.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use super::layout::{self, Place, Tab};
use super::outcome::callback_words;
use super::{business, handling_state, length, play, recording_card, zone, Handled, Page};
use crate::admin::{handling, history};
use crate::assistants::links::{self, Opened};
use crate::http::forwarded;
use crate::http::state::AppState;
use crate::phone;

/// The link in the path, when it works.
pub struct Link(Opened);

impl FromRequestParts<AppState> for Link {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Path(token) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| not_valid())?;
        let address = forwarded::of_request(&state.edge, parts).map(|ip| ip.to_string());
        let opened = links::open(&state.db, &state.registry, &token, address, state.clock.now())
            .await
            .map_err(|e| Page::from(e).into_response())?;
        opened.map(Link).ok_or_else(not_valid)
    }
}

fn not_valid() -> Response {
    let body = html! {
        section.card.problem role="alert" {
            h1 { "This link does not work" }
            p { "It may have expired or been withdrawn. Ask your office to look at the call for you." }
        }
    };
    let place = Place {
        client: None,
        tab: Tab::Calls,
    };
    (StatusCode::NOT_FOUND, layout::page("Link not valid", None, place, body)).into_response()
}

pub async fn page(State(state): State<AppState>, Link(opened): Link) -> Result<Response, Page> {
    let record = history::call(&state.db, &opened.actor, &opened.link.call_sid).await?;
    let c = &record.detail.call;
    let tz = zone(&state, c.client_id.as_deref());
    let caller = phone::written(&c.from_number, &c.to_number);
    let business = business(&state, Some(&opened.link.client_id));
    let voicemail = record.detail.recordings.iter().any(|r| r.kind == "voicemail");
    let what = if voicemail { "Voicemail" } else { "Missed call" };
    let here = format!("/l/{}", opened.token);
    let handled = record.handling.as_ref().and_then(|h| h.handled_by.as_ref()).is_some();
    let body = html! {
        h1 { (what) " from " span.number { (caller) } }
        section.card {
            p { (business) ", " (tz.full(c.started_at)) }
            @if let Some(d) = c.duration.filter(|_| !voicemail) { p.muted { "Rang for " (length(d)) } }
            @if let Some(words) = callback_words(&state, c, record.queued.as_ref(), state.clock.now()) { p { (words) } }
            @if c.from_number.starts_with('+') {
                p { a.button href={ "tel:" (c.from_number) } { "Call " span.number { (caller) } " back" } }
            }
        }
        @if !record.detail.recordings.is_empty() {
            (recording_card(&record.detail.recordings, &format!("{here}/recording"), state.clock.now()))
        }
        section.card aria-labelledby="handled-h" {
            h2 #handled-h { "Follow-up" }
            p { (handling_state(record.handling.as_ref(), tz)) }
            form method="post" action={ (here) "/handled" } {
                input type="hidden" name="handled" value=(!handled);
                button type="submit" { @if handled { "Mark as not handled" } @else { "Mark as handled" } }
            }
        }
        p.muted { "This link opens this call only, for " (opened.actor.name) ". It works until " (tz.full(opened.link.expires_at)) "." }
    };
    let place = Place {
        client: None,
        tab: Tab::Calls,
    };
    Ok(layout::page(what, None, place, body).into_response())
}

pub async fn recording(State(state): State<AppState>, Link(opened): Link) -> Result<Response, Page> {
    play(&state, &opened.actor, &opened.link.call_sid).await
}

pub async fn mark(
    State(state): State<AppState>,
    Link(opened): Link,
    form: axum::extract::Form<Handled>,
) -> Result<Response, Page> {
    handling::set_handled(&state.admin, &opened.actor, &opened.link.call_sid, form.handled).await?;
    Ok(Redirect::to(&format!("/l/{}#handled-h", opened.token)).into_response())
}
