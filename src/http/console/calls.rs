//! The call log (filterable) and one call: its legs, why it went where it went, the
//! voicemail with its transcript and a player, its follow-up (heard, handled, the
//! assistants' links), and the alerts sent with their delivery.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use maud::html;
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::outcome::{callback_words, outcome_badge};
use super::session::{Posted, Session};
use super::{
    business, handling_state, leg_story, length, person, play, recording_card, sent_delivery, sent_to, sent_what, zone,
    Handled, Page,
};
use crate::admin;
use crate::admin::handling;
use crate::admin::history::{self, CallPage, CallQuery};
use crate::http::state::AppState;
use crate::http::Error;
use crate::phone;
use crate::routing::schedule::day_start;
use crate::store::calls::CallRow;

const PAGE: u64 = 50;

/// The outcomes the log is filtered by, as the store keeps them and in words.
const OUTCOMES: [(&str, &str); 4] = [
    ("answered", "Answered"),
    ("awaiting_callback", "Waiting for a call back"),
    ("missed", "Missed"),
    ("voicemail", "Voicemail"),
];

#[derive(Deserialize, Default)]
pub struct Filter {
    client: Option<String>,
    outcome: Option<String>,
    caller: Option<String>,
    /// A local date (`2026-12-25`) in the client's zone.
    day: Option<String>,
    /// Where the previous page ended.
    after: Option<String>,
}

fn given(s: &Option<String>) -> Option<String> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

pub async fn list(State(state): State<AppState>, session: Session, Query(q): Query<Filter>) -> Result<Response, Page> {
    let client = given(&q.client);
    let shown = client.clone().or_else(|| session.actor.client.clone());
    let tz = zone(&state, shown.as_deref());
    let day = match given(&q.day) {
        Some(d) => Some(
            NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                .map_err(|_| Error::BadRequest(format!("`{d}` is not a date like 2026-12-25")))?,
        ),
        None => None,
    };
    let bound = |d: NaiveDate| Some(day_start(tz.tz, d));
    let outcome = given(&q.outcome);
    let query = CallQuery {
        client: client.clone(),
        outcome: outcome.clone(),
        caller: given(&q.caller),
        since: day.and_then(bound),
        until: day.and_then(|d| d.succ_opt()).and_then(bound),
        cursor: given(&q.after),
        limit: PAGE,
        ..CallQuery::default()
    };
    let CallPage { calls, next } = history::calls(&state.db, &session.actor, query).await?;
    let queued = history::queued(&state.db, &calls).await?;
    let now = state.clock.now();
    let older = next.map(|after| {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in [
            ("client", &q.client),
            ("outcome", &q.outcome),
            ("caller", &q.caller),
            ("day", &q.day),
        ] {
            if let Some(v) = given(value) {
                link.append_pair(key, &v);
            }
        }
        format!("/admin/calls?{}", link.append_pair("after", &after).finish())
    });
    let visible = admin::clients(&state.registry, &session.actor);
    let several = shown.is_none();
    let body = html! {
        h1 { "Calls" }
        form.filters method="get" action="/admin/calls" {
            @if session.actor.client.is_none() {
                (layout::client_field(&visible, client.as_deref()))
            } @else if let Some(c) = &shown {
                input type="hidden" name="client" value=(c);
            }
            div.field {
                label for="outcome" { "Outcome" }
                select #outcome name="outcome" {
                    option value="" { "Any" }
                    @for (v, label) in OUTCOMES {
                        option value=(v) selected[outcome.as_deref() == Some(v)] { (label) }
                    }
                }
            }
            div.field {
                label for="caller" { "Caller's number, or its last digits" }
                input #caller type="tel" name="caller" value=(q.caller.as_deref().unwrap_or(""));
            }
            div.field {
                label for="day" { "Day" }
                input #day type="date" name="day" value=(q.day.as_deref().unwrap_or(""));
            }
            button type="submit" { "Filter" }
        }
        @if calls.is_empty() { p.muted { "No calls match." } }
        @if !calls.is_empty() { div.scroll {
            table.calls {
                thead { tr {
                    th { "When" }
                    @if several { th { "Business" } }
                    th { "From" } th { "Outcome" } th { "Answered by" } th { "Length" }
                } }
                tbody {
                    @for c in &calls {
                        @let client = c.client_id.as_deref();
                        @let tz = zone(&state, client);
                        tr {
                            td data-label="When" { a href={ "/admin/calls/" (c.call_sid) } { (tz.full(c.started_at)) } }
                            @if several { td data-label="Business" { (business(&state, client)) } }
                            @let placed = placed_by_the_office(c);
                            td data-label="From" {
                                @if placed { "Placed by the office to " span.number { (phone::written(&c.to_number, &c.from_number)) } }
                                @else { span.number { (phone::written(&c.from_number, &c.to_number)) } }
                            }
                            td data-label="Outcome" {
                                (outcome_badge(c))
                                @if let Some(words) = callback_words(&state, c, queued.get(&c.call_sid), now) {
                                    br; span.muted.small { (words) }
                                }
                            }
                            td data-label="Answered by" {
                                @if placed || c.outcome.as_deref() == Some("answered") { (person(&state, client, c.answered_by.as_deref())) }
                            }
                            td data-label="Length" { @if let Some(d) = c.duration { (length(d)) } }
                        }
                    }
                }
            }
        } }
        @if let Some(href) = &older { p { a href=(href) { "Older calls" } } }
    };
    let place = Place {
        client: shown.as_deref(),
        tab: Tab::Calls,
    };
    Ok(layout::page("Calls", Some(&session), place, body).into_response())
}

pub async fn show(State(state): State<AppState>, session: Session, Path(sid): Path<String>) -> Result<Response, Page> {
    let record = crate::admin::history::call(&state.db, &session.actor, &sid).await?;
    let trace = record.trace();
    let c = &record.detail.call;
    let client = c.client_id.as_deref();
    let tz = zone(&state, client);
    let recordings = &record.detail.recordings;
    let handled = record.handling.as_ref().is_some_and(|h| h.handled_by.is_some());
    // Unscreened legs (the outside number) take a call by answering it.
    let answered = c.outcome.as_deref() == Some("answered");
    let placed = placed_by_the_office(c);
    let (customer, office) = if placed {
        (&c.to_number, &c.from_number)
    } else {
        (&c.from_number, &c.to_number)
    };
    let body = html! {
        h1 { @if placed { "Call to " } @else { "Call from " } span.number { (phone::written(customer, office)) } }
        section.card {
            dl.facts {
                div { dt { "When" } dd { (tz.full(c.started_at)) } }
                div { dt { "Business" } dd { (business(&state, client)) " " span.number { (phone::written(office, office)) } } }
                div { dt { "Outcome" } dd { (outcome_badge(c)) } }
                @if let Some(words) = callback_words(&state, c, record.queued.as_ref(), state.clock.now()) {
                    div { dt { "Call back" } dd { (words) } }
                }
                @if placed { div { dt { "Placed by the office" } dd { (person(&state, client, c.answered_by.as_deref())) " was rung first, then the customer" } } }
                @else if c.outcome.as_deref() == Some("answered") { div { dt { "Answered by" } dd { (person(&state, client, c.answered_by.as_deref())) } } }
                @if let Some(d) = c.duration { div { dt { "Length" } dd { (length(d)) } } }
                @if let Some(v) = c.rules_version { div { dt { "Rules version" } dd { (v) } } }
            }
        }
        section.card aria-labelledby="why" {
            h2 #why { "Why it went where it went" }
            @if trace.is_empty() { p.muted { "No decision was recorded for this call." } }
            ol.trace { @for line in &trace { li { (line) } } }
        }
        @if !recordings.is_empty() {
            (recording_card(recordings, &format!("/admin/calls/{}/recording", c.call_sid), state.clock.now()))
        }
        // An answered call needs no follow-up unless someone already gave it one.
        @if c.client_id.is_some() && (!answered || record.handling.is_some()) {
            section.card #follow-up aria-labelledby="follow-up-h" {
                h2 #follow-up-h { "Follow-up" }
                p { (handling_state(record.handling.as_ref(), tz)) }
                form method="post" action={ "/admin/calls/" (c.call_sid) "/handled" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="handled" value=(!handled);
                    button type="submit" { @if handled { "Mark as not handled" } @else { "Mark as handled" } }
                }
                @if !record.alerts.is_empty() {
                    form method="post" action={ "/admin/calls/" (c.call_sid) "/links/revoke" } {
                        input type="hidden" name="csrf" value=(session.csrf);
                        p.muted { "Each alert carries a link that opens this call without signing in. Withdraw them if a phone was lost or someone left." }
                        button type="submit" { "Withdraw the links sent for this call" }
                    }
                }
            }
        }
        section.card aria-labelledby="legs-h" {
            h2 #legs-h { "Who was rung" }
            @if record.detail.legs.is_empty() { p.muted { "Nobody was rung." } } @else { div.scroll {
                table {
                    thead { tr { th { "Step" } th { "Who" } th { "Number" } th { "What happened" } } }
                    tbody {
                        @for l in &record.detail.legs {
                            tr {
                                td data-label="Step" { (l.step + 1) }
                                td data-label="Who" { (person(&state, client, l.assistant_id.as_deref())) }
                                td data-label="Number" { span.number { (phone::written(&l.number, &c.to_number)) } }
                                td data-label="What happened" {
                                    (leg_story(l, l.accepted || (answered && l.status == "completed" && l.assistant_id == c.answered_by)))
                                }
                            }
                        }
                    }
                }
            } }
        }
        section.card aria-labelledby="alerts-h" {
            h2 #alerts-h { "Alerts sent" }
            @if record.alerts.is_empty() { p.muted { "No alerts." } } @else { div.scroll {
                table {
                    thead { tr { th { "What" } th { "To" } th { "Delivery" } th { "Text" } } }
                    tbody {
                        @for a in &record.alerts {
                            tr {
                                td data-label="What" { (sent_what(&a.message)) }
                                td data-label="To" { span.number { (sent_to(&state, &a.message)) } }
                                td data-label="Delivery" {
                                    (sent_delivery(&a.message, a.delivery.as_deref()))
                                    @if let Some(code) = a.message.error_code { " (error " (code) ")" }
                                }
                                td data-label="Text" { (a.message.body) }
                            }
                        }
                    }
                }
            } }
        }
    };
    let place = Place {
        client: c.client_id.as_deref(),
        tab: Tab::Calls,
    };
    Ok(layout::page("Call", Some(&session), place, body).into_response())
}

pub async fn recording(
    State(state): State<AppState>,
    session: Session,
    Path(sid): Path<String>,
) -> Result<Response, Page> {
    play(&state, &session.actor, &sid).await
}

pub async fn mark(
    State(state): State<AppState>,
    Path(sid): Path<String>,
    Posted(session, form): Posted<Handled>,
) -> Result<Redirect, Page> {
    handling::set_handled(&state.admin, &session.actor, &sid, form.handled).await?;
    Ok(Redirect::to(&form.back_or(format!("/admin/calls/{sid}#follow-up"))))
}

pub async fn revoke_links(
    State(state): State<AppState>,
    Path(sid): Path<String>,
    Posted(session, _): Posted<serde::de::IgnoredAny>,
) -> Result<Redirect, Page> {
    handling::revoke_links(&state.admin, &session.actor, &sid).await?;
    Ok(Redirect::to(&format!("/admin/calls/{sid}#follow-up")))
}

/// A call the office placed (a click-to-call, a notification call), not a caller's: its
/// other party is the number called.
fn placed_by_the_office(call: &CallRow) -> bool {
    call.direction.starts_with("outbound")
}
