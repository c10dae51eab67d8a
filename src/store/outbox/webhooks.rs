//! Outbox rows of kind `webhook`: one event to one client endpoint, queued, listed for the
//! delivery log, and made due again on request.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{OutboxRow, PENDING, WEBHOOK};
use crate::store::entities::outbox::{self, Entity as Outbox};
use crate::store::StoreError;

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
