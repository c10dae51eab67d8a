//! The page shell every console page shares: head, navigation, sign-out.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::session::Session;
use crate::rules::registry::Loaded;

/// Where a page sits: the client it is about, if any, and which tab it is.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    pub client: Option<&'a str>,
    pub tab: Tab,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Clients,
    Today,
    Figures,
    Rules,
    Try,
    Calls,
    Voicemails,
    Messages,
    Templates,
    Scheduled,
    Webhooks,
}

pub fn page(title: &str, session: Option<&Session>, place: Place<'_>, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Switchboard" }
                link rel="stylesheet" href="/admin/assets/console.css";
                script src="/admin/assets/console.js" defer {}
            }
            body {
                header.top {
                    a.brand href="/admin/" { "Switchboard" }
                    @if let Some(s) = session {
                        (nav(s, place))
                        form.sign-out method="post" action="/admin/sign-out" {
                            input type="hidden" name="csrf" value=(s.csrf);
                            button type="submit" { "Sign out" }
                        }
                    }
                }
                main { (body) }
            }
        }
    }
}

fn nav(session: &Session, place: Place<'_>) -> Markup {
    let tab = |t: Tab| if place.tab == t { Some("page") } else { None };
    html! {
        nav aria-label="Main" {
            ul {
                @if session.actor.client.is_none() {
                    li { a href="/admin/" aria-current=[tab(Tab::Clients)] { "Clients" } }
                }
                @if let Some(c) = place.client {
                    li { a href={ "/admin/clients/" (c) } aria-current=[tab(Tab::Today)] { "Today" } }
                    li { a href={ "/admin/clients/" (c) "/figures" } aria-current=[tab(Tab::Figures)] { "Figures" } }
                    li { a href={ "/admin/clients/" (c) "/rules/form" } aria-current=[tab(Tab::Rules)] { "Rules" } }
                    li { a href={ "/admin/clients/" (c) "/try" } aria-current=[tab(Tab::Try)] { "Try a call" } }
                    li { a href={ "/admin/calls?client=" (c) } aria-current=[tab(Tab::Calls)] { "Calls" } }
                    li { a href={ "/admin/voicemails?client=" (c) } aria-current=[tab(Tab::Voicemails)] { "Voicemails" } }
                    li { a href={ "/admin/messages?client=" (c) } aria-current=[tab(Tab::Messages)] { "Messages" } }
                    li { a href={ "/admin/clients/" (c) "/templates" } aria-current=[tab(Tab::Templates)] { "Templates" } }
                    li { a href={ "/admin/clients/" (c) "/scheduled" } aria-current=[tab(Tab::Scheduled)] { "Scheduled" } }
                    li { a href={ "/admin/clients/" (c) "/webhooks" } aria-current=[tab(Tab::Webhooks)] { "Webhooks" } }
                } @else {
                    li { a href="/admin/calls" aria-current=[tab(Tab::Calls)] { "Calls" } }
                    li { a href="/admin/voicemails" aria-current=[tab(Tab::Voicemails)] { "Voicemails" } }
                    li { a href="/admin/messages" aria-current=[tab(Tab::Messages)] { "Messages" } }
                }
            }
        }
    }
}

/// A list page's "which client" form, for admins who see several; nothing for the others.
pub fn client_filter(session: &Session, visible: &[Loaded], action: &str, selected: Option<&str>) -> Markup {
    html! {
        @if session.actor.client.is_none() {
            form.filters method="get" action=(action) {
                (client_field(visible, selected))
                button type="submit" { "Show" }
            }
        }
    }
}

/// The filter that narrows a list to one of the clients the admin may see.
pub fn client_field(visible: &[Loaded], selected: Option<&str>) -> Markup {
    html! {
        div.field {
            label for="client" { "Client" }
            select #client name="client" {
                option value="" { "All clients" }
                @for l in visible {
                    option value=(l.rules.client) selected[selected == Some(l.rules.client.as_str())] { (l.rules.name) }
                }
            }
        }
    }
}

/// A page that says what went wrong and how to go on.
pub fn problem(status: StatusCode, message: &str) -> Response {
    let title = status.canonical_reason().unwrap_or("Problem");
    let body = html! {
        section.card.problem role="alert" {
            h1 { (title) }
            p { (message) }
            p { a href="/admin/" { "Back to the console" } }
        }
    };
    let place = Place {
        client: None,
        tab: Tab::Clients,
    };
    (status, page(title, None, place, body)).into_response()
}
