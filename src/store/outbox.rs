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

pub const PENDING: &str = "pending";
pub const SENT: &str = "sent";
pub const FAILED: &str = "failed";
pub const CANCELLED: &str = "cancelled";

/// The kind of a row that is a webhook to a client's endpoint.
pub const WEBHOOK: &str = "webhook";

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

/// A webhook to deliver: one event to one endpoint.
#[derive(Debug, Clone)]
pub struct NewWebhook<'a> {
    pub client: &'a str,
    pub endpoint: &'a str,
    /// Unique per event and endpoint: a second enqueue with the same key is ignored.
    pub dedupe_key: String,
    /// The event type (`call.completed`…).
    pub event: &'a str,
    /// The `webhook-id` every attempt carries, the same for the event at every endpoint.
    pub webhook_id: &'a str,
    /// The JSON payload, exactly as it is signed and sent.
    pub payload: &'a str,
}

/// Adds a webhook delivery unless one with its dedupe key exists (see [`OutboxRow::kind`]).
/// Returns whether it was new.
///
/// # Errors
/// On database failure.
pub async fn enqueue_webhook(
    db: &impl ConnectionTrait,
    w: &NewWebhook<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = Outbox::insert(outbox::ActiveModel {
        client_id: Set(w.client.to_owned()),
        dedupe_key: Set(w.dedupe_key.clone()),
        purpose: Set(w.event.to_owned()),
        to_number: Set(w.endpoint.to_owned()),
        from_number: Set(String::new()),
        body: Set(w.payload.to_owned()),
        send_at: Set(now),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        message_sid: Set(Some(w.webhook_id.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        kind: Set(WEBHOOK.to_owned()),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(outbox::Column::DedupeKey).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// The deliveries to one endpoint, newest first, below `before_id`, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn webhook_deliveries(
    db: &impl ConnectionTrait,
    endpoint: &str,
    before_id: Option<i64>,
    limit: u64,
) -> Result<Vec<OutboxRow>, StoreError> {
    use sea_orm::QuerySelect;
    let mut q = Outbox::find()
        .filter(outbox::Column::Kind.eq(WEBHOOK))
        .filter(outbox::Column::ToNumber.eq(endpoint));
    if let Some(id) = before_id {
        q = q.filter(outbox::Column::Id.lt(id));
    }
    Ok(q.order_by_desc(outbox::Column::Id).limit(limit).all(db).await?)
}

/// One delivery to `endpoint`.
///
/// # Errors
/// On database failure.
pub async fn webhook_delivery(
    db: &impl ConnectionTrait,
    endpoint: &str,
    id: i64,
) -> Result<Option<OutboxRow>, StoreError> {
    Ok(Outbox::find_by_id(id)
        .filter(outbox::Column::Kind.eq(WEBHOOK))
        .filter(outbox::Column::ToNumber.eq(endpoint))
        .one(db)
        .await?)
}

/// Makes a delivery due now with a fresh count of attempts, whatever became of it, unless a
/// worker holds it right now. Returns whether it did.
///
/// # Errors
/// On database failure.
pub async fn deliver_again(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = Outbox::update_many()
        .col_expr(outbox::Column::State, Expr::value(PENDING))
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::SendAt, Expr::value(now))
        .col_expr(outbox::Column::UpdatedAt, Expr::value(now))
        .col_expr(outbox::Column::LastError, Expr::value(Option::<String>::None))
        .filter(outbox::Column::Id.eq(id))
        .filter(
            Condition::any()
                .add(outbox::Column::ClaimedUntil.is_null())
                .add(outbox::Column::ClaimedUntil.lt(now)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
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

/// Every message of a client, oldest first.
///
/// # Errors
/// On database failure.
pub async fn for_client(db: &impl ConnectionTrait, client: &str) -> Result<Vec<OutboxRow>, StoreError> {
    oldest_first(db, outbox::Column::ClientId.eq(client)).await
}

/// # Errors
/// On database failure.
pub async fn find_by_key(db: &impl ConnectionTrait, dedupe_key: &str) -> Result<Option<OutboxRow>, StoreError> {
    Ok(Outbox::find()
        .filter(outbox::Column::DedupeKey.eq(dedupe_key))
        .one(db)
        .await?)
}

/// Sends through the API count against a client's hourly quota.
pub const API_PURPOSES: &[&str] = &["api", "bulk", "call"];

/// How many API sends the client queued since `since`, and when the oldest of them was.
///
/// # Errors
/// On database failure.
pub async fn api_sends_since(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let recent = || {
        Outbox::find()
            .filter(outbox::Column::ClientId.eq(client))
            .filter(outbox::Column::Purpose.is_in(API_PURPOSES.iter().copied()))
            .filter(outbox::Column::CreatedAt.gte(since))
    };
    let count = recent().count(db).await?;
    let oldest: Option<DateTime<Utc>> = recent()
        .select_only()
        .column(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok((count, oldest))
}

/// Filters for the message history; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub clients: Option<Vec<String>>,
    pub to: Option<crate::phone::NumberSearch>,
    pub state: Option<String>,
    pub purpose: Option<String>,
    /// Leave out texts to customers: they are read by conversation (`super::conversations`).
    pub without_conversations: bool,
    /// Continue below this id (the previous page's last).
    pub before_id: Option<i64>,
}

/// Messages newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn list(db: &impl ConnectionTrait, f: &MessageFilter, limit: u64) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(Outbox::find()
        .from_raw_sql(list_query(db.get_database_backend(), f, limit))
        .all(db)
        .await?)
}

/// The statement [`list`] runs (its plan is checked by the tests).
pub fn list_query(backend: DatabaseBackend, f: &MessageFilter, limit: u64) -> Statement {
    use sea_orm::{QuerySelect, QueryTrait};
    let mut q = Outbox::find().filter(outbox::Column::Kind.ne(WEBHOOK));
    if let Some(clients) = &f.clients {
        q = q.filter(outbox::Column::ClientId.is_in(clients.clone()));
    }
    if let Some(to) = &f.to {
        q = q.filter(super::search::number_ends_with(outbox::Column::ToDigitsReversed, to));
    }
    for (column, value) in [(outbox::Column::State, &f.state), (outbox::Column::Purpose, &f.purpose)] {
        if let Some(v) = value {
            q = q.filter(column.eq(v.clone()));
        }
    }
    if f.without_conversations {
        q = q.filter(super::conversations::sent_to_customers().not());
    }
    if let Some(id) = f.before_id {
        q = q.filter(outbox::Column::Id.lt(id));
    }
    q.order_by_desc(outbox::Column::Id).limit(limit).build(backend)
}

/// How many messages are pending, and since when the oldest of them waits.
///
/// # Errors
/// On database failure.
pub async fn pending_stats(db: &impl ConnectionTrait) -> Result<(u64, Option<DateTime<Utc>>), StoreError> {
    use sea_orm::{PaginatorTrait, QuerySelect};
    let pending = || Outbox::find().filter(outbox::Column::State.eq(PENDING));
    let count = pending().count(db).await?;
    let oldest: Option<DateTime<Utc>> = pending()
        .select_only()
        .column(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::CreatedAt)
        .into_tuple()
        .one(db)
        .await?;
    Ok((count, oldest))
}

/// Messages an admin sent through the API that wait to be sent, of one client.
fn scheduled_of(client: &str) -> sea_orm::Select<Outbox> {
    Outbox::find()
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::State.eq(PENDING))
        .filter(outbox::Column::Purpose.is_in(API_PURPOSES.iter().copied()))
}

/// The client's API sends not yet sent, soonest first, after `after` (the previous page's
/// last send time and id), at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn scheduled(
    db: &impl ConnectionTrait,
    client: &str,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Vec<OutboxRow>, StoreError> {
    use sea_orm::QuerySelect;
    let mut q = scheduled_of(client);
    if let Some((at, id)) = after {
        q = q.filter(
            Condition::any().add(outbox::Column::SendAt.gt(at)).add(
                Condition::all()
                    .add(outbox::Column::SendAt.eq(at))
                    .add(outbox::Column::Id.gt(id)),
            ),
        );
    }
    Ok(q.order_by_asc(outbox::Column::SendAt)
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// One of the client's API sends, whatever its state.
///
/// # Errors
/// On database failure.
pub async fn api_send(db: &impl ConnectionTrait, client: &str, id: i64) -> Result<Option<OutboxRow>, StoreError> {
    Ok(Outbox::find_by_id(id)
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::Purpose.is_in(API_PURPOSES.iter().copied()))
        .one(db)
        .await?)
}

/// Cancels one of the client's API sends, or moves it to `send_at` (`None`: cancels), while
/// no worker holds it. Returns false when it is not waiting any more (sent, being sent,
/// failed or cancelled).
///
/// # Errors
/// On database failure.
pub async fn change_scheduled(
    db: &impl ConnectionTrait,
    client: &str,
    id: i64,
    send_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let update = Outbox::update_many().col_expr(outbox::Column::UpdatedAt, Expr::value(now));
    let update = match send_at {
        Some(at) => update.col_expr(outbox::Column::SendAt, Expr::value(at)),
        None => update
            .col_expr(outbox::Column::State, Expr::value(CANCELLED))
            .col_expr(outbox::Column::LastError, Expr::value("cancelled by an admin")),
    };
    let done = update
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::Purpose.is_in(API_PURPOSES.iter().copied()))
        .filter(unclaimed(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}
