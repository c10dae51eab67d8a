//! The outbox worker: claims due messages and delivers them, through Twilio (with the
//! client's own account when it has one), e-mails through SMTP and webhooks to clients'
//! endpoints (`webhooks::delivery`), or, in local mode, to the log. Retries with
//! back-off, never twice: a message that may already have been accepted is looked up in
//! Twilio's list before it is sent again. A message that fails ends alone: the batch goes on.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tracing::{info, warn};

use super::email::MailError;
use super::Outbound;
use crate::accounts::secrets::SecretKey;
use crate::accounts::{self, Sender};
use crate::assistants::links::hidden_in;
use crate::clock::Clock;
use crate::phone::{mask, mask_all};
use crate::store::outbox::{self, OutboxRow, CANCELLED, FAILED};
use crate::store::{self, calls, messages, Db, StoreError};
use crate::twilio::rest::{Account, MessageResource, NewCall, NewMessage, SendError, TwilioClient};
use crate::twilio::retry;
use crate::twilio::webhooks::Links;

const BATCH: u32 = 32;
const IDLE_POLL: StdDuration = StdDuration::from_millis(200);
const SWEEP_EVERY: StdDuration = StdDuration::from_secs(60);
/// Why a message to a number that replied STOP since it was queued was not sent.
pub const OPTED_OUT: &str = "recipient opted out";
/// Twilio transcribes within minutes; a transcript this late is not coming.
pub const TRANSCRIPT_GIVE_UP_MINUTES: i64 = 15;

/// What the outbox worker uses, and nothing more: assembled once at start-up; the worker
/// task owns a copy.
#[derive(Debug, Clone)]
pub struct Worker {
    pub db: Db,
    pub clock: Arc<dyn Clock>,
    /// For the status callback of notification calls.
    pub links: Links,
    pub outbound: Arc<Outbound>,
    /// How long a claimed message stays this worker's before another may take it.
    pub lease: Duration,
    /// The first retry's wait, doubled for each one after.
    pub backoff: StdDuration,
    /// Opens clients' own Twilio accounts.
    pub secret_key: Option<SecretKey>,
}

impl Worker {
    /// The account that sends for `client` (see `accounts::sender`).
    ///
    /// # Errors
    /// On database failure.
    pub async fn sender(&self, client: &str) -> Result<Sender, StoreError> {
        accounts::sender(
            &self.db,
            self.secret_key.as_ref(),
            self.outbound.default_account.as_ref(),
            client,
        )
        .await
    }
}

/// What became of one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    Retry(DateTime<Utc>),
    GaveUp,
}

/// Delivers one batch of due messages; returns how many were handled (0: nothing due).
///
/// # Errors
/// When the database fails.
pub async fn deliver_due(worker: &Worker) -> Result<usize, StoreError> {
    let now = worker.clock.now();
    let mut rows = outbox::claim_due(&worker.db, now, worker.lease, BATCH).await?;
    // RETURNING gives no order: send the oldest first.
    rows.sort_by_key(|r| (r.send_at, r.id));
    for row in &rows {
        let outcome = deliver(worker, row).await?;
        crate::metrics::outbox(match outcome {
            Outcome::Sent => "sent",
            Outcome::Retry(_) => "retry",
            Outcome::GaveUp => "gave_up",
        });
        info!(id = row.id, purpose = %row.purpose, to = %mask(&row.to_number), attempt = row.attempts, ?outcome, "outbox");
    }
    Ok(rows.len())
}

/// Marks transcripts that are too late to come, so nothing waits for them forever.
///
/// # Errors
/// When the database fails.
pub async fn sweep(worker: &Worker) -> Result<u64, StoreError> {
    let cutoff = worker.clock.now() - Duration::minutes(TRANSCRIPT_GIVE_UP_MINUTES);
    store::recordings::mark_missing_transcripts(&worker.db, cutoff).await
}

/// Runs until `stop` resolves: delivers whatever is due, then waits a little.
pub async fn run(worker: Worker, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut last_sweep = std::time::Instant::now();
    loop {
        if last_sweep.elapsed() >= SWEEP_EVERY {
            last_sweep = std::time::Instant::now();
            if let Err(e) = sweep(&worker).await {
                warn!(error = %e, "could not mark missing transcripts");
            }
        }
        let handled = match deliver_due(&worker).await {
            Ok(n) => n,
            Err(e) => {
                warn!(error = %e, "outbox: database unavailable");
                0
            }
        };
        if *stop.borrow() {
            return;
        }
        if handled == 0 {
            tokio::select! {
                () = tokio::time::sleep(IDLE_POLL) => {}
                () = worker.outbound.wake.notified() => {}
                _ = stop.changed() => return,
            }
        }
    }
}

async fn deliver(worker: &Worker, row: &OutboxRow) -> Result<Outcome, StoreError> {
    if row.kind == outbox::WEBHOOK {
        return crate::webhooks::delivery::deliver(worker, row).await;
    }
    if row.kind == outbox::PRICE {
        return super::price_check::ask(worker, row).await;
    }
    if row.kind == outbox::TWILIO_QUEUE {
        return crate::calls::queue::twilio::provision(worker, row).await;
    }
    let now = worker.clock.now();
    if let Some(reason) = no_longer_wanted(worker, row).await? {
        outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, reason, now).await?;
        return Ok(Outcome::GaveUp);
    }
    if row.kind == "email" {
        return send_email(worker, row).await;
    }
    let account = match worker.sender(&row.client_id).await? {
        Sender::Twilio(account) => account,
        Sender::Log => {
            info!(to = %mask(&row.to_number), body = %hidden_in(&mask_all(&row.body)), "LOCAL MODE: message not sent to Twilio");
            outbox::mark_sent(&worker.db, row.id, &format!("SMlocal{:027}", row.id), None, now).await?;
            return Ok(Outcome::Sent);
        }
        // Never another account instead: the sender number belongs to the client's. The key
        // may be fixed and the process restarted before the retries run out.
        Sender::Unusable(e) => {
            let reason = e.to_string();
            warn!(id = row.id, client = %row.client_id, error = %reason, "outbox: the client's account is unusable");
            let error = SendError::Retryable {
                retry_after: None,
                reason,
            };
            return retry(worker, row, &error).await;
        }
    };
    let twilio = &worker.outbound.client;
    if row.kind == "call" {
        return place_call(worker, twilio, &account, row).await;
    }
    // A second attempt may follow one that Twilio accepted before we heard back.
    if row.attempts > 1 {
        match twilio
            .find_recent_message(&account, &row.to_number, &row.from_number, &row.body, row.created_at)
            .await
        {
            Ok(Some(found)) => return sent(worker, row, &found).await,
            Ok(None) => {}
            Err(e) => {
                return retry(
                    worker,
                    row,
                    &SendError::Ambiguous {
                        reason: format!("lookup failed: {e}"),
                    },
                )
                .await
            }
        }
    }
    worker.outbound.rates.until_ready(&account.sid).await;
    let media: Vec<String> = row
        .media_urls
        .as_deref()
        .and_then(|m| serde_json::from_str(m).ok())
        .unwrap_or_default();
    let message = NewMessage {
        to: &row.to_number,
        from: &row.from_number,
        body: &row.body,
        media_urls: &media,
        status_callback: worker.outbound.status_callback.as_deref(),
    };
    match twilio.send_message(&account, &message).await {
        Ok(m) => sent(worker, row, &m).await,
        Err(SendError::Rejected { code, message, .. }) => {
            crate::metrics::twilio_error(code);
            if code == Some(21610) {
                messages::set_opt_out(
                    &worker.db,
                    &row.client_id,
                    &row.to_number,
                    true,
                    messages::REPORTED_BY_TWILIO,
                    now,
                )
                .await?;
            }
            outbox::finish_unsent(&worker.db, row.id, FAILED, code, &message, now).await?;
            Ok(Outcome::GaveUp)
        }
        Err(e) => retry(worker, row, &e).await,
    }
}

/// An e-mail alert. One whose last attempt was cut short (the process died with it at the
/// relay) is sent again with the same `Message-ID`: an alert lost is worse than one that
/// may arrive twice, and mail apps show such a pair once.
async fn send_email(worker: &Worker, row: &OutboxRow) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let Some(mailer) = &worker.outbound.mailer else {
        info!(id = row.id, subject = ?row.subject, body = %hidden_in(&mask_all(&row.body)), "LOCAL MODE: e-mail not sent (no SWITCHBOARD_SMTP_URL)");
        outbox::mark_sent(&worker.db, row.id, "local", None, now).await?;
        return Ok(Outcome::Sent);
    };
    if row.last_error.as_deref() == Some(outbox::HANDED_OVER) {
        warn!(
            id = row.id,
            "e-mail: an earlier attempt was cut short at the relay; sending it again with the same Message-ID"
        );
    }
    outbox::note_handed_over(&worker.db, row.id, now).await?;
    match mailer.send(row).await {
        Ok(message_id) => {
            outbox::mark_sent(&worker.db, row.id, &message_id, None, now).await?;
            Ok(Outcome::Sent)
        }
        Err(MailError::Refused(reason)) => {
            outbox::finish_unsent(&worker.db, row.id, FAILED, None, &reason, now).await?;
            Ok(Outcome::GaveUp)
        }
        Err(MailError::Temporary(reason)) => retry_later(worker, row, &reason, None).await,
    }
}

/// A notification call: `body` holds its TwiML. Twilio keeps no list we could search
/// by content, so a call that may already have been placed is not placed again.
async fn place_call(
    worker: &Worker,
    twilio: &TwilioClient,
    account: &Account,
    row: &OutboxRow,
) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    worker.outbound.rates.until_ready(&account.sid).await;
    let status_callback = worker.links.absolute(crate::twilio::webhooks::PATH_STATUS);
    let call = NewCall {
        to: &row.to_number,
        from: &row.from_number,
        twiml: &row.body,
        status_callback: status_callback.as_deref(),
    };
    match twilio.create_call(account, &call).await {
        Ok(c) => {
            if let (Some(assistant), Some(customer)) = (&row.assistant_id, &row.subject) {
                let placed = calls::NewCall {
                    call_sid: &c.sid,
                    client: Some(&row.client_id),
                    rules_version: None,
                    direction: "outbound-api",
                    from: &row.from_number,
                    to: customer,
                    status: &c.status,
                    trace: None,
                    outcome: None,
                };
                calls::record_placed(&worker.db, &placed, assistant, now).await?;
            }
            outbox::mark_sent(&worker.db, row.id, &c.sid, None, now).await?;
            Ok(Outcome::Sent)
        }
        Err(e @ SendError::Retryable { .. }) => retry(worker, row, &e).await,
        Err(e) => {
            let note = if matches!(e, SendError::Ambiguous { .. }) {
                "may have been placed; not placed again: "
            } else {
                ""
            };
            outbox::finish_unsent(&worker.db, row.id, FAILED, e.code(), &format!("{note}{e}"), now).await?;
            Ok(Outcome::GaveUp)
        }
    }
}

/// Why a message should not go out after all: the number opted out, or a missed-call
/// alert whose call turned out to have been answered or to have a voicemail.
async fn no_longer_wanted(worker: &Worker, row: &OutboxRow) -> Result<Option<&'static str>, StoreError> {
    if messages::is_opted_out(&worker.db, &row.client_id, &row.to_number).await? {
        return Ok(Some(OPTED_OUT));
    }
    if row.purpose == "missed_call" {
        if let Some(call_sid) = &row.call_sid {
            let outcome = calls::find(&worker.db, call_sid).await?.and_then(|d| d.call.outcome);
            if outcome.as_deref() != Some(calls::Outcome::Missed.as_str()) {
                return Ok(Some("the call was not missed after all"));
            }
        }
    }
    Ok(None)
}

async fn sent(worker: &Worker, row: &OutboxRow, message: &MessageResource) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let segments = message.segments().and_then(|s| i32::try_from(s).ok());
    outbox::mark_sent(&worker.db, row.id, &message.sid, segments, now).await?;
    store::messages::record_status(&worker.db, &message.sid, &message.status, None, None, now).await?;
    super::price_check::after_send(worker, row, message, now).await?;
    Ok(Outcome::Sent)
}

async fn retry(worker: &Worker, row: &OutboxRow, error: &SendError) -> Result<Outcome, StoreError> {
    crate::metrics::twilio_error(error.code());
    let retry_after = match error {
        SendError::Retryable { retry_after, .. } => *retry_after,
        _ => None,
    };
    retry_later(worker, row, &error.to_string(), retry_after).await
}

/// Tries again after the back-off (or `retry_after`, when the other side named a wait), or
/// gives up after the last attempt.
pub(crate) async fn retry_later(
    worker: &Worker,
    row: &OutboxRow,
    error: &str,
    retry_after: Option<StdDuration>,
) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let attempts = u32::try_from(row.attempts).unwrap_or(u32::MAX);
    if attempts >= retry::MAX_ATTEMPTS {
        outbox::finish_unsent(&worker.db, row.id, FAILED, None, &format!("gave up: {error}"), now).await?;
        return Ok(Outcome::GaveUp);
    }
    // `attempts` counts this one; back-off counts failures before it from 0.
    let base = worker.backoff;
    let wait = retry::next_attempt(base, attempts.saturating_sub(1), retry_after, rand::random::<f64>());
    let at = now + Duration::from_std(wait).unwrap_or(Duration::seconds(60));
    outbox::retry_at(&worker.db, row.id, at, error, now).await?;
    Ok(Outcome::Retry(at))
}
