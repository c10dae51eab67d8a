//! What became of a call, in words: its outcome as a badge and, for a caller who asked to
//! be called back, how that call back stands (owed: the attempts made and when the next is
//! due; answered: who called them back; given up: why they were missed).

use chrono::{DateTime, Utc};
use maud::{html, Markup};

use super::{person, zone};
use crate::http::state::AppState;
use crate::store::calls::{CallRow, Outcome};
use crate::store::queue::{QueueCaller, BRIDGED, FAILED, OFFERED};

/// What became of a call, in a word, as a badge: its outcome once known, else where it is.
pub fn outcome_badge(call: &CallRow) -> Markup {
    let (class, word) = match call.outcome.as_deref() {
        Some("answered") => ("badge open", "Answered"),
        Some("voicemail") => ("badge", "Voicemail"),
        Some("missed") => ("badge closed", "Missed"),
        Some("blocked") => ("badge closed", "Blocked"),
        Some("awaiting_callback") => ("badge owed", "Waiting for a call back"),
        _ => match call.status.as_str() {
            "queued" | "initiated" | "ringing" => ("badge", "Ringing"),
            "in-progress" => ("badge", "In progress"),
            "busy" => ("badge closed", "Busy"),
            "no-answer" => ("badge closed", "No answer"),
            "failed" => ("badge closed", "Failed"),
            "canceled" => ("badge closed", "Hung up"),
            _ => ("badge", "Ended"),
        },
    };
    html! { span class=(class) { (word) } }
}

/// How the call back `call`'s caller asked for stands, in a sentence; none for a call
/// whose caller asked for none.
pub fn callback_words(
    state: &AppState,
    call: &CallRow,
    queued: Option<&QueueCaller>,
    now: DateTime<Utc>,
) -> Option<String> {
    let queued = queued.filter(|q| q.is_callback())?;
    let client = call.client_id.as_deref();
    match call.outcome.as_deref() {
        Some(o) if o == Outcome::AwaitingCallback.as_str() => Some(owed_words(state, queued, now)),
        Some(o) if o == Outcome::Answered.as_str() => Some(format!(
            "Called back by {}.",
            person(state, client, call.answered_by.as_deref())
        )),
        Some(o) if o == Outcome::Missed.as_str() && queued.state == FAILED => Some(format!(
            "Asked to be called back, but {} reached nobody: the assistants were told to call them.",
            attempts(queued.attempts)
        )),
        _ => None,
    }
}

/// Where a call back still owed stands: being placed now, or the attempts made so far and
/// when the next may be placed, on the business's clock.
pub fn owed_words(state: &AppState, q: &QueueCaller, now: DateTime<Utc>) -> String {
    let client = Some(q.client_id.as_str());
    let allowed = state
        .registry
        .current(&q.client_id)
        .and_then(|l| l.rules.queue.as_ref().map(|queue| queue.callback.attempts));
    let of = allowed.map(|n| format!(" of {n}")).unwrap_or_default();
    let who = || person(state, client, q.assistant_id.as_deref());
    match q.state.as_str() {
        OFFERED => format!("Call back attempt {}{of}: {} is being rung first.", q.attempts, who()),
        BRIDGED => format!("Call back attempt {}{of}: {} is calling them now.", q.attempts, who()),
        _ => {
            let made = match q.attempts {
                0 => "No attempt yet".to_owned(),
                n => match allowed {
                    Some(all) => format!("{n} of {all} attempts made"),
                    None => format!("{} made", attempts(n)),
                },
            };
            match q.next_attempt_at.filter(|at| *at > now) {
                Some(at) => format!(
                    "{made}; the next from {}, when an assistant is free.",
                    zone(state, client).full(at)
                ),
                None => format!("{made}; the next as soon as an assistant is free."),
            }
        }
    }
}

fn attempts(n: i32) -> String {
    match n {
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    }
}
