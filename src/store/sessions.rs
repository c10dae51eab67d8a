//! Console sessions: only the SHA-256 of a session's id is stored, with the admin token it
//! belongs to and when it began and was last used.

use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::admin::{hash, TokenRow};
use super::entities::admin_token::{self, Entity as Token};
use super::entities::console_session::{self, Entity as Session};
use super::StoreError;

/// How long a session lives: since it was last used, and at most since it began.
#[derive(Debug, Clone, Copy)]
pub struct Expiry {
    pub idle: TimeDelta,
    pub absolute: TimeDelta,
}

/// A session last used this recently is not written again: a page view need not be a write.
const TOUCH_EVERY: TimeDelta = TimeDelta::minutes(1);

/// Begins a session for `token_id` under the new random `id`.
///
/// # Errors
/// On database failure.
pub async fn begin(db: &impl ConnectionTrait, id: &str, token_id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    Session::insert(console_session::ActiveModel {
        id_hash: Set(hash(id)),
        token_id: Set(token_id),
        created_at: Set(now),
        last_seen_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The live token of the session `id`, when the session has expired neither way and its token
/// is not revoked; the session is marked used. An expired session is deleted.
///
/// # Errors
/// On database failure.
pub async fn token_of(
    db: &impl ConnectionTrait,
    id: &str,
    expiry: Expiry,
    now: DateTime<Utc>,
) -> Result<Option<TokenRow>, StoreError> {
    let id_hash = hash(id);
    let Some(session) = Session::find_by_id(id_hash.clone()).one(db).await? else {
        return Ok(None);
    };
    if session.last_seen_at + expiry.idle <= now || session.created_at + expiry.absolute <= now {
        Session::delete_by_id(id_hash).exec(db).await?;
        return Ok(None);
    }
    let token = Token::find_by_id(session.token_id)
        .filter(admin_token::Column::RevokedAt.is_null())
        .one(db)
        .await?;
    if token.is_some() && session.last_seen_at + TOUCH_EVERY <= now {
        Session::update_many()
            .col_expr(console_session::Column::LastSeenAt, Expr::value(now))
            .filter(console_session::Column::IdHash.eq(id_hash))
            .exec(db)
            .await?;
    }
    Ok(token)
}

/// Ends the session `id` (signing out).
///
/// # Errors
/// On database failure.
pub async fn end(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Session::delete_by_id(hash(id)).exec(db).await?;
    Ok(())
}

/// Deletes the sessions that expired, so abandoned ones do not pile up.
///
/// # Errors
/// On database failure.
pub async fn forget_expired(db: &impl ConnectionTrait, expiry: Expiry, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = Session::delete_many()
        .filter(
            console_session::Column::LastSeenAt
                .lte(now - expiry.idle)
                .or(console_session::Column::CreatedAt.lte(now - expiry.absolute)),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
