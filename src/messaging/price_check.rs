//! What a text cost: Twilio's answer to a send seldom has the price, which Twilio sets
//! once the text has gone out. So a text sent without one gets a `price` row in the outbox,
//! due a little later; the worker asks Twilio for the message (`GET Messages/{sid}.json`)
//! and, while Twilio has no price yet, asks again with the outbox's back-off, until the
//! retries run out. A status callback that brings a price first makes the question moot.

use chrono::{DateTime, Duration, Utc};
use tracing::warn;

use super::worker::{retry_later, Outcome, Worker};
use crate::accounts::Sender;
use crate::store::outbox::{self, OutboxRow, CANCELLED, FAILED};
use crate::store::{messages, StoreError};
use crate::twilio::rest::{MessageResource, SendError};

/// How long after sending the price is first asked for: Twilio prices a text once it has
/// left, which takes seconds to minutes.
pub const FIRST_ASK_AFTER: Duration = Duration::seconds(60);

/// After a send: keeps the price when Twilio's answer had one, else queues asking for it.
///
/// # Errors
/// On database failure.
pub async fn after_send(
    worker: &Worker,
    row: &OutboxRow,
    message: &MessageResource,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let priced = match message.price.as_deref() {
        Some(price) => messages::record_price(&worker.db, &message.sid, price).await?,
        None => false,
    };
    if !priced {
        outbox::enqueue_price_check(&worker.db, row, &message.sid, now + FIRST_ASK_AFTER, now).await?;
    }
    Ok(())
}

/// Asks Twilio for the price of the text a `price` row names.
///
/// # Errors
/// On database failure.
pub async fn ask(worker: &Worker, row: &OutboxRow) -> Result<Outcome, StoreError> {
    let now = worker.clock.now();
    let Some(sid) = row.message_sid.as_deref() else {
        outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, "no text to price", now).await?;
        return Ok(Outcome::GaveUp);
    };
    let known = messages::status(&worker.db, sid).await?.and_then(|s| s.price_micros);
    if known.is_some() {
        outbox::mark_sent(&worker.db, row.id, sid, None, now).await?;
        return Ok(Outcome::Sent);
    }
    let account = match worker.sender(&row.client_id).await? {
        Sender::Twilio(account) => account,
        Sender::Log => {
            let why = "local mode: no Twilio account to ask";
            outbox::finish_unsent(&worker.db, row.id, CANCELLED, None, why, now).await?;
            return Ok(Outcome::GaveUp);
        }
        Sender::Unusable(e) => return retry_later(worker, row, &e.to_string(), None).await,
    };
    match worker.outbound.client.fetch_message(&account, sid).await {
        Ok(message) => {
            let priced = match message.price.as_deref() {
                Some(price) => messages::record_price(&worker.db, sid, price).await?,
                None => false,
            };
            if priced {
                outbox::mark_sent(&worker.db, row.id, sid, None, now).await?;
                return Ok(Outcome::Sent);
            }
            let why = format!("Twilio has not priced the text yet (it is {})", message.status);
            retry_later(worker, row, &why, None).await
        }
        Err(SendError::Retryable { retry_after, reason }) => retry_later(worker, row, &reason, retry_after).await,
        Err(e) => {
            warn!(id = row.id, message_sid = sid, error = %e, "price check: Twilio refused");
            outbox::finish_unsent(&worker.db, row.id, FAILED, e.code(), &e.to_string(), now).await?;
            Ok(Outcome::GaveUp)
        }
    }
}
