//! Texts sent and received, with their delivery status, and the numbers that opted out.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::Session;
use super::{local, sent_delivery, sent_to, sent_what, zone, Page};
use crate::admin;
use crate::admin::history::{self, MessageQuery, ReceivedQuery};
use crate::http::state::AppState;

const PAGE: u64 = 100;

#[derive(Deserialize)]
pub struct Filter {
    client: Option<String>,
    /// The last text sent on the previous page of texts sent.
    before: Option<i64>,
    /// Where the previous page of texts received ended.
    received: Option<String>,
    /// Where the previous page of numbers that opted out ended.
    opted_out: Option<String>,
}

pub async fn page(State(state): State<AppState>, session: Session, Query(q): Query<Filter>) -> Result<Response, Page> {
    let client = q.client.filter(|c| !c.is_empty());
    let shown = client.clone().or_else(|| session.actor.client.clone());
    let query = MessageQuery {
        client: client.clone(),
        before: q.before,
        limit: PAGE,
        ..MessageQuery::default()
    };
    let sent = history::messages(&state.db, &session.actor, query).await?;
    let older_link = |name: &str, value: &str| {
        let mut link = url::form_urlencoded::Serializer::new(String::new());
        if let Some(c) = &client {
            link.append_pair("client", c);
        }
        format!("/admin/messages?{}", link.append_pair(name, value).finish())
    };
    let older_sent = sent.next.map(|before| older_link("before", &before.to_string()));
    let sent = sent.messages;
    let received_query = ReceivedQuery {
        client: client.clone(),
        cursor: q.received,
        limit: PAGE,
    };
    let received = history::received(&state.db, &session.actor, received_query).await?;
    let older_received = received.next.as_deref().map(|next| older_link("received", next));
    let received = received.texts;
    let opted_out = history::opted_out(&state.db, &session.actor, client.clone(), q.opted_out.as_deref(), PAGE).await?;
    let more_opted_out = opted_out.next.as_deref().map(|next| older_link("opted_out", next));
    let opted_out = opted_out.numbers;
    let visible = admin::clients(&state.registry, &session.actor);
    let body = html! {
        h1 { "Messages" }
        (layout::client_filter(&session, &visible, "/admin/messages", client.as_deref()))
        section.card aria-labelledby="sent-h" {
            h2 #sent-h { "Sent" }
            @if sent.is_empty() { p.muted { "Nothing sent yet." } } @else { div.scroll {
                table {
                    thead { tr { th { "When" } th { "To" } th { "What" } th { "State" } th { "Delivery" } th { "Text" } } }
                    tbody {
                        @for d in &sent {
                            @let m = &d.message;
                            tr {
                                td data-label="When" { (local(zone(&state, Some(&m.client_id)), m.created_at)) }
                                td data-label="To" { span.number { (sent_to(m)) } }
                                td data-label="What" { (sent_what(m)) }
                                td data-label="State" { (m.state) }
                                td data-label="Delivery" {
                                    (sent_delivery(m, d.delivery.as_deref()))
                                    @if let Some(code) = m.error_code { " (error " (code) ")" }
                                }
                                td data-label="Text" { (m.body) }
                            }
                        }
                    }
                }
            } }
            @if let Some(href) = &older_sent { p { a href=(href) { "Older texts sent" } } }
        }
        section.card aria-labelledby="received-h" {
            h2 #received-h { "Received" }
            @if received.is_empty() { p.muted { "Nothing received yet." } } @else { div.scroll {
                table {
                    thead { tr { th { "When" } th { "From" } th { "Text" } } }
                    tbody {
                        @for m in &received {
                            tr {
                                td data-label="When" { (local(zone(&state, m.client_id.as_deref()), m.received_at)) }
                                td data-label="From" { (m.from_number) }
                                td data-label="Text" { (m.body) @if let Some(k) = &m.keyword { " " span.badge { (k) } } }
                            }
                        }
                    }
                }
            } }
            @if let Some(href) = &older_received { p { a href=(href) { "Older texts received" } } }
        }
        section.card aria-labelledby="optouts-h" {
            h2 #optouts-h { "Opted out" }
            p.muted { "These numbers replied STOP (or an admin recorded it): they are never texted until they reply START." }
            @if opted_out.is_empty() { p.muted { "Nobody has opted out." } }
            ul.list {
                @for o in &opted_out {
                    li { (o.number) span.muted { " since " (local(zone(&state, Some(&o.client_id)), o.updated_at)) " (" (o.source) ")" } }
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
