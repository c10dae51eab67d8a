//! Sends one webhook delivery (an outbox row of kind `webhook`) and keeps its log: signed
//! with the endpoint's secret by the `standardwebhooks` crate, posted with a time limit,
//! no redirect followed, and no more of the answer read than a small cap. Every attempt is
//! logged; an endpoint whose every attempt failed for `disable_after` (or, when set,
//! `disable_after_failures` attempts in a row) is turned off, and the admin told in the
//! audit log. Where the request may go is [`super::address`]'s to say, checked again here
//! since the endpoint was saved.

use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use secrecy::ExposeSecret;
use tracing::{info, warn};

use crate::admin::{self, Actor};
use crate::messaging::worker::{retry_later, Outcome, Worker};
use crate::store::outbox::{self, OutboxRow, CANCELLED, FAILED};
use crate::store::webhooks::{self, Failing};
use crate::store::StoreError;

use super::address::PublicOnly;

/// How much of an answer's body is read: enough to quote the start of an error page.
const BODY_CAP: usize = 1024;
/// How much of it the log keeps.
const EXCERPT_CHARS: usize = 200;

/// How webhooks leave: an HTTP client of their own and the settings they follow.
#[derive(Clone)]
pub struct Sender {
    http: reqwest::Client,
    /// `SWITCHBOARD_WEBHOOK_DISABLE_AFTER_HOURS`: an endpoint every attempt to which failed
    /// for this long is turned off.
    pub disable_after: Duration,
    /// `SWITCHBOARD_WEBHOOK_DISABLE_AFTER_FAILURES`: an endpoint this many attempts in a
    /// row to which failed is turned off; `None` leaves it to `disable_after`.
    pub disable_after_failures: Option<u32>,
    /// `SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK`: endpoints on this machine (tests, development).
    pub allow_loopback: bool,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender")
            .field("disable_after", &self.disable_after)
            .field("disable_after_failures", &self.disable_after_failures)
            .field("allow_loopback", &self.allow_loopback)
            .finish_non_exhaustive()
    }
}

impl Sender {
    /// # Panics
    /// When the TLS backend cannot start (as `reqwest::Client::new` would).
    pub fn new(timeout: StdDuration, turn_off: TurnOff, allow_loopback: bool) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(StdDuration::from_secs(5)))
            // A redirect could lead anywhere, and the receiver should be told its URL moved.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Switchboard-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(std::sync::Arc::new(PublicOnly { allow_loopback }))
            .build()
            .expect("the HTTP client starts");
        Self {
            http,
            disable_after: Duration::hours(i64::from(turn_off.after_hours)),
            disable_after_failures: turn_off.after_failures,
            allow_loopback,
        }
    }
}

/// When a failing endpoint is turned off: after failing this long, or this many times in a
/// row, whichever comes first.
#[derive(Debug, Clone, Copy)]
pub struct TurnOff {
    pub after_hours: u32,
    pub after_failures: Option<u32>,
}

/// What one attempt came to.
#[derive(Debug, Clone, Default)]
struct Answer {
    status: Option<u16>,
    /// `None` for a 2xx answer.
    error: Option<String>,
    retry_after: Option<StdDuration>,
}

/// Delivers one webhook row.
///
/// # Errors
/// When the database fails.
pub async fn deliver(worker: &Worker, row: &OutboxRow) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let endpoint = match webhooks::by_id(&worker.db, &row.to_number).await? {
        Some(e) if e.enabled => e,
        found => {
            let why = if found.is_some() {
                "the endpoint is turned off"
            } else {
                "the endpoint was removed"
            };
            outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, why, now).await?;
            return Ok(Outcome::GaveUp);
        }
    };
    let context = super::secret_context(&endpoint.client_id, &endpoint.id);
    let signer = worker
        .secret_key
        .as_ref()
        .and_then(|key| key.open(&context, &endpoint.secret_encrypted).ok())
        .and_then(|secret| standardwebhooks::Webhook::new(secret.expose_secret()).ok());
    let Some(signer) = signer else {
        // The key may be fixed and the process restarted before the retries run out.
        let why = "the endpoint's secret cannot be decrypted with this server's SWITCHBOARD_SECRET_KEY";
        warn!(id = row.id, endpoint = %endpoint.id, "webhook: {why}");
        return retry_later(worker, row, why, None).await;
    };
    let webhook_id = row.message_sid.as_deref().unwrap_or_default();
    let started = Instant::now();
    let allow_loopback = worker.outbound.webhooks.allow_loopback;
    let answer = match (
        super::check_url(&endpoint.url, allow_loopback),
        signer.sign(webhook_id, now.timestamp(), row.body.as_bytes()),
    ) {
        (Err(e), _) => Answer {
            error: Some(format!("not sent: {e}")),
            ..Answer::default()
        },
        (Ok(_), Ok(signature)) => {
            post(
                &worker.outbound.webhooks,
                &endpoint.url,
                webhook_id,
                now,
                &row.body,
                &signature,
            )
            .await
        }
        (Ok(_), Err(e)) => Answer {
            error: Some(format!("could not be signed: {e}")),
            ..Answer::default()
        },
    };
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let attempt = webhooks::Attempt {
        delivery_id: row.id,
        endpoint: &endpoint.id,
        at: now,
        status_code: answer.status.map(i32::from),
        latency_ms,
        error: answer.error.as_deref(),
    };
    webhooks::record_attempt(&worker.db, &attempt).await?;
    info!(id = row.id, endpoint = %endpoint.id, event = %row.purpose, status = answer.status, latency_ms, error = answer.error.as_deref(), "webhook");
    let Some(error) = answer.error else {
        webhooks::note_success(&worker.db, &endpoint.id).await?;
        outbox::mark_sent(&worker.db, row.id, webhook_id, None, now).await?;
        return Ok(Outcome::Sent);
    };
    let failing = webhooks::note_failure(&worker.db, &endpoint.id, now).await?;
    if let Some(why) = worker.outbound.webhooks.turn_off_now(failing, now) {
        turn_off(worker, &endpoint, &why, now).await?;
        let why = format!("the endpoint was turned off: {}; the last attempt {error}", why.words);
        outbox::finish_unsent(&worker.db, row.id, FAILED, None, &why, now).await?;
        return Ok(Outcome::GaveUp);
    }
    retry_later(worker, row, &error, answer.retry_after).await
}

impl super::Sender {
    /// Whether an endpoint failing so is to be turned off now, and why in words.
    fn turn_off_now(&self, failing: Failing, now: DateTime<Utc>) -> Option<Because> {
        let hours = (now - failing.since).num_hours();
        if let Some(limit) = self.disable_after_failures.filter(|n| failing.in_a_row >= *n) {
            return Some(Because {
                reason: webhooks::OFF_FAILURES,
                words: format!("{limit} deliveries in a row failed"),
            });
        }
        (now - failing.since >= self.disable_after).then(|| Because {
            reason: webhooks::OFF_FAILING,
            words: format!("every delivery failed for {hours} hours"),
        })
    }
}

/// Why a failing endpoint is turned off: as stored, and in words.
#[derive(Debug)]
struct Because {
    reason: &'static str,
    words: String,
}

/// Turns the endpoint off and tells the admin (the audit log; the console and the API show
/// its state).
async fn turn_off(
    worker: &Worker,
    endpoint: &webhooks::EndpointRow,
    because: &Because,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if !webhooks::turn_off_failing(&worker.db, &endpoint.id, because.reason, now).await? {
        return Ok(());
    }
    warn!(endpoint = %endpoint.id, client = %endpoint.client_id, why = %because.words, "webhook endpoint turned off");
    let actor = Actor {
        name: "Switchboard".into(),
        client: None,
        address: None,
    };
    let detail = format!(
        "webhook endpoint {} ({}) turned off: {}; turn it on again once it works",
        endpoint.id,
        super::shown_url(&endpoint.url),
        because.words,
    );
    admin::audit(
        &worker.db,
        &actor,
        &endpoint.client_id,
        "webhook.turned_off",
        detail,
        now,
    )
    .await
}

/// Posts the payload; any answer but a 2xx is a failure, in words.
async fn post(
    sender: &super::Sender,
    url: &str,
    webhook_id: &str,
    at: DateTime<Utc>,
    body: &str,
    signature: &str,
) -> Answer {
    let request = sender
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(standardwebhooks::HEADER_WEBHOOK_ID, webhook_id)
        .header(standardwebhooks::HEADER_WEBHOOK_TIMESTAMP, at.timestamp().to_string())
        .header(standardwebhooks::HEADER_WEBHOOK_SIGNATURE, signature)
        .body(body.to_owned());
    let mut response = match request.send().await {
        Ok(r) => r,
        Err(e) => {
            return Answer {
                error: Some(crate::twilio::rest::describe(&e)),
                ..Answer::default()
            }
        }
    };
    let status = response.status();
    if status.is_success() {
        return Answer {
            status: Some(status.as_u16()),
            ..Answer::default()
        };
    }
    let retry_after = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| crate::twilio::retry::parse_retry_after(v, at));
    let mut read = Vec::new();
    while read.len() < BODY_CAP {
        match response.chunk().await {
            Ok(Some(chunk)) => read.extend_from_slice(&chunk),
            _ => break,
        }
    }
    read.truncate(BODY_CAP);
    Answer {
        status: Some(status.as_u16()),
        error: Some(failure(status, &read)),
        retry_after,
    }
}

/// A non-2xx answer in words, with the start of what the receiver said.
fn failure(status: reqwest::StatusCode, body: &[u8]) -> String {
    let mut text = format!("answered {status}");
    if status.is_redirection() {
        text.push_str(" (redirects are not followed: give the endpoint its new URL)");
    }
    let said: String = String::from_utf8_lossy(body)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(EXCERPT_CHARS)
        .collect();
    let said = said.split_whitespace().collect::<Vec<_>>().join(" ");
    if !said.is_empty() {
        text.push_str(": ");
        text.push_str(&said);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_is_worded_with_the_start_of_the_answer() {
        let e = failure(reqwest::StatusCode::INTERNAL_SERVER_ERROR, b"oops\n\tbroken");
        assert_eq!(e, "answered 500 Internal Server Error: oops broken");
        let e = failure(reqwest::StatusCode::MOVED_PERMANENTLY, b"");
        assert!(e.contains("redirects are not followed"), "{e}");
        let long = vec![b'x'; 5000];
        assert!(failure(reqwest::StatusCode::BAD_GATEWAY, &long).len() < 300);
    }
}
