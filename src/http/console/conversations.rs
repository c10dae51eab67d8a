//! Conversations in the console: the list the Messages page leads with, one conversation shown
//! as a phone shows it (received on the left, sent on the right, pictures inline), and the
//! reply box, a plain form that sends through the same function as the API's send.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::{sent_delivery, Page};
use crate::admin::conversations::{self, ConversationPage, Text, Thread};
use crate::http::admin::conversations::attachment;
use crate::http::state::AppState;
use crate::http::Error;
use crate::locale::LocalTime;
use crate::phone;

const PAGE: u64 = 50;

/// The longest preview of a conversation's last text.
const PREVIEW: usize = 90;

/// Where a conversation's page is.
fn href(client: &str, number: &str) -> String {
    format!("/admin/clients/{client}/conversations/{number}")
}

fn media_href(message_sid: &str, index: usize) -> String {
    format!("/admin/messages/received/{message_sid}/media/{index}")
}

/// A text in a line: its start, or what it carried when it has no words.
fn preview(text: &Text) -> String {
    let body = text.body().trim();
    if body.is_empty() {
        return match text.attachments().len() {
            0 => "(empty text)".to_owned(),
            1 => "A picture or file".to_owned(),
            n => format!("{n} pictures or files"),
        };
    }
    match body.char_indices().nth(PREVIEW) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

/// Who sent a text the business sent: an admin, or the automatic reply.
fn sender(text: &Text) -> Option<&'static str> {
    match text {
        Text::Sent(d) if d.message.purpose == conversations::AUTOMATIC_REPLY => Some("Automatic reply"),
        Text::Sent(_) => Some("You"),
        Text::Received(_) => None,
    }
}

/// The list of a client's conversations, latest first, for the Messages page; `older` links to
/// the page after this one.
pub fn list(page: &ConversationPage, older: Option<&str>) -> Markup {
    let client = page.client.rules.client.as_str();
    let home = page
        .client
        .rules
        .numbers
        .first()
        .map(|n| n.as_str())
        .unwrap_or_default();
    let tz = LocalTime::of(&page.client.rules);
    html! {
        section.card aria-labelledby="conversations-h" {
            h2 #conversations-h { "Conversations" }
            @if page.conversations.is_empty() { p.muted { "Nobody has texted yet." } }
            ul.conversations {
                @for c in &page.conversations {
                    li {
                        a href=(href(client, &c.number)) {
                            span.who {
                                span.number { (phone::written(&c.number, home)) }
                                @if c.unanswered { " " span.badge.closed { "Unanswered" } }
                            }
                            span.when { (tz.full(c.last.at())) }
                            span.preview {
                                @if let Some(who) = sender(&c.last) { span.muted { (who) ": " } }
                                (preview(&c.last))
                            }
                        }
                    }
                }
            }
            @if let Some(href) = older { p { a href=(href) { "Older conversations" } } }
        }
    }
}

#[derive(Deserialize)]
pub struct ThreadQuery {
    /// Where the previous page (of later texts) ended.
    earlier: Option<String>,
    /// Back from sending a reply.
    #[serde(default)]
    sent: bool,
}

/// What the reply box shows after a send that did not go: why, and the text as typed.
struct Refused {
    message: String,
    draft: String,
}

fn render(session: &Session, thread: &Thread, sent: bool, refused: Option<&Refused>) -> Markup {
    let rules = &thread.client.rules;
    let client = rules.client.as_str();
    let home = rules.numbers.first().map(|n| n.as_str()).unwrap_or_default();
    let tz = LocalTime::of(rules);
    let written = phone::written(&thread.number, home);
    let here = href(client, &thread.number);
    let body = html! {
        h1 { "Texts with " span.number { (written) } }
        p.muted { (rules.name) " · " a href={ "/admin/messages?client=" (client) } { "All conversations" } }
        section.card aria-labelledby="texts-h" {
            h2 #texts-h.sr-only { "Texts" }
            @if let Some(next) = &thread.next {
                p { a href={ (here) "?earlier=" (next) } { "Earlier texts" } }
            }
            @if thread.texts.is_empty() { p.muted { "No texts with this number yet." } }
            ol.thread {
                @for t in thread.texts.iter().rev() {
                    @match t {
                        Text::Received(r) => li.received {
                            div.bubble {
                                @if !r.body.is_empty() { p { (r.body) } }
                                @for (i, a) in t.attachments().iter().enumerate() {
                                    @let src = media_href(&r.message_sid, i);
                                    @if conversations::is_picture(a.content_type.as_deref()) {
                                        a.picture href=(src) { img src=(src) alt={ "Picture sent by " (written) } loading="lazy"; }
                                    } @else {
                                        p { a href=(src) download { "Open the file they sent" } }
                                    }
                                }
                            }
                            p.meta { "Received " (tz.full(r.received_at)) }
                        },
                        Text::Sent(d) => li.sent {
                            div.bubble { p { (d.message.body) } }
                            p.meta {
                                @if let Some(who) = sender(t) { (who) ", " }
                                (tz.full(d.message.created_at)) " · " (sent_delivery(&d.message, d.delivery.as_deref()))
                            }
                        },
                    }
                }
            }
        }
        section.card #reply aria-labelledby="reply-h" {
            h2 #reply-h { "Reply" }
            @if sent && refused.is_none() { p.notice.good role="status" { "Your reply is on its way to " (written) "." } }
            @if thread.opted_out {
                p.notice.bad role="alert" {
                    (written) " replied STOP, so no texts can be sent to it until it texts START."
                }
            } @else {
                @if let Some(r) = refused { p.notice.bad role="alert" { (r.message) } }
                form.reply method="post" action={ (here) "/reply" } {
                    input type="hidden" name="csrf" value=(session.csrf);
                    label for="body" { "Your text to " (written) }
                    textarea #body name="body" rows="4" maxlength="1600" required {
                        @if let Some(r) = refused { (r.draft) }
                    }
                    p.muted { "Sent from " span.number { (phone::written(home, home)) } ", " (rules.name) "'s number." }
                    button.primary type="submit" { "Send" }
                }
            }
        }
    };
    let place = Place {
        client: Some(client),
        tab: Tab::Messages,
    };
    layout::page(&format!("Texts with {written}"), Some(session), place, body)
}

pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Path((client, number)): Path<(String, String)>,
    Query(q): Query<ThreadQuery>,
) -> Result<Response, Page> {
    let thread = conversations::thread(
        &state.admin,
        &session.actor,
        &client,
        &number,
        q.earlier.as_deref(),
        PAGE,
    )
    .await?;
    Ok(render(&session, &thread, q.sent, None).into_response())
}

#[derive(Deserialize)]
pub struct Reply {
    body: String,
}

/// Sends the reply and goes back to the conversation; a refusal (the quota, an opt-out, an
/// empty text) is shown next to the box with the text as typed.
pub async fn reply(
    State(state): State<AppState>,
    Path((client, number)): Path<(String, String)>,
    Posted(session, form): Posted<Reply>,
) -> Result<Response, Page> {
    let sent = conversations::reply(&state.admin, &session.actor, &client, &number, &form.body).await;
    let told = match sent {
        Ok(queued) => {
            let back = format!("{}?sent=true#reply", href(&client, &queued.to));
            return Ok(Redirect::to(&back).into_response());
        }
        Err(e) => match Error::from(e) {
            Error::NotFound => return Err(Error::NotFound.into()),
            e => e.told(),
        },
    };
    let thread = conversations::thread(&state.admin, &session.actor, &client, &number, None, PAGE).await?;
    let refused = Refused {
        message: told.message,
        draft: form.body,
    };
    Ok((told.status, render(&session, &thread, false, Some(&refused))).into_response())
}

/// A picture or file someone texted the client, fetched from Twilio.
pub async fn media(
    State(state): State<AppState>,
    session: Session,
    Path((sid, index)): Path<(String, usize)>,
) -> Result<Response, Page> {
    let media = conversations::attachment(&state.admin, &session.actor, &sid, index).await?;
    Ok(attachment(media))
}
