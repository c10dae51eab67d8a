//! The Messages page: a client's conversations first (texts with the people who text it, by
//! their number), then the alerts sent to its own staff and the calls placed, then the
//! numbers that opted out.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::Session;
use super::{conversations, sent_delivery, sent_to, sent_what, zone, Page};
use crate::admin;
use crate::admin::consent;
use crate::admin::conversations as talks;
use crate::admin::history::{self, MessageQuery};
use crate::http::state::AppState;
use crate::phone;

const PAGE: u64 = 100;
const CONVERSATIONS: u64 = 50;

#[derive(Deserialize)]
pub struct Filter {
    client: Option<String>,
    /// Where the previous page of conversations ended.
    conversations: Option<String>,
    /// The last alert on the previous page of alerts.
    before: Option<i64>,
    /// Where the previous page of numbers that opted out ended.
    opted_out: Option<String>,
}

pub async fn page(State(state): State<AppState>, session: Session, Query(q): Query<Filter>) -> Result<Response, Page> {
    let client = q.client.filter(|c| !c.is_empty());
    let shown = client.clone().or_else(|| session.actor.client.clone());
    let older_link = |name: &str, value: &str| {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        if let Some(c) = &client {
            link.append_pair("client", c);
        }
        format!("/admin/messages?{}", link.append_pair(name, value).finish())
    };
    let talks = match &shown {
        Some(c) => {
            let page = talks::list(
                &state.admin,
                &session.actor,
                c,
                q.conversations.as_deref(),
                CONVERSATIONS,
            )
            .await?;
            let older = page.next.as_deref().map(|next| older_link("conversations", next));
            Some((page, older))
        }
        None => None,
    };
    let query = MessageQuery {
        client: client.clone(),
        without_conversations: true,
        before: q.before,
        limit: PAGE,
        ..MessageQuery::default()
    };
    let alerts = history::messages(&state.db, &session.actor, query).await?;
    let older_alerts = alerts.next.map(|before| older_link("before", &before.to_string()));
    let alerts = alerts.messages;
    let opted_out = history::opted_out(&state.db, &session.actor, client.clone(), q.opted_out.as_deref(), PAGE).await?;
    let more_opted_out = opted_out.next.as_deref().map(|next| older_link("opted_out", next));
    let visible = admin::clients(&state.registry, &session.actor);
    let body = html! {
        h1 { "Messages" }
        (layout::client_filter(&session, &visible, "/admin/messages", client.as_deref()))
        @match &talks {
            Some((page, older)) => (conversations::list(page, older.as_deref())),
            None => section.card aria-labelledby="conversations-h" {
                h2 #conversations-h { "Conversations" }
                p.muted { "Choose a client above to see the texts people sent it, and answer them." }
            },
        }
        section.card aria-labelledby="alerts-h" {
            h2 #alerts-h { "Alerts to staff, and calls placed" }
            p.muted { "Voicemail and missed-call alerts, daily summaries and duty confirmations sent to the business's own people, and calls placed for it." }
            @if alerts.is_empty() { p.muted { "Nothing sent yet." } } @else { div.scroll {
                table {
                    thead { tr { th { "When" } th { "To" } th { "What" } th { "Delivery" } th { "Text" } } }
                    tbody {
                        @for d in &alerts {
                            @let m = &d.message;
                            tr {
                                td data-label="When" { (zone(&state, Some(&m.client_id)).full(m.created_at)) }
                                td data-label="To" { span.number { (sent_to(&state, m)) } }
                                td data-label="What" { (sent_what(m)) }
                                td data-label="Delivery" {
                                    (sent_delivery(m, d.delivery.as_deref()))
                                    @if let Some(code) = m.error_code { " (error " (code) ")" }
                                }
                                td data-label="Text" { @if m.kind != "call" { (m.body) } }
                            }
                        }
                    }
                }
            } }
            @if let Some(href) = &older_alerts { p { a href=(href) { "Older alerts" } } }
        }
        section.card aria-labelledby="optouts-h" {
            h2 #optouts-h { "Opted out" }
            p.muted { "These numbers replied STOP (or an admin recorded it): they are never texted until they reply START." }
            @if opted_out.numbers.is_empty() { p.muted { "Nobody has opted out." } }
            ul.list {
                @for o in &opted_out.numbers {
                    @let home = state.registry.current(&o.client_id).and_then(|l| l.rules.numbers.first().map(|n| n.to_string())).unwrap_or_default();
                    @let tz = zone(&state, Some(&o.client_id));
                    li {
                        span.number { (phone::written(&o.number, &home)) }
                        span.muted { " since " (tz.full(o.updated_at)) }
                        details.consent {
                            summary { "How and when" }
                            ul {
                                @for c in opted_out.changes_of(o) {
                                    li { (tz.full(c.changed_at)) ": " (consent::consent_change_in_words(c)) }
                                }
                                @if opted_out.changes_of(o).next().is_none() {
                                    li { "Recorded before changes were kept (" (o.source) ")" }
                                }
                            }
                        }
                    }
                }
            }
            @if let Some(href) = &more_opted_out { p { a href=(href) { "More numbers that opted out" } } }
        }
    };
    let place = Place {
        client: shown.as_deref(),
        tab: Tab::Messages,
    };
    Ok(layout::page("Messages", Some(&session), place, body).into_response())
}
