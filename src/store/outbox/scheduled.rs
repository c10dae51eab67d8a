//! Sends admins made through the API: counted against the hourly quota, and, while they
//! wait, listed, cancelled or moved.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{count_and_oldest, unclaimed, OutboxRow, CANCELLED, PENDING};
use crate::store::entities::outbox::{self, Entity as Outbox};
use crate::store::StoreError;

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
    count_and_oldest(db, || {
        Outbox::find()
            .filter(outbox::Column::ClientId.eq(client))
            .filter(outbox::Column::Purpose.is_in(API_PURPOSES.iter().copied()))
            .filter(outbox::Column::CreatedAt.gte(since))
    })
    .await
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
