//! "Try a call": pick a time, a caller and the keys pressed; read who would be rung, in
//! what order, for how long and what happens next, with the TwiML for those who want
//! it. The current rules by default, or the draft posted from the editor.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::Page;
use crate::admin::simulation::Simulation;
use crate::admin::{self, AdminError};
use crate::http::state::AppState;
use crate::locale::{zone_words, LocalTime};
use crate::phone;
use crate::routing::queue::{announcement, duration_words, WaitFacts};
use crate::routing::rules::{BlockAnswer, Spoken};
use crate::routing::{Action, Rules};

#[derive(Deserialize, Default)]
pub struct Attempt {
    at: Option<String>,
    from: Option<String>,
    digits: Option<String>,
    /// Rules text to try instead of the current version (from the editor).
    source: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<Attempt>,
) -> Result<Response, Page> {
    run(&state, &session, &id, Attempt { source: None, ..q }).await
}

pub async fn draft(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, form): Posted<Attempt>,
) -> Result<Response, Page> {
    run(&state, &session, &id, form).await
}

async fn run(state: &AppState, session: &Session, id: &str, q: Attempt) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, id)?;
    let rules = &loaded.rules;
    let blank = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let (at, from, digits) = (blank(&q.at), blank(&q.from), blank(&q.digits));
    let draft = q.source.map(|s| s.replace("\r\n", "\n"));
    let mut status = StatusCode::OK;
    let outcome = match &at {
        None => None,
        Some(at) => {
            let attempt = admin::Try {
                at,
                from: from.as_deref(),
                digits: digits.as_deref(),
                draft: draft.as_deref(),
            };
            match admin::simulate(&state.admin, &session.actor, id, &attempt).await {
                Ok(sim) => Some(Ok(sim)),
                Err(AdminError::BadRequest(m)) => {
                    status = StatusCode::BAD_REQUEST;
                    Some(Err(vec![m]))
                }
                Err(AdminError::Invalid(problems)) => {
                    status = StatusCode::UNPROCESSABLE_ENTITY;
                    Some(Err(problems
                        .iter()
                        .map(|p| format!("line {}: {}", p.line, p.message))
                        .collect()))
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    let default_at = state
        .clock
        .now()
        .with_timezone(&rules.timezone)
        .format("%Y-%m-%dT%H:%M")
        .to_string();
    let body = html! {
        h1 { "Try a call" }
        @if draft.is_some() {
            p.notice.good { "Trying the text from the editor (not saved)." }
        }
        section.card {
            form.try method=(if draft.is_some() { "post" } else { "get" }) action={ "/admin/clients/" (id) "/try" } {
                @if let Some(d) = &draft {
                    input type="hidden" name="csrf" value=(session.csrf);
                    input type="hidden" name="source" value=(d);
                }
                div.field {
                    label for="at" { "When (" (zone_words(rules.timezone)) ")" }
                    input #at type="datetime-local" name="at" value=(at.as_deref().unwrap_or(&default_at)) required;
                }
                div.field {
                    label for="from" { "Caller's number" }
                    input #from type="tel" name="from" placeholder="+15557654321" value=(from.as_deref().unwrap_or(""));
                }
                div.field {
                    label for="digits" { "Keys pressed at each menu in turn, such as 2,1 (if any)" }
                    input #digits type="text" name="digits" value=(digits.as_deref().unwrap_or(""));
                }
                button.primary type="submit" { "Try it" }
            }
        }
        @match &outcome {
            Some(Ok(sim)) => (result(rules, sim)),
            Some(Err(problems)) => section.card.problems role="alert" {
                h2 { "Cannot try this call" }
                ul { @for p in problems { li { (p) } } }
            },
            None => {}
        }
    };
    let place = Place {
        client: Some(id),
        tab: Tab::Try,
    };
    Ok((status, layout::page("Try a call", Some(session), place, body)).into_response())
}

pub(super) fn result(rules: &Rules, sim: &Simulation) -> Markup {
    let home = rules.numbers.first().map(ToString::to_string).unwrap_or_default();
    let name = |id: &str| {
        rules
            .assistants
            .iter()
            .find(|a| a.id.as_str() == id)
            .map_or_else(|| id.to_owned(), |a| a.name.clone())
    };
    html! {
        section.card.result #result aria-labelledby="result-h" {
            h2 #result-h {
                @if sim.open { "Open" } @else { "Closed" }
                " at " (LocalTime::of(rules).full(sim.at))
            }
            @if let Some(note) = &sim.note { p.notice.bad { (note) } }
            @if let Some(line) = sim.trace.get(1) { p.status { (line) } }
            h3 { "What the caller gets" }
            ol.steps {
                @for (n, s) in sim.steps.iter().enumerate() {
                    li {
                        @if n > 0 { span.muted { "If nobody answers: " } }
                        (describe(&s.step.action, &name, &home))
                    }
                }
            }
            details {
                summary { "Why" }
                ul { @for line in &sim.trace { li { (line) } } }
            }
            details {
                summary { "TwiML" }
                @for (n, s) in sim.steps.iter().enumerate() {
                    h4 { "Step " (n + 1) ": " (s.label) }
                    pre.twiml { (s.twiml) }
                    @if let Some(waiting) = &s.waiting {
                        p.muted { "While the caller waits:" }
                        pre.twiml { (waiting) }
                    }
                }
            }
        }
    }
}

/// Words in quotes; a recording by its address.
fn heard(what: &Spoken) -> Markup {
    match what {
        Spoken::Say(text) => html! { "“" (text) "”" },
        Spoken::Play(url) => html! { "the recording " a href=(url) { (url) } },
    }
}

/// A step in words; numbers as people near the business (`home`) write them.
fn describe(action: &Action, name: &dyn Fn(&str) -> String, home: &str) -> Markup {
    match action {
        Action::Dial {
            targets, ring_seconds, ..
        } => {
            let who: Vec<String> = targets
                .iter()
                .map(|t| match &t.assistant {
                    Some(a) => format!("{} on {}", name(a.as_str()), phone::written(t.number.as_str(), home)),
                    None => format!("the outside number {}", phone::written(t.number.as_str(), home)),
                })
                .collect();
            let screened = targets.iter().any(|t| t.screen);
            html! {
                "Ring " strong { (who.join(" and ")) }
                @if who.len() > 1 { " at the same time" }
                " for " (ring_seconds) " seconds"
                @if screened { " (they press 1 to take the call)" }
                "."
            }
        }
        Action::Voicemail {
            greeting,
            max_seconds,
            transcribe,
        } => html! {
            strong { "Voicemail" } ": the caller hears " (heard(greeting)) " and may leave a message of up to "
            (max_seconds) " seconds"
            @if *transcribe { ", transcribed" }
            "; the assistants are texted."
        },
        Action::Menu {
            prompt,
            timeout_seconds,
            ..
        } => html! {
            strong { "Menu" } ": the caller hears " (heard(prompt)) " and has " (timeout_seconds) " seconds to choose."
        },
        Action::Queue { queue, targets } => {
            let who: Vec<String> = targets
                .iter()
                .filter_map(|t| t.assistant.as_ref().map(|a| name(a.as_str())))
                .collect();
            // The words are those of the language the caller chose: the decision put them there.
            let words = &queue.words;
            let second = WaitFacts {
                waited: 0,
                average: 0,
                place: 2,
            };
            html! {
                strong { "Queue" } ": the caller waits up to " (duration_words(queue.max_wait_seconds))
                ", hearing " (heard(&words.hold()))
                @if let Some(keys) = &words.keys { " and " (heard(keys)) }
                " and their place every " (duration_words(queue.announce_seconds))
                " (“" (announcement(words, second)) "”)"
                ", until " (who.join(" or ")) " is free"
                @if let Some(k) = queue.voicemail_key { "; " (k) " leaves a voicemail" }
                @if let Some(k) = queue.callback_key {
                    "; " (k) " asks for a call back (they hear " (heard(&words.callback_promise())) ")"
                }
                "."
            }
        }
        Action::Apology { message } => html! {
            strong { "Apology" } ": the caller hears " (heard(message)) ", then the call ends."
        },
        Action::Blocked {
            answer: BlockAnswer::Message(message),
        } => html! {
            strong { "Blocked" } ": the caller hears " (heard(message)) ", then the call ends. Nobody is rung."
        },
        Action::Blocked {
            answer: BlockAnswer::Reject,
        } => html! {
            strong { "Blocked" } ": the call is refused unanswered (the caller hears a busy tone). Nobody is rung."
        },
    }
}
