//! Clients' webhook endpoints and the log of attempts to deliver to them. The deliveries
//! themselves are outbox rows (`super::outbox`, kind `webhook`). Every read an admin makes
//! takes the client first.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::webhook_attempt::{self, Entity as Attempts};
use super::entities::webhook_endpoint::{self, Entity as Endpoints};
use super::StoreError;

pub use super::entities::webhook_attempt::Model as AttemptRow;
pub use super::entities::webhook_endpoint::Model as EndpointRow;

/// `disabled_reason` of an endpoint Switchboard turned off after it failed for too long.
pub const OFF_FAILING: &str = "failing";
/// `disabled_reason` of an endpoint Switchboard turned off after so many failures in a row.
pub const OFF_FAILURES: &str = "failures";
/// `disabled_reason` of an endpoint an admin turned off.
pub const OFF_ADMIN: &str = "admin";

/// A new endpoint; its secret already sealed.
#[derive(Debug, Clone)]
pub struct NewEndpoint<'a> {
    pub id: &'a str,
    pub client: &'a str,
    pub url: &'a str,
    /// Event types, separated by commas.
    pub events: &'a str,
    pub secret_encrypted: &'a str,
}

/// # Errors
/// On database failure.
pub async fn create(db: &impl ConnectionTrait, e: &NewEndpoint<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    Endpoints::insert(webhook_endpoint::ActiveModel {
        id: Set(e.id.to_owned()),
        client_id: Set(e.client.to_owned()),
        url: Set(e.url.to_owned()),
        events: Set(e.events.to_owned()),
        secret_encrypted: Set(e.secret_encrypted.to_owned()),
        enabled: Set(true),
        failing_since: Set(None),
        consecutive_failures: Set(0),
        disabled_at: Set(None),
        disabled_reason: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The client's endpoints, oldest first.
///
/// # Errors
/// On database failure.
pub async fn for_client(db: &impl ConnectionTrait, client: &str) -> Result<Vec<EndpointRow>, StoreError> {
    Ok(Endpoints::find()
        .filter(webhook_endpoint::Column::ClientId.eq(client))
        .order_by_asc(webhook_endpoint::Column::CreatedAt)
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?)
}

/// The client's endpoints that are on and take `event`.
///
/// # Errors
/// On database failure.
pub async fn subscribed(db: &impl ConnectionTrait, client: &str, event: &str) -> Result<Vec<EndpointRow>, StoreError> {
    let on = Endpoints::find()
        .filter(webhook_endpoint::Column::ClientId.eq(client))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(db)
        .await?;
    Ok(on
        .into_iter()
        .filter(|e| e.events.split(',').any(|t| t == event))
        .collect())
}

/// One of the client's endpoints.
///
/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, client: &str, id: &str) -> Result<Option<EndpointRow>, StoreError> {
    Ok(Endpoints::find_by_id(id)
        .filter(webhook_endpoint::Column::ClientId.eq(client))
        .one(db)
        .await?)
}

/// An endpoint by its id alone, for the worker (the delivery names it).
///
/// # Errors
/// On database failure.
pub async fn by_id(db: &impl ConnectionTrait, id: &str) -> Result<Option<EndpointRow>, StoreError> {
    Ok(Endpoints::find_by_id(id).one(db).await?)
}

/// What an admin changes; `None` leaves it.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub url: Option<String>,
    pub events: Option<String>,
    pub enabled: Option<bool>,
}

/// Applies `change`; turning an endpoint on forgets its failures. Returns whether the
/// client has such an endpoint.
///
/// # Errors
/// On database failure.
pub async fn update(
    db: &impl ConnectionTrait,
    client: &str,
    id: &str,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut q = Endpoints::update_many()
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::ClientId.eq(client));
    if let Some(url) = &change.url {
        q = q.col_expr(webhook_endpoint::Column::Url, Expr::value(url.clone()));
    }
    if let Some(events) = &change.events {
        q = q.col_expr(webhook_endpoint::Column::Events, Expr::value(events.clone()));
    }
    match change.enabled {
        Some(true) => {
            q = q
                .col_expr(webhook_endpoint::Column::Enabled, Expr::value(true))
                .col_expr(
                    webhook_endpoint::Column::FailingSince,
                    Expr::value(None::<DateTime<Utc>>),
                )
                .col_expr(webhook_endpoint::Column::ConsecutiveFailures, Expr::value(0))
                .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(None::<DateTime<Utc>>))
                .col_expr(webhook_endpoint::Column::DisabledReason, Expr::value(None::<String>));
        }
        Some(false) => {
            q = q
                .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
                .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(now))
                .col_expr(webhook_endpoint::Column::DisabledReason, Expr::value(OFF_ADMIN));
        }
        None => {}
    }
    Ok(q.exec(db).await?.rows_affected > 0)
}

/// Removes the endpoint and its attempts' log. Returns whether the client had it.
///
/// # Errors
/// On database failure.
pub async fn delete(db: &impl ConnectionTrait, client: &str, id: &str) -> Result<bool, StoreError> {
    let gone = Endpoints::delete_many()
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::ClientId.eq(client))
        .exec(db)
        .await?
        .rows_affected;
    if gone > 0 {
        Attempts::delete_many()
            .filter(webhook_attempt::Column::EndpointId.eq(id))
            .exec(db)
            .await?;
    }
    Ok(gone > 0)
}

/// How an endpoint has been failing: since when every attempt failed, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failing {
    pub since: DateTime<Utc>,
    pub in_a_row: u32,
}

/// Notes a failed attempt; returns how the endpoint has been failing, this attempt counted.
///
/// # Errors
/// On database failure.
pub async fn note_failure(db: &impl ConnectionTrait, id: &str, now: DateTime<Utc>) -> Result<Failing, StoreError> {
    let column = webhook_endpoint::Column::ConsecutiveFailures;
    Endpoints::update_many()
        .col_expr(column, Expr::col(column).add(1))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .exec(db)
        .await?;
    Endpoints::update_many()
        .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_null())
        .exec(db)
        .await?;
    let row = by_id(db, id).await?;
    Ok(Failing {
        since: row.as_ref().and_then(|r| r.failing_since).unwrap_or(now),
        in_a_row: row.map_or(1, |r| u32::try_from(r.consecutive_failures).unwrap_or(0)),
    })
}

/// Notes an attempt that worked: the endpoint is no longer failing.
///
/// # Errors
/// On database failure.
pub async fn note_success(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Endpoints::update_many()
        .col_expr(
            webhook_endpoint::Column::FailingSince,
            Expr::value(None::<DateTime<Utc>>),
        )
        .col_expr(webhook_endpoint::Column::ConsecutiveFailures, Expr::value(0))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::FailingSince.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Turns off an endpoint that failed for too long or too often (`reason`: [`OFF_FAILING`]
/// or [`OFF_FAILURES`]). Returns false when it was already off (another worker got there
/// first), so the admin is told once.
///
/// # Errors
/// On database failure.
pub async fn turn_off_failing(
    db: &impl ConnectionTrait,
    id: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = Endpoints::update_many()
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
        .col_expr(webhook_endpoint::Column::DisabledAt, Expr::value(now))
        .col_expr(webhook_endpoint::Column::DisabledReason, Expr::value(reason))
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_endpoint::Column::Id.eq(id))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// One attempt to deliver, as the log keeps it.
#[derive(Debug, Clone)]
pub struct Attempt<'a> {
    pub delivery_id: i64,
    pub endpoint: &'a str,
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    pub error: Option<&'a str>,
}

/// # Errors
/// On database failure.
pub async fn record_attempt(db: &impl ConnectionTrait, a: &Attempt<'_>) -> Result<(), StoreError> {
    Attempts::insert(webhook_attempt::ActiveModel {
        delivery_id: Set(a.delivery_id),
        endpoint_id: Set(a.endpoint.to_owned()),
        attempted_at: Set(a.at),
        status_code: Set(a.status_code),
        latency_ms: Set(a.latency_ms),
        error: Set(a.error.map(str::to_owned)),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The attempts at these deliveries, oldest first.
///
/// # Errors
/// On database failure.
pub async fn attempts(db: &impl ConnectionTrait, deliveries: Vec<i64>) -> Result<Vec<AttemptRow>, StoreError> {
    Ok(Attempts::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?)
}

/// Forgets the attempts at deliveries that are deleted (retention).
///
/// # Errors
/// On database failure.
pub async fn forget_attempts(db: &impl ConnectionTrait, deliveries: Vec<i64>) -> Result<(), StoreError> {
    Attempts::delete_many()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries))
        .exec(db)
        .await?;
    Ok(())
}
