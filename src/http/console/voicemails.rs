//! The voicemail inbox, for one client or all an admin may see: each message with its
//! player, transcript, caller (tap to call back), when, how long, and who heard and handled
//! it, newest first, a page at a time.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::Session;
use super::{business, handling_badge, length, transcript, zone, Page};
use crate::admin;
use crate::admin::history::{self, CallQuery, Voicemail, VoicemailPage};
use crate::http::state::AppState;
use crate::phone;

const PAGE: u64 = 20;

#[derive(Deserialize, Default)]
pub struct Filter {
    client: Option<String>,
    /// Where the previous page ended.
    after: Option<String>,
}

pub async fn page(State(state): State<AppState>, session: Session, Query(q): Query<Filter>) -> Result<Response, Page> {
    let client = q.client.filter(|c| !c.is_empty());
    let query = CallQuery {
        client: client.clone(),
        cursor: q.after.filter(|a| !a.is_empty()),
        limit: PAGE,
        ..CallQuery::default()
    };
    let VoicemailPage { voicemails, next } = history::voicemails(&state.db, &session.actor, query).await?;
    let here = match &client {
        Some(c) => format!("/admin/voicemails?client={c}"),
        None => "/admin/voicemails".to_owned(),
    };
    let older = next.map(|after| {
        let join = if client.is_some() { '&' } else { '?' };
        format!("{here}{join}after={after}")
    });
    // Whether each business's recordings can be fetched, asked once per business on the page.
    let mut unplayable: HashMap<String, Option<String>> = HashMap::new();
    for v in &voicemails {
        if let Some(c) = &v.call.client_id {
            if !unplayable.contains_key(c) {
                let why = admin::accounts::for_admin(&state.admin, Some(c)).await.err();
                unplayable.insert(c.clone(), why.map(|_| no_twilio(&state, c)));
            }
        }
    }
    let shown = client.clone().or_else(|| session.actor.client.clone());
    let several = shown.is_none();
    let visible = admin::clients(&state.registry, &session.actor);
    let body = html! {
        h1 { "Voicemails" }
        (layout::client_filter(&session, &visible, "/admin/voicemails", client.as_deref()))
        @if voicemails.is_empty() {
            p.muted { "No voicemails yet." }
        }
        ul.inbox {
            @for v in &voicemails {
                @let why = v.call.client_id.as_ref().and_then(|c| unplayable.get(c).cloned().flatten());
                li { (item(&state, v, several, why.as_deref(), &here, &session.csrf)) }
            }
        }
        @if let Some(href) = &older { p { a href=(href) { "Older voicemails" } } }
    };
    let place = Place {
        client: shown.as_deref(),
        tab: Tab::Voicemails,
    };
    Ok(layout::page("Voicemails", Some(&session), place, body).into_response())
}

/// Why a business's recordings cannot be played here, in words.
fn no_twilio(state: &AppState, client: &str) -> String {
    format!(
        "This recording stays in {}'s Twilio account, and this server has no Twilio account to fetch it with.",
        business(state, Some(client))
    )
}

/// One voicemail as a card.
fn item(state: &AppState, v: &Voicemail, several: bool, unplayable: Option<&str>, back: &str, csrf: &str) -> Markup {
    let call = &v.call;
    let tz = zone(state, call.client_id.as_deref());
    let caller = phone::written(&call.from_number, &call.to_number);
    let src = format!("/admin/calls/{}/recording", call.call_sid);
    let handled = v.handling.as_ref().is_some_and(|h| h.handled_at.is_some());
    let recording = v.recording.as_ref();
    html! {
        article.card.voicemail {
            header {
                h2 { span.number { (caller) } }
                (handling_badge(v.handling.as_ref()))
            }
            p.muted {
                (tz.full(call.started_at))
                @if let Some(d) = recording.and_then(|r| r.duration) { " · " (length(d)) }
                @if several { " · " (business(state, call.client_id.as_deref())) }
            }
            @match (recording, unplayable) {
                (None, _) => p.muted { "No recording was kept: the caller hung up before the tone." },
                (Some(_), Some(why)) => p.muted { (why) },
                (Some(_), None) => audio controls preload="none" src=(src) {
                    a href=(src) { "Download the recording" }
                },
            }
            @if let Some(r) = recording { (transcript(r, state.clock.now())) }
            div.actions {
                a.button href={ "tel:" (call.from_number) } { "Call back" }
                form method="post" action={ "/admin/calls/" (call.call_sid) "/handled" } {
                    input type="hidden" name="csrf" value=(csrf);
                    input type="hidden" name="handled" value=(!handled);
                    input type="hidden" name="back" value=(back);
                    button type="submit" { @if handled { "Mark as not handled" } @else { "Mark as handled" } }
                }
                a href={ "/admin/calls/" (call.call_sid) } { "Details" }
            }
        }
    }
}
