//! The Scheduled page of a client: texts and calls sent through the API that wait to be
//! sent, soonest first, on the business's clock; each can be cancelled, or moved to another
//! time written on that clock.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDateTime;
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::webhooks::Nothing;
use super::{zone, Page};
use crate::admin::{self, scheduled, AdminError};
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::phone;
use crate::store::outbox::OutboxRow;

const PAGE: u64 = 100;
/// How a `datetime-local` field writes a time.
const FIELD_FORMAT: &str = "%Y-%m-%dT%H:%M";

#[derive(Deserialize)]
pub struct More {
    /// Where the previous page ended.
    after: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<More>,
) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let page = scheduled::scheduled(&state.admin, &session.actor, &id, q.after.as_deref(), PAGE).await?;
    let tz = zone(&state, Some(&id));
    let zone_name = crate::locale::zone_words(tz.tz);
    let body = html! {
        h1 { "Scheduled" }
        p.muted {
            "Texts and calls sent for " (loaded.rules.name) " through the API that have not gone out yet, soonest first. "
            "Times are " (zone_name) "."
        }
        @if page.messages.is_empty() { section.card { p.muted { "Nothing is waiting to be sent." } } }
        @for m in &page.messages { (card(&session, &id, tz, m)) }
        @if let Some(next) = &page.next {
            p { a href={ "/admin/clients/" (id) "/scheduled?after=" (next) } { "Later messages" } }
        }
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Scheduled,
    };
    Ok(layout::page("Scheduled", Some(&session), place, body).into_response())
}

fn card(session: &Session, id: &str, tz: LocalTime, m: &OutboxRow) -> Markup {
    let base = format!("/admin/clients/{id}/scheduled/{}", m.id);
    let field = format!("at-{}", m.id);
    let local = m.send_at.with_timezone(&tz.tz);
    html! {
        section.card.scheduled id={ "m" (m.id) } aria-label={ "To " (phone::written(&m.to_number, &m.from_number)) } {
            dl.facts {
                div { dt { "Goes out" } dd { (tz.full(m.send_at)) } }
                div { dt { "To" } dd { span.number { (phone::written(&m.to_number, &m.from_number)) } } }
                div { dt { "What" } dd { @if m.kind == "call" { "A call" } @else { (m.body) } } }
            }
            div.actions {
                form.move method="post" action={ (base) "/move" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for=(field) { "Move to (" (local.format("%Z")) ")" }
                    input id=(field) type="datetime-local" name="at" required value=(local.format(FIELD_FORMAT));
                    button type="submit" { "Move" }
                }
                form method="post" action={ (base) "/cancel" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button type="submit" { "Cancel it" }
                }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct Move {
    /// On the business's clock, as a `datetime-local` field writes it.
    at: String,
}

pub async fn move_to(
    State(state): State<AppState>,
    Path((id, message)): Path<(String, i64)>,
    Posted(session, form): Posted<Move>,
) -> Result<Redirect, Page> {
    let tz = zone(&state, Some(&id));
    let at = NaiveDateTime::parse_from_str(form.at.trim(), FIELD_FORMAT)
        .map_err(|_| AdminError::BadRequest(format!("`{}` is not a date and time", form.at)))?;
    let instant = tz.instant(at).ok_or_else(|| {
        AdminError::BadRequest(format!(
            "{} does not happen on {} clocks: they skip that hour when they go forward",
            tz.naive(at),
            tz.tz.name()
        ))
    })?;
    scheduled::reschedule(&state.admin, &session.actor, &id, message, Some(instant)).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/scheduled#m{message}")))
}

pub async fn cancel(
    State(state): State<AppState>,
    Path((id, message)): Path<(String, i64)>,
    Posted(session, _): Posted<Nothing>,
) -> Result<Redirect, Page> {
    scheduled::reschedule(&state.admin, &session.actor, &id, message, None).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/scheduled")))
}
