//! The outbox: every message we send is a row, written in the same transaction as
//! the event that caused it, with a unique dedupe key so a retried callback can never
//! enqueue twice. Workers claim due rows with a lease; several processes on
//! PostgreSQL never claim the same row (`FOR UPDATE SKIP LOCKED`), and on SQLite the
//! single writer makes the claiming statement atomic.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder,
    Statement,
};

use super::entities::outbox::{self, Entity as Outbox};
use super::StoreError;

pub use super::entities::outbox::Model as OutboxRow;

mod history;
mod prices;
mod scheduled;
mod webhooks;

pub use history::{list, list_query, MessageFilter};
pub use prices::enqueue_price_check;
pub use scheduled::{api_send, api_sends_since, change_scheduled, scheduled, API_PURPOSES};
pub use webhooks::{deliver_again, enqueue_webhook, webhook_deliveries, webhook_delivery, NewWebhook};

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// The kind of a row that is a webhook to a client's endpoint.
pub const WEBHOOK: &str = "webhook";
/// The kind of a row that asks Twilio what a text sent cost (`messaging::price_check`):
/// work for the worker, not a message.
pub const PRICE: &str = "price";
/// The kind (and purpose) of a row that creates or resizes a client's queue at Twilio
/// (`calls::queue::twilio`): work for the worker, not a message.
pub const TWILIO_QUEUE: &str = "queue";
/// Kinds of rows that are not messages, left out of the history and the figures.
pub const NOT_MESSAGES: [&str; 3] = [WEBHOOK, PRICE, TWILIO_QUEUE];

/// `last_error` while an e-mail is with the relay: still there when the row is claimed
/// again, it says the attempt was cut short and the relay may have taken the e-mail.
pub const HANDED_OVER: &str = "handed to the SMTP relay; no answer recorded";

/// A message to send.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    pub client: &'a str,
    /// Unique per message we mean to send: a second enqueue with the same key is ignored.
    pub dedupe_key: String,
    /// `voicemail`, `voicemail_transcript`, `transcript`, `missed_call`, `reply`…
    pub purpose: &'a str,
    pub call_sid: Option<&'a str>,
    pub recording_sid: Option<&'a str>,
    pub assistant: Option<&'a str>,
    pub to: &'a str,
    pub from: &'a str,
    pub body: &'a str,
    pub send_at: DateTime<Utc>,
    /// `sms`, `call` or `email` (see [`OutboxRow::kind`]).
    pub kind: &'a str,
    pub media_urls: &'a [String],
    /// An e-mail's subject.
    pub subject: Option<&'a str>,
}

/// Adds the message unless one with its dedupe key exists. Returns whether it was new.
///
/// # Errors
/// On database failure.
pub async fn enqueue(db: &impl ConnectionTrait, m: &NewMessage<'_>, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let inserted = Outbox::insert(outbox::ActiveModel {
        client_id: Set(m.client.to_owned()),
        dedupe_key: Set(m.dedupe_key.clone()),
        purpose: Set(m.purpose.to_owned()),
        call_sid: Set(m.call_sid.map(str::to_owned)),
        recording_sid: Set(m.recording_sid.map(str::to_owned)),
        assistant_id: Set(m.assistant.map(str::to_owned)),
        to_number: Set(m.to.to_owned()),
        to_digits_reversed: Set(Some(crate::phone::digits_reversed(m.to))),
        from_number: Set(m.from.to_owned()),
        body: Set(m.body.to_owned()),
        send_at: Set(m.send_at),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        claimed_until: Set(None),
        last_error: Set(None),
        error_code: Set(None),
        message_sid: Set(None),
        segments: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        sent_at: Set(None),
        kind: Set(m.kind.to_owned()),
        media_urls: Set((!m.media_urls.is_empty()).then(|| serde_json::to_string(m.media_urls).unwrap_or_default())),
        subject: Set(m.subject.map(str::to_owned)),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(outbox::Column::DedupeKey).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// Claims up to `limit` due rows for `lease`; a worker that dies leaves them to be
/// claimed again once the lease runs out.
///
/// # Errors
/// On database failure.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u32,
) -> Result<Vec<OutboxRow>, StoreError> {
    let backend = db.get_database_backend();
    let lock = if backend == DatabaseBackend::Postgres {
        "FOR UPDATE SKIP LOCKED"
    } else {
        ""
    };
    let sql = format!(
        "UPDATE outbox SET claimed_until = $1, attempts = attempts + 1, updated_at = $2 \
         WHERE id IN (SELECT id FROM outbox WHERE state = 'pending' AND send_at <= $2 \
         AND (claimed_until IS NULL OR claimed_until < $2) ORDER BY send_at, id LIMIT $3 {lock}) \
         RETURNING *"
    );
    let values = [(now + lease).into(), now.into(), i64::from(limit).into()];
    Ok(Outbox::find()
        .from_raw_sql(Statement::from_sql_and_values(backend, sql, values))
        .all(db)
        .await?)
}

/// An update of one row that also gives up its claim: every way a delivery attempt
/// ends goes through here.
fn release(id: i64, now: DateTime<Utc>) -> sea_orm::UpdateMany<Outbox> {
    Outbox::update_many()
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .col_expr(outbox::Column::ClaimedUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(outbox::Column::Id.eq(id))
}

/// # Errors
/// On database failure.
pub async fn mark_sent(
    db: &impl ConnectionTrait,
    id: i64,
    message_sid: &str,
    segments: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    release(id, now)
        .col_expr(outbox::Column::State, Expr::value(SENT))
        .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
        .col_expr(outbox::Column::MessageSid, Expr::value(message_sid))
        .col_expr(outbox::Column::Segments, Expr::value(segments))
        .col_expr(outbox::Column::SentAt, Expr::value(now))
        .exec(db)
        .await?;
    Ok(())
}

/// Notes, before an e-mail goes to the relay, that it is on its way (see [`HANDED_OVER`]);
/// the claim stays.
///
/// # Errors
/// On database failure.
pub async fn note_handed_over(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    Outbox::update_many()
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .col_expr(outbox::Column::LastError, Expr::value(HANDED_OVER))
        .filter(outbox::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Puts the row back to be tried again at `at`.
///
/// # Errors
/// On database failure.
pub async fn retry_at(
    db: &impl ConnectionTrait,
    id: i64,
    at: DateTime<Utc>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    release(id, now)
        .col_expr(outbox::Column::SendAt, Expr::value(at))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends the row without sending: `failed` (with Twilio's code) or `cancelled`.
///
/// # Errors
/// On database failure.
pub async fn finish_unsent(
    db: &impl ConnectionTrait,
    id: i64,
    state: &str,
    code: Option<i64>,
    error: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    release(id, now)
        .col_expr(outbox::Column::State, Expr::value(state))
        .col_expr(outbox::Column::ErrorCode, Expr::value(code))
        .col_expr(outbox::Column::LastError, Expr::value(error))
        .exec(db)
        .await?;
    Ok(())
}

/// Rows no worker holds right now (never claimed, or their lease ran out).
fn unclaimed(now: DateTime<Utc>) -> Condition {
    Condition::all().add(outbox::Column::State.eq(PENDING)).add(
        Condition::any()
            .add(outbox::Column::ClaimedUntil.is_null())
            .add(outbox::Column::ClaimedUntil.lt(now)),
    )
}

/// Rewrites a pending, unclaimed message and makes it due now. Returns false when a
/// worker already holds or sent it (the caller then sends a follow-up instead).
///
/// # Errors
/// On database failure.
pub async fn rewrite_pending(
    db: &impl ConnectionTrait,
    id: i64,
    purpose: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = Outbox::update_many()
        .col_expr(outbox::Column::Purpose, Expr::value(purpose))
        .col_expr(outbox::Column::Body, Expr::value(body))
        .col_expr(outbox::Column::SendAt, Expr::value(now))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .filter(outbox::Column::Id.eq(id))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Makes every pending message about `recording_sid` due now (the transcript failed:
/// nothing should wait for it).
///
/// # Errors
/// On database failure.
pub async fn release_for_recording(
    db: &impl ConnectionTrait,
    recording_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Outbox::update_many()
        .col_expr(outbox::Column::SendAt, Expr::value(now))
        .filter(outbox::Column::RecordingSid.eq(recording_sid))
        .filter(outbox::Column::SendAt.gt(now))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    Ok(())
}

/// Cancels the missed-call alerts of a call that turned out to have a voicemail.
///
/// # Errors
/// On database failure.
pub async fn cancel_missed_call(
    db: &impl ConnectionTrait,
    call_sid: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Outbox::update_many()
        .col_expr(outbox::Column::State, Expr::value(CANCELLED))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .filter(outbox::Column::CallSid.eq(call_sid))
        .filter(outbox::Column::Purpose.eq("missed_call"))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    Ok(())
}

async fn oldest_first(
    db: &impl ConnectionTrait,
    filter: impl sea_orm::sea_query::IntoCondition,
) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(Outbox::find()
        .filter(filter)
        .order_by_asc(outbox::Column::Id)
        .all(db)
        .await?)
}

/// The messages about one recording, oldest first.
///
/// # Errors
/// On database failure.
pub async fn for_recording(db: &impl ConnectionTrait, recording_sid: &str) -> Result<Vec<OutboxRow>, StoreError> {
    oldest_first(db, outbox::Column::RecordingSid.eq(recording_sid)).await
}

/// The messages about one call, oldest first.
///
/// # Errors
/// On database failure.
pub async fn for_call(db: &impl ConnectionTrait, call_sid: &str) -> Result<Vec<OutboxRow>, StoreError> {
    oldest_first(db, outbox::Column::CallSid.eq(call_sid)).await
}

/// Every message and webhook delivery of a client, oldest first; not its price checks,
/// which are bookkeeping.
///
/// # Errors
/// On database failure.
pub async fn for_client(db: &impl ConnectionTrait, client: &str) -> Result<Vec<OutboxRow>, StoreError> {
    let rows = Condition::all()
        .add(outbox::Column::ClientId.eq(client))
        .add(outbox::Column::Kind.ne(PRICE));
    oldest_first(db, rows).await
}

/// # Errors
/// On database failure.
pub async fn find_by_key(db: &impl ConnectionTrait, dedupe_key: &str) -> Result<Option<OutboxRow>, StoreError> {
    Ok(Outbox::find()
        .filter(outbox::Column::DedupeKey.eq(dedupe_key))
        .one(db)
        .await?)
}

/// How many messages and webhook deliveries are pending, and since when the oldest of them
/// waits. Price checks are left out: they wait on Twilio, not on this server's work.
///
/// # Errors
/// On database failure.
pub async fn pending_stats(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    count_and_oldest(db, || {
        Outbox::find()
            .filter(outbox::Column::State.eq(PENDING))
            .filter(outbox::Column::Kind.ne(PRICE))
    })
    .await
}

/// How many rows `rows` selects, and when the oldest of them was created.
async fn count_and_oldest(
    db: &impl ConnectionTrait,
    rows: impl Fn() -> sea_orm::Select<Outbox>,
) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let count = rows().count(db).await?;
    let oldest: Option<DateTime<Utc>> = rows()
        .select_only()
        .column(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok((count, oldest))
}
