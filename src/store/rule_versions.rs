//! Rule versions: every accepted rule text of every client, numbered per client.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sha1::{Digest, Sha1};

use super::entities::rule_version::{self, Entity as RuleVersion};
use super::StoreError;
use crate::ids::ClientId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRules {
    pub client: String,
    pub version: i32,
    pub source: String,
    pub meta: VersionMeta,
}

/// Where a version came from, kept with it for the audit trail.
#[derive(Debug, Clone)]
pub struct Origin<'a> {
    pub origin: &'a str,
    pub author: Option<&'a str>,
    pub comment: Option<&'a str>,
}

fn hash(source: &str) -> String {
    Sha1::digest(source.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The current (highest) version of every client.
///
/// # Errors
/// On database failure.
pub async fn current_all(db: &impl ConnectionTrait) -> Result<Vec<StoredRules>, StoreError> {
    let latest = latest_versions(db).await?;
    let mut out = Vec::with_capacity(latest.len());
    for (client, version) in latest {
        // An empty text is a deleted client's tombstone.
        if let Some(v) = find(db, &client, version).await?.filter(|v| !v.source.is_empty()) {
            out.push(v);
        }
    }
    Ok(out)
}

/// Each client's highest version number (one small query: processes poll it to pick
/// up each other's edits).
///
/// # Errors
/// On database failure.
pub async fn latest_versions(db: &impl ConnectionTrait) -> Result<Vec<(String, i32)>, StoreError> {
    Ok(RuleVersion::find()
        .select_only()
        .column(rule_version::Column::ClientId)
        .column_as(rule_version::Column::Version.max(), "version")
        .group_by(rule_version::Column::ClientId)
        .into_tuple()
        .all(db)
        .await?)
}

/// One version of a client's rules.
///
/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, client: &str, version: i32) -> Result<Option<StoredRules>, StoreError> {
    Ok(RuleVersion::find()
        .filter(rule_version::Column::ClientId.eq(client))
        .filter(rule_version::Column::Version.eq(version))
        .one(db)
        .await?
        .map(|m| StoredRules {
            meta: VersionMeta {
                version: m.version,
                origin: m.origin,
                author: m.author,
                comment: m.comment,
                created_at: m.created_at,
            },
            client: m.client_id,
            version: m.version,
            source: m.source,
        }))
}

/// Stores `source` as the client's next version unless it equals the current one.
/// Returns the version that is now current and whether it is new.
///
/// # Errors
/// On database failure, or when another process saved a version at the same moment
/// (the unique index on client and version refuses the second).
pub async fn save(
    db: &impl ConnectionTrait,
    client: &ClientId,
    source: &str,
    origin: &Origin<'_>,
    now: DateTime<Utc>,
) -> Result<(i32, bool), StoreError> {
    let content_hash = hash(source);
    let current = RuleVersion::find()
        .filter(rule_version::Column::ClientId.eq(client.as_str()))
        .order_by_desc(rule_version::Column::Version)
        .one(db)
        .await?;
    if let Some(c) = &current {
        if c.content_hash == content_hash {
            return Ok((c.version, false));
        }
    }
    let version = current.map_or(1, |c| c.version + 1);
    RuleVersion::insert(rule_version::ActiveModel {
        client_id: Set(client.to_string()),
        version: Set(version),
        source: Set(source.to_owned()),
        content_hash: Set(content_hash),
        origin: Set(origin.origin.to_owned()),
        author: Set(origin.author.map(str::to_owned)),
        comment: Set(origin.comment.map(str::to_owned)),
        created_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    Ok((version, true))
}

/// How many versions a client has (for tests and the console).
///
/// # Errors
/// On database failure.
pub async fn count(db: &impl ConnectionTrait, client: &str) -> Result<u64, StoreError> {
    let n: Option<i64> = RuleVersion::find()
        .select_only()
        .column_as(Expr::col(rule_version::Column::Id).count(), "n")
        .filter(rule_version::Column::ClientId.eq(client))
        .into_tuple()
        .one(db)
        .await?;
    Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
}

/// Imports a rule file: a new version only when the file changed since it was last
/// imported, so an admin's edit through the API is not undone by a restart.
///
/// # Errors
/// On database failure.
pub async fn import(
    db: &impl ConnectionTrait,
    client: &ClientId,
    source: &str,
    origin: &Origin<'_>,
    now: DateTime<Utc>,
) -> Result<(i32, bool), StoreError> {
    let last_file = RuleVersion::find()
        .filter(rule_version::Column::ClientId.eq(client.as_str()))
        .filter(rule_version::Column::Origin.starts_with("file:"))
        .order_by_desc(rule_version::Column::Version)
        .one(db)
        .await?;
    if last_file.is_some_and(|f| f.content_hash == hash(source)) {
        let current = RuleVersion::find()
            .filter(rule_version::Column::ClientId.eq(client.as_str()))
            .order_by_desc(rule_version::Column::Version)
            .one(db)
            .await?;
        return Ok((current.map_or(0, |c| c.version), false));
    }
    save(db, client, source, origin, now).await
}

/// A version's facts, without its text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct VersionMeta {
    pub version: i32,
    pub origin: String,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Every version of a client, newest first.
///
/// # Errors
/// On database failure.
pub async fn list(db: &impl ConnectionTrait, client: &str) -> Result<Vec<VersionMeta>, StoreError> {
    Ok(RuleVersion::find()
        .filter(rule_version::Column::ClientId.eq(client))
        .order_by_desc(rule_version::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|m| VersionMeta {
            version: m.version,
            origin: m.origin,
            author: m.author,
            comment: m.comment,
            created_at: m.created_at,
        })
        .collect())
}
