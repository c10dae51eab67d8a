//! The admin console under `/admin/`: server-rendered pages for the people who run the
//! phones. Every page calls the same domain functions as the JSON API (`crate::admin`,
//! `crate::admin::history`, `crate::admin::simulation`); tenancy is [`crate::admin::Actor`]'s. Pages
//! read without JavaScript; the little there is only keeps the rules editor's line
//! numbers in step while typing.

mod call_link;
mod calls;
mod charts;
mod conversations;
mod figures;
mod guard;
mod layout;
mod messages;
mod new_client;
mod outcome;
mod replay;
mod rules;
mod rules_form;
mod scheduled;
mod session;
mod templates;
mod today;
mod try_call;
mod versions;
mod voicemails;
mod webhooks;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::Error;
use crate::admin::{handling, recordings, Actor};
use crate::http::admin::recordings::mp3;
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::messaging::transcript::{self, Transcript};
use crate::phone;
use crate::store::handling::HandlingRow;
use crate::store::legs::LegRow;
use crate::store::outbox::OutboxRow;
use crate::store::recordings::RecordingRow;
use crate::twilio::webhooks::PATH_CALL_LINK;

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
        .route("/admin/clients/{id}/figures", get(figures::page))
        .route("/admin/clients/{id}/rules", get(rules::editor).post(rules::submit))
        .route(
            "/admin/clients/{id}/rules/form",
            get(rules_form::page).post(rules_form::submit),
        )
        .route("/admin/new-client", get(new_client::page).post(new_client::create))
        .route("/admin/clients/{id}/rules/versions", get(versions::versions))
        .route("/admin/clients/{id}/rules/diff", get(versions::diff))
        .route(
            "/admin/clients/{id}/rules/rollback",
            get(versions::confirm_rollback).post(versions::rollback),
        )
        .route("/admin/clients/{id}/try", get(try_call::page).post(try_call::draft))
        .route(
            "/admin/clients/{id}/webhooks",
            get(webhooks::page).post(webhooks::create),
        )
        .route(
            "/admin/clients/{id}/webhooks/{endpoint}/enabled",
            post(webhooks::enable),
        )
        .route("/admin/clients/{id}/webhooks/{endpoint}/remove", post(webhooks::remove))
        .route(
            "/admin/clients/{id}/webhooks/{endpoint}/deliveries/{delivery}/redeliver",
            post(webhooks::redeliver),
        )
        .route(
            "/admin/clients/{id}/templates",
            get(templates::page).post(templates::create),
        )
        .route("/admin/clients/{id}/templates/{name}", post(templates::save))
        .route("/admin/clients/{id}/templates/{name}/remove", post(templates::remove))
        .route("/admin/clients/{id}/scheduled", get(scheduled::page))
        .route("/admin/clients/{id}/scheduled/{message}/move", post(scheduled::move_to))
        .route(
            "/admin/clients/{id}/scheduled/{message}/cancel",
            post(scheduled::cancel),
        )
        .route("/admin/calls", get(calls::list))
        .route("/admin/calls/{sid}", get(calls::show))
        .route("/admin/calls/{sid}/recording", get(calls::recording))
        .route("/admin/calls/{sid}/handled", post(calls::mark))
        .route("/admin/calls/{sid}/links/revoke", post(calls::revoke_links))
        .route("/admin/voicemails", get(voicemails::page))
        .route("/admin/messages", get(messages::page))
        .route("/admin/clients/{id}/conversations/{number}", get(conversations::show))
        .route(
            "/admin/clients/{id}/conversations/{number}/reply",
            post(conversations::reply),
        )
        .route(
            "/admin/messages/received/{sid}/media/{index}",
            get(conversations::media),
        )
        .route(&format!("{PATH_CALL_LINK}{{token}}"), get(call_link::page))
        .route(
            &format!("{PATH_CALL_LINK}{{token}}/recording"),
            get(call_link::recording),
        )
        .route(&format!("{PATH_CALL_LINK}{{token}}/handled"), post(call_link::mark))
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

/// New, heard by someone, or handled by someone.
fn handling_badge(handling: Option<&HandlingRow>) -> Markup {
    let heard = handling.and_then(|h| h.heard_by.as_deref());
    match (handling.and_then(|h| h.handled_by.as_deref()), heard) {
        (Some(by), _) => html! { span.badge.open { "Handled" } " " span.muted { "by " (by) } },
        (None, Some(by)) => html! { span.badge { "Heard" } " " span.muted { "by " (by) } },
        (None, None) => html! { span.badge.closed { "New" } },
    }
}

/// Who heard the call's message and who handled it, and when, in words.
fn handling_state(handling: Option<&HandlingRow>, tz: LocalTime) -> Markup {
    let Some(h) = handling else {
        return html! { "Nobody has listened to it or marked it handled yet." };
    };
    html! {
        @if let (Some(by), Some(at)) = (&h.handled_by, h.handled_at) {
            "Handled by " strong { (by) } ", " (tz.full(at)) "."
        } @else if let (Some(by), Some(at)) = (&h.heard_by, h.heard_at) {
            "Listened to by " strong { (by) } ", " (tz.full(at)) "; not marked handled yet."
        } @else {
            "Not handled yet."
        }
    }
}

/// A length of time as people read it: `7:48`, `1:02:05`.
fn length(seconds: i32) -> String {
    let s = seconds.max(0);
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    }
}

/// A call's recordings: a player for the voicemail (else the first recording) from `src`,
/// and each recording's transcript, or why there is none.
fn recording_card(recordings: &[RecordingRow], src: &str, now: DateTime<Utc>) -> Markup {
    html! {
        section.card #voicemail aria-labelledby="recording-h" {
            h2 #recording-h { "Recording" }
            audio controls preload="none" src=(src) {
                a href=(src) { "Download the recording" }
            }
            @for r in recordings {
                div.recording {
                    p.muted {
                        @if r.kind == "voicemail" { "Voicemail" } @else { "Call recording" }
                        @if let Some(d) = r.duration { ", " (length(d)) }
                    }
                    (transcript(r, now))
                }
            }
        }
    }
}

/// A recording's transcript, or why there is none.
fn transcript(recording: &RecordingRow, now: DateTime<Utc>) -> Markup {
    let state = transcript::of(recording, now);
    html! {
        @match (state, state.words()) {
            (Transcript::Written(t), _) => blockquote.transcript { (t) },
            (_, words) => p.muted { (words.unwrap_or_default()) },
        }
    }
}

/// The call's recording, streamed; playing it marks the call's message heard by the actor.
async fn play(state: &AppState, actor: &Actor, call_sid: &str) -> Result<Response, Page> {
    let media = recordings::of_call(&state.admin, actor, call_sid).await?;
    handling::heard(&state.admin, actor, call_sid).await?;
    Ok(mp3(media))
}

/// "Mark as handled" (`true`) or "as not handled" (`false`), from a call's page or link, or
/// the inbox, which names itself in `back` to be shown again.
#[derive(serde::Deserialize)]
pub struct Handled {
    handled: bool,
    #[serde(default)]
    back: Option<String>,
}

impl Handled {
    /// Where to go after: `back` when it is a console page of this server, else `default`.
    fn back_or(&self, default: String) -> String {
        match &self.back {
            Some(b) if b.starts_with("/admin/") && !b.contains("//") && !b.contains('\\') => b.clone(),
            _ => default,
        }
    }
}

/// A client's name as its rules give it (its id when no longer served).
fn business(state: &AppState, client: Option<&str>) -> String {
    let Some(id) = client else {
        return "no client's number".to_owned();
    };
    state
        .registry
        .current(id)
        .map_or_else(|| id.to_owned(), |l| l.rules.name.clone())
}

/// An assistant's name as the client's current rules give it; the outside number when
/// nobody is named; the id itself for someone no longer listed.
fn person(state: &AppState, client: Option<&str>, assistant: Option<&str>) -> String {
    let Some(id) = assistant else {
        return "the outside number".to_owned();
    };
    client
        .and_then(|c| state.registry.current(c))
        .and_then(|l| {
            l.rules
                .assistants
                .iter()
                .find(|a| a.id.as_str() == id)
                .map(|a| a.name.clone())
        })
        .unwrap_or_else(|| id.to_owned())
}

/// A leg's result in words: it took the call, or why not.
/// What happened to one number rung, in words, with its times: "rang 20 s, no answer",
/// "took the call: answered after 8 s, talked 3:12".
fn leg_story(leg: &LegRow, took: bool) -> String {
    let rang = (leg.updated_at - leg.created_at).num_seconds().max(0);
    let talked = leg.duration.filter(|d| *d > 0).map(length);
    match (leg.status.as_str(), took) {
        (_, true) => {
            let after = leg.answered_at.map(|at| (at - leg.created_at).num_seconds().max(0));
            match (after, talked) {
                (Some(after), Some(talked)) => format!("took the call: answered after {after} s, talked {talked}"),
                (Some(after), None) => format!("took the call: answered after {after} s"),
                (None, Some(talked)) => format!("took the call, talked {talked}"),
                (None, None) => "took the call".to_owned(),
            }
        }
        ("no-answer", _) => format!("rang {rang} s, no answer"),
        ("busy", _) => "busy".to_owned(),
        ("failed", _) => "could not be reached".to_owned(),
        ("canceled", _) => format!("rang {rang} s; the caller hung up first"),
        ("completed", false) => "picked up, but did not take the call".to_owned(),
        ("queued" | "initiated" | "ringing", _) => "ringing".to_owned(),
        ("in-progress", _) => "on the call".to_owned(),
        _ => "ended".to_owned(),
    }
}

/// What a message we sent was, in words, and by which channel.
fn sent_what(m: &OutboxRow) -> String {
    let what = match m.purpose.as_str() {
        "voicemail" => "Voicemail alert",
        "voicemail_transcript" => "Voicemail alert with its transcript",
        "transcript" => "Transcript of a voicemail",
        "missed_call" => "Missed-call alert",
        "summary" => "Daily summary",
        "reply" => "Automatic reply",
        "duty" => "Duty confirmation",
        "call" => "Notification call",
        "api" => "Sent through the API",
        other => other,
    };
    match m.kind.as_str() {
        "email" => format!("{what} (e-mail)"),
        "call" => what.to_owned(),
        _ => format!("{what} (text)"),
    }
}

/// Who a message went to: the number as people write it, or the e-mail address.
/// Whom a message went to: one of the team by name, anyone else by their number.
fn sent_to(state: &AppState, m: &OutboxRow) -> String {
    let address = match m.kind.as_str() {
        "email" => m.to_number.clone(),
        _ => phone::written(&m.to_number, &m.from_number),
    };
    let team = state.registry.current(&m.client_id);
    let member = team.as_ref().and_then(|l| {
        (l.rules.assistants.iter())
            .find(|a| a.phone.as_str() == m.to_number || a.email.as_deref() == Some(m.to_number.as_str()))
            .map(|a| a.name.clone())
    });
    match member {
        Some(name) => format!("{name}, {address}"),
        None => address,
    }
}

/// How a message we sent fared, in words: where it is in the outbox, then what Twilio (or
/// the mail server) last reported.
fn sent_delivery(m: &OutboxRow, reported: Option<&str>) -> &'static str {
    match (m.state.as_str(), m.kind.as_str(), reported) {
        ("pending", ..) => "Waiting to be sent",
        ("cancelled", ..) if m.last_error.as_deref() == Some(crate::messaging::worker::OPTED_OUT) => {
            "Not sent: the number replied STOP"
        }
        ("cancelled", ..) => "Not sent: no longer needed",
        ("failed", ..) => "Could not be sent",
        (_, "email", _) => "Accepted by the mail server",
        (_, "call", _) => "Call placed",
        (_, _, Some("delivered")) => "Delivered",
        (_, _, Some("read")) => "Read",
        (_, _, Some("undelivered")) => "Not delivered",
        (_, _, Some("failed")) => "Failed on the way",
        _ => "Sent",
    }
}

/// An instant as a business's local time.
/// How a client's times are shown (UTC for a client no longer served).
fn zone(state: &AppState, client: Option<&str>) -> LocalTime {
    client
        .and_then(|c| state.registry.current(c))
        .map_or(LocalTime::UTC, |l| LocalTime::of(&l.rules))
}
