//! The Webhooks page of a client: the addresses its other systems (a CRM, a helpdesk) are
//! told at, each with its state in words and its recent deliveries; adding one (its secret
//! shown once, on the page that answers the form), turning one off or on, removing one,
//! and delivering one event again.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::{zone, Page};
use crate::admin;
use crate::admin::webhooks::{self, Change, DeliveryView, EndpointView, Health};
use crate::http::state::AppState;
use crate::webhooks::EventType;

/// Deliveries shown under each endpoint.
const RECENT: u64 = 10;

pub async fn page(State(state): State<AppState>, session: Session, Path(id): Path<String>) -> Result<Response, Page> {
    render(&state, &session, &id, None).await
}

/// The new endpoint's form: its URL, and a box for each event (named as the event).
#[derive(Deserialize)]
pub struct NewEndpoint {
    url: String,
    #[serde(rename = "call.completed")]
    call_completed: Option<String>,
    #[serde(rename = "voicemail.created")]
    voicemail_created: Option<String>,
    #[serde(rename = "transcript.ready")]
    transcript_ready: Option<String>,
    #[serde(rename = "message.received")]
    message_received: Option<String>,
    #[serde(rename = "message.status")]
    message_status: Option<String>,
}

impl NewEndpoint {
    fn events(&self) -> Vec<String> {
        [
            (&self.call_completed, EventType::CallCompleted),
            (&self.voicemail_created, EventType::VoicemailCreated),
            (&self.transcript_ready, EventType::TranscriptReady),
            (&self.message_received, EventType::MessageReceived),
            (&self.message_status, EventType::MessageStatus),
        ]
        .into_iter()
        .filter(|(ticked, _)| ticked.is_some())
        .map(|(_, e)| e.as_str().to_owned())
        .collect()
    }
}

/// Adds the endpoint and answers with the page itself, the secret shown once at its top.
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, form): Posted<NewEndpoint>,
) -> Result<Response, Page> {
    let (endpoint, secret) = webhooks::create(&state.admin, &session.actor, &id, &form.url, &form.events()).await?;
    render(&state, &session, &id, Some((&endpoint, &secret))).await
}

#[derive(Deserialize)]
pub struct Enabled {
    enabled: bool,
}

pub async fn enable(
    State(state): State<AppState>,
    Path((id, endpoint)): Path<(String, String)>,
    Posted(session, form): Posted<Enabled>,
) -> Result<Redirect, Page> {
    let change = Change {
        enabled: Some(form.enabled),
        ..Change::default()
    };
    webhooks::update(&state.admin, &session.actor, &id, &endpoint, &change).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/webhooks#{endpoint}")))
}

#[derive(Deserialize)]
pub struct Nothing {}

pub async fn remove(
    State(state): State<AppState>,
    Path((id, endpoint)): Path<(String, String)>,
    Posted(session, _): Posted<Nothing>,
) -> Result<Redirect, Page> {
    webhooks::delete(&state.admin, &session.actor, &id, &endpoint).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/webhooks")))
}

pub async fn redeliver(
    State(state): State<AppState>,
    Path((id, endpoint, delivery)): Path<(String, String, i64)>,
    Posted(session, _): Posted<Nothing>,
) -> Result<Redirect, Page> {
    webhooks::redeliver(&state.admin, &session.actor, &id, &endpoint, delivery).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/webhooks#{endpoint}")))
}

async fn render(
    state: &AppState,
    session: &Session,
    id: &str,
    created: Option<(&EndpointView, &SecretString)>,
) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, id)?;
    let endpoints = webhooks::list(&state.admin, &session.actor, id).await?;
    let mut cards = Vec::new();
    for e in &endpoints {
        let page = webhooks::deliveries(&state.admin, &session.actor, id, &e.id, None, RECENT).await?;
        cards.push(card(state, session, id, e, &page.deliveries));
    }
    let body = html! {
        h1 { "Webhooks" }
        p.muted {
            "Switchboard tells " (loaded.rules.name) "'s other systems (a CRM, a helpdesk) what happens — a call ending, a voicemail and its transcript, a text received, a text's delivery — by sending it to these addresses, signed so they can tell it came from here. "
            "An address that fails every time for a long while is turned off, and shown so here."
        }
        @if let Some((endpoint, secret)) = created {
            section.card.notice.good role="status" aria-labelledby="secret-h" {
                h2 #secret-h { "Added: keep this secret now" }
                p { "The system at " strong { (endpoint.url) } " checks each request with this secret. It is shown only this once." }
                p { code.secret { (secret.expose_secret()) } }
            }
        }
        @for c in &cards { (c) }
        @if endpoints.is_empty() { section.card { p.muted { "No addresses yet: nothing is sent." } } }
        (add_form(session, id))
    };
    let place = Place {
        client: Some(id),
        tab: Tab::Webhooks,
    };
    Ok(layout::page("Webhooks", Some(session), place, body).into_response())
}

fn card(state: &AppState, session: &Session, id: &str, e: &EndpointView, deliveries: &[DeliveryView]) -> Markup {
    let tz = zone(state, Some(id));
    let badge = match e.health {
        Health::Working => "badge open",
        Health::Failing | Health::TurnedOffFailing => "badge closed",
        Health::TurnedOff => "badge",
    };
    let base = format!("/admin/clients/{id}/webhooks/{}", e.id);
    html! {
        section.card.endpoint id=(e.id) aria-label=(e.url) {
            h2.url { (e.url) }
            p { span class=(badge) { (e.state) } }
            p.muted { "Told when " (e.events.iter().map(|e| in_words(e)).collect::<Vec<_>>().join("; ")) }
            div.actions {
                form method="post" action={ (base) "/enabled" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="enabled" value=(!e.enabled);
                    button type="submit" { @if e.enabled { "Turn off" } @else { "Turn on again" } }
                }
                form method="post" action={ (base) "/remove" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    button type="submit" { "Remove" }
                }
            }
            h3 { "Recent deliveries" }
            @if deliveries.is_empty() { p.muted { "Nothing sent yet." } } @else { div.scroll {
                table {
                    thead { tr { th { "When" } th { "What" } th { "Result" } th { "Tries" } th { span.sr-only { "Send again" } } } }
                    tbody {
                        @for d in deliveries {
                            tr {
                                td data-label="When" { (tz.full(d.created_at)) }
                                td data-label="What" { (in_words(&d.event)) }
                                td data-label="Result" { (result(d)) }
                                td data-label="Tries" { (d.attempts.len()) }
                                td data-label="" {
                                    @if e.enabled && d.state != "pending" {
                                        form method="post" action={ (base) "/deliveries/" (d.id) "/redeliver" } {
                                            input type="hidden" name="csrf" value=(session.csrf);
                                            button type="submit" { "Send again" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            } }
        }
    }
}

/// What became of a delivery, in words, with the last answer heard.
fn result(d: &DeliveryView) -> Markup {
    let last = d.attempts.last();
    let answer = last.and_then(|a| a.status_code).map(|c| format!(" (answered {c})"));
    html! {
        @match d.state {
            "delivered" => { "Delivered" (answer.unwrap_or_default()) },
            "pending" if d.attempts.is_empty() => "Waiting to be sent",
            "pending" => "Trying again",
            "cancelled" => "Not sent: the address was turned off",
            _ => "Could not be delivered",
        }
        @if d.state != "delivered" {
            @if let Some(error) = last.and_then(|a| a.error.as_deref()) {
                br; span.muted { (error) }
            }
        }
    }
}

fn add_form(session: &Session, id: &str) -> Markup {
    html! {
        section.card aria-labelledby="add-h" {
            h2 #add-h { "Add an address" }
            form method="post" action={ "/admin/clients/" (id) "/webhooks" } {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="url" { "Address (https://…)" }
                input #url type="text" name="url" inputmode="url" autocomplete="off" required placeholder="https://crm.example.com/hooks/switchboard";
                fieldset.events {
                    legend { "Tell it when" }
                    @for (event, words) in EVENT_WORDS {
                        label.check { input type="checkbox" name=(event.as_str()) value="on" checked; " " (words) }
                    }
                }
                button.primary type="submit" { "Add" }
            }
        }
    }
}

/// An event as the boxes that choose it name it ("a call ends"); its name if unknown.
fn in_words(event: &str) -> &str {
    EVENT_WORDS
        .iter()
        .find(|(e, _)| e.as_str() == event)
        .map_or(event, |(_, words)| words)
}

const EVENT_WORDS: [(EventType, &str); 5] = [
    (EventType::CallCompleted, "a call ends"),
    (EventType::VoicemailCreated, "a caller leaves a voicemail"),
    (EventType::TranscriptReady, "a voicemail is written out"),
    (EventType::MessageReceived, "a text comes in"),
    (
        EventType::MessageStatus,
        "a text sent changes status (delivered, failed…)",
    ),
];
