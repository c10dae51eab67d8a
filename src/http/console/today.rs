//! The clients an admin may see, and one client's day at a glance: open or closed and
//! until when, calls on the line and callers owed a call back, who is on duty (with the
//! switches), today's calls, the latest voicemails.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::outcome::owed_words;
use super::session::{Posted, Session};
use super::{handling_badge, length, person, zone, Page};
use crate::admin;
use crate::admin::history;
use crate::admin::live::LiveCall;
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::phone;
use crate::routing::schedule::day_start;
use crate::rules::registry::Loaded;
use crate::store::queue::QueueCaller;

/// Clients a page of the console's list shows.
const CLIENTS_PAGE: u64 = 100;

#[derive(Deserialize)]
pub struct MoreClients {
    /// The last client of the previous page.
    after: Option<String>,
}

pub async fn index(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<MoreClients>,
) -> Result<Response, Page> {
    if let Some(mine) = &session.actor.client {
        return Ok(Redirect::to(&format!("/admin/clients/{mine}")).into_response());
    }
    let now = state.clock.now();
    let (clients, next) = admin::clients_page(&state.registry, &session.actor, q.after.as_deref(), CLIENTS_PAGE)?;
    let more = next.map(|after| {
        let query = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("after", &after)
            .finish();
        format!("/admin/?{query}")
    });
    let body = html! {
        h1 { "Clients" }
        @if clients.is_empty() {
            p { "No client is served yet: add one below, add a rule file to the rules folder, or save rules through the API." }
        }
        p { a.button href="/admin/new-client" { "Add a business" } }
        ul.cards {
            @for l in &clients {
                li.card {
                    h2 { a href={ "/admin/clients/" (l.rules.client) } { (l.rules.name) } }
                    (open_badge(l, now))
                    // Each number as dialled where the business is.
                    p.muted { (l.rules.numbers.iter().map(|n| phone::written(n.as_str(), n.as_str())).collect::<Vec<_>>().join(", ")) }
                }
            }
        }
        @if let Some(href) = &more { p { a href=(href) { "More clients" } } }
    };
    let place = Place {
        client: None,
        tab: Tab::Clients,
    };
    Ok(layout::page("Clients", Some(&session), place, body).into_response())
}

fn open_badge(l: &Loaded, now: chrono::DateTime<Utc>) -> Markup {
    let status = l.rules.hours.status_at(l.rules.timezone, now);
    let (class, word, when) = match (status.open, status.until, status.next_open) {
        (true, Some(until), _) => ("open", "Open", format!("until {}", LocalTime::of(&l.rules).full(until))),
        (true, None, _) => ("open", "Open", String::new()),
        (false, _, Some(next)) => (
            "closed",
            "Closed",
            format!("opens {}", LocalTime::of(&l.rules).full(next)),
        ),
        (false, _, None) => ("closed", "Closed", "no opening hours ahead".to_owned()),
    };
    html! {
        p.status {
            span class={ "badge " (class) } { (word) } " " (when)
        }
        p.muted { (status.reason(&l.rules)) }
    }
}

pub async fn show(State(state): State<AppState>, session: Session, Path(id): Path<String>) -> Result<Response, Page> {
    let (loaded, assistants) = admin::assistants(&state.admin, &session.actor, &id).await?;
    let tz = loaded.rules.timezone;
    let now = state.clock.now();
    let since = day_start(tz, now.with_timezone(&tz).date_naive());
    let today = history::stats(
        &state.db,
        &state.registry,
        &session.actor,
        &id,
        since,
        now + Duration::seconds(1),
    )
    .await?;
    let voicemails = history::latest_voicemails(&state.db, &session.actor, &id, 5).await?;
    let (live, allowed) = admin::live::calls(&state.db, &state.registry, &session.actor, &id, now).await?;
    let owed = admin::live::owed_callbacks(&state.db, &state.registry, &session.actor, &id).await?;
    // Numbers are written as people near the business write them.
    let home = loaded.rules.numbers.first().map_or("", |n| n.as_str());
    // Callers' calls only: those the office placed, and blocked callers, are counted apart.
    let unfinished: u64 = today.by_day.iter().map(|d| d.not_finished).sum();
    let body = html! {
        h1 { (loaded.rules.name) }
        section.card #right-now data-refresh aria-labelledby="now" {
            h2 #now { "Right now" }
            (open_badge(&loaded, now))
            (on_the_line(&state, &id, &live, allowed, home))
            @if !owed.is_empty() { (owed_callbacks(&state, &owed, home, now)) }
        }
        section.card #today-figures data-refresh aria-labelledby="calls-today" {
            h2 #calls-today { "Calls today" }
            dl.figures {
                div { dt { "Calls" } dd { (today.calls) } }
                div { dt { "Answered" } dd { (today.answered) } }
                div { dt { "Missed" } dd { (today.missed) } }
                // Callers who hung up to keep their place: owed a call, not lost.
                @if today.awaiting_callback > 0 {
                    div { dt { "Waiting for a call back" } dd { (today.awaiting_callback) } }
                }
                div { dt { "Voicemails" } dd { (today.voicemails) } }
                @if today.blocked > 0 {
                    div { dt { "Blocked" } dd { (today.blocked) } }
                }
                // So the figures add up to the calls: those still ringing or on the line.
                div { dt { "Not finished" } dd { (unfinished) } }
                @if today.outbound > 0 { div { dt { "Placed by the office" } dd { (today.outbound) } } }
            }
            p { a href={ "/admin/calls?client=" (id) } { "All calls" } }
        }
        section.card #assistants aria-labelledby="assistants-h" {
            h2 #assistants-h { "Assistants" }
            p.muted { "Who is rung when a call comes in. A change takes effect from the next call." }
            ul.duty {
                @for a in &assistants {
                    li data-assistant=(a.id) {
                        span.who {
                            strong { (a.name) }
                            " " span.muted.number { (phone::written(&a.phone, home)) }
                        }
                        @if a.on_duty {
                            span.badge.open { "On duty" }
                        } @else {
                            span.badge.closed { "Off duty" }
                        }
                        form method="post" action={ "/admin/clients/" (id) "/assistants/" (a.id) "/duty" } {
                            input type="hidden" name="csrf" value=(session.csrf);
                            input type="hidden" name="on_duty" value=(!a.on_duty);
                            button type="submit" {
                                @if a.on_duty { "Take " (a.name) " off duty" } @else { "Put " (a.name) " on duty" }
                            }
                        }
                    }
                }
            }
        }
        section.card #latest-voicemails data-refresh aria-labelledby="voicemails" {
            h2 #voicemails { "Latest voicemails" }
            @if voicemails.is_empty() {
                p.muted { "No voicemails yet." }
            }
            ul.list {
                @for history::Voicemail { call, recording, handling } in &voicemails {
                    li {
                        a href={ "/admin/calls/" (call.call_sid) } { (LocalTime::of(&loaded.rules).full(call.started_at)) " from " span.number { (phone::written(&call.from_number, &call.to_number)) } }
                        " " (handling_badge(handling.as_ref()))
                        @if let Some(t) = recording.as_ref().and_then(|r| r.transcription_text.as_ref()) {
                            blockquote { (t) }
                        }
                    }
                }
            }
        }
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Today,
    };
    Ok(layout::page(&loaded.rules.name, Some(&session), place, body).into_response())
}

/// The calls that have not ended: ringing, or talking with someone; and those that have gone
/// unanswered far longer than the rules allow, which Twilio never said had ended.
fn on_the_line(state: &AppState, id: &str, live: &[LiveCall], allowed: u32, home: &str) -> Markup {
    let m_ss = |seconds: i64| length(i32::try_from(seconds).unwrap_or(i32::MAX));
    html! {
        h3 { "On the phone" }
        @if live.is_empty() {
            p.muted { "No calls right now." }
        } @else {
            ul.list.live {
                @for c in live {
                    li class=[c.overdue.then_some("overdue")] {
                        a href={ "/admin/calls/" (c.call.call_sid) } {
                            span.number { (phone::written(&c.call.from_number, home)) }
                        }
                        " "
                        @match &c.talking_with {
                            Some(who) => {
                                span.badge.open { "Talking" } " with " (person(state, Some(id), who.as_deref()))
                                " for " (m_ss(c.seconds))
                            }
                            None if c.overdue => {
                                span.badge.closed { "Not ended?" }
                                " came in " (m_ss(c.seconds)) " ago, longer than these rules "
                                "keep a caller waiting (" (m_ss(i64::from(allowed))) "). "
                                "Twilio has not said that it ended: it most likely ended without word."
                            }
                            None => {
                                span.badge { "Ringing" } " for " (m_ss(c.seconds))
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Callers who hung up to be called back and are owed that call: who, since when, and how
/// their call back stands.
fn owed_callbacks(state: &AppState, owed: &[QueueCaller], home: &str, now: DateTime<Utc>) -> Markup {
    html! {
        h3 { "Waiting for a call back" }
        ul.list.owed {
            @for q in owed {
                li {
                    a href={ "/admin/calls/" (q.call_sid) } { span.number { (phone::written(&q.from_number, home)) } }
                    " called " (zone(state, Some(&q.client_id)).full(q.arrived_at)) ". "
                    (owed_words(state, q, now))
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Duty {
    on_duty: bool,
}

pub async fn duty(
    State(state): State<AppState>,
    Path((id, assistant)): Path<(String, String)>,
    Posted(session, form): Posted<Duty>,
) -> Result<Redirect, Page> {
    admin::set_duty(&state.admin, &session.actor, &id, &assistant, form.on_duty).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}#assistants")))
}
