//! Admin bearer tokens (only their SHA-256 is stored) and the audit log.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use sha2::{Digest, Sha256};

use super::entities::admin_token::{self, Entity as Token};
use super::entities::audit::{self, Entity as Audit};
use super::StoreError;

pub use super::entities::admin_token::Model as TokenRow;
pub use super::entities::audit::Model as AuditRow;

/// Tokens are 32 random bytes: a fast hash is enough, and lookups stay cheap.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// # Errors
/// On database failure, or when the hash already exists.
pub async fn create_token(
    db: &impl ConnectionTrait,
    name: &str,
    client: Option<&str>,
    token: &str,
    now: DateTime<Utc>,
) -> Result<i64, StoreError> {
    let inserted = Token::insert(admin_token::ActiveModel {
        name: Set(name.to_owned()),
        client_id: Set(client.map(str::to_owned)),
        token_hash: Set(hash(token)),
        created_at: Set(now),
        revoked_at: Set(None),
        ..Default::default()
    })
    .exec(db)
    .await?;
    Ok(inserted.last_insert_id)
}

/// The live token with this secret, if any.
///
/// # Errors
/// On database failure.
pub async fn find_token(db: &impl ConnectionTrait, token: &str) -> Result<Option<TokenRow>, StoreError> {
    Ok(Token::find()
        .filter(admin_token::Column::TokenHash.eq(hash(token)))
        .filter(admin_token::Column::RevokedAt.is_null())
        .one(db)
        .await?)
}

/// Makes `token` the one live token called `name` (the bootstrap token from the
/// environment), revoking any earlier one of that name.
///
/// # Errors
/// On database failure.
pub async fn ensure_named(
    db: &impl ConnectionTrait,
    name: &str,
    token: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    if find_token(db, token).await?.is_some() {
        return Ok(());
    }
    Token::update_many()
        .col_expr(admin_token::Column::RevokedAt, Expr::value(now))
        .filter(admin_token::Column::Name.eq(name))
        .filter(admin_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    create_token(db, name, None, token, now).await.map(|_| ())
}

/// # Errors
/// On database failure.
pub async fn list_tokens(db: &impl ConnectionTrait) -> Result<Vec<TokenRow>, StoreError> {
    Ok(Token::find().order_by_asc(admin_token::Column::Id).all(db).await?)
}

/// Revokes a token by id; returns whether a live token was revoked.
///
/// # Errors
/// On database failure.
pub async fn revoke_token(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let done = Token::update_many()
        .col_expr(admin_token::Column::RevokedAt, Expr::value(now))
        .filter(admin_token::Column::Id.eq(id))
        .filter(admin_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// One change someone made.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub actor: &'a str,
    pub client: Option<&'a str>,
    pub action: &'a str,
    pub detail: String,
    pub address: Option<String>,
}

/// # Errors
/// On database failure.
pub async fn audit(db: &impl ConnectionTrait, e: &Entry<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    Audit::insert(audit::ActiveModel {
        at: Set(now),
        actor: Set(e.actor.to_owned()),
        client_id: Set(e.client.map(str::to_owned)),
        action: Set(e.action.to_owned()),
        detail: Set(e.detail.clone()),
        address: Set(e.address.clone()),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Filters for the audit log; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub clients: Option<Vec<String>>,
    /// The token's name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Continue below this id (the previous page's last).
    pub before_id: Option<i64>,
}

/// Entries newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn audit_log(db: &impl ConnectionTrait, f: &AuditFilter, limit: u64) -> Result<Vec<AuditRow>, StoreError> {
    Ok(Audit::find()
        .from_raw_sql(audit_log_query(db.get_database_backend(), f, limit))
        .all(db)
        .await?)
}

/// The statement [`audit_log`] runs (its plan is checked by the tests).
pub fn audit_log_query(backend: DatabaseBackend, f: &AuditFilter, limit: u64) -> Statement {
    use sea_orm::QueryTrait;
    let mut q = Audit::find();
    if let Some(clients) = &f.clients {
        q = q.filter(audit::Column::ClientId.is_in(clients.clone()));
    }
    for (column, value) in [(audit::Column::Actor, &f.actor), (audit::Column::Action, &f.action)] {
        if let Some(v) = value {
            q = q.filter(column.eq(v.clone()));
        }
    }
    if let Some(since) = f.since {
        q = q.filter(audit::Column::At.gte(since));
    }
    if let Some(until) = f.until {
        q = q.filter(audit::Column::At.lt(until));
    }
    if let Some(id) = f.before_id {
        q = q.filter(audit::Column::Id.lt(id));
    }
    q.order_by_desc(audit::Column::Id).limit(limit).build(backend)
}
