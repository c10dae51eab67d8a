//! Links that open one call for one assistant without signing in: only each link's SHA-256
//! is stored, so the table alone opens nothing.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::admin::hash;
use super::entities::call_link::{self, Entity as Link};
use super::StoreError;

pub use super::entities::call_link::Model as LinkRow;

/// A link about to be sent.
#[derive(Debug, Clone)]
pub struct NewLink<'a> {
    /// The secret in the link itself.
    pub token: &'a str,
    pub call_sid: &'a str,
    pub client: &'a str,
    pub assistant: &'a str,
    pub expires_at: DateTime<Utc>,
}

/// # Errors
/// On database failure.
pub async fn create(db: &impl ConnectionTrait, link: &NewLink<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    Link::insert(call_link::ActiveModel {
        token_hash: Set(hash(link.token)),
        call_sid: Set(link.call_sid.to_owned()),
        client_id: Set(link.client.to_owned()),
        assistant_id: Set(link.assistant.to_owned()),
        created_at: Set(now),
        expires_at: Set(link.expires_at),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The link `token` opens, unless it has expired or was withdrawn.
///
/// # Errors
/// On database failure.
pub async fn find_live(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<LinkRow>, StoreError> {
    Ok(Link::find_by_id(hash(token))
        .filter(call_link::Column::RevokedAt.is_null())
        .filter(call_link::Column::ExpiresAt.gt(now))
        .one(db)
        .await?)
}

/// Withdraws every link sent for call `call_sid`; returns how many still worked.
///
/// # Errors
/// On database failure.
pub async fn revoke_for_call(db: &impl ConnectionTrait, call_sid: &str, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = Link::update_many()
        .col_expr(call_link::Column::RevokedAt, Expr::value(now))
        .filter(call_link::Column::CallSid.eq(call_sid))
        .filter(call_link::Column::RevokedAt.is_null())
        .filter(call_link::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
