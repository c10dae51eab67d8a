//! Rule versions: every accepted rule text of every client, numbered per client.

use std::collections::HashMap;
use std::fmt::Write;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    Statement, TransactionTrait,
};
use sha1::{Digest, Sha1};

use super::entities::rule_version::{self, Entity as RuleVersion};
use super::{sql, StoreError};
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

/// The hash kept with each version, by which an unchanged text is recognised.
pub fn content_hash(source: &str) -> String {
    // Every rule file is hashed on every reload: one string, not one per byte.
    let mut hex = String::with_capacity(40);
    for b in Sha1::digest(source.as_bytes()) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

/// A client's current version and its last imported from a file, without their texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub version: i32,
    pub content_hash: String,
    /// A deleted client's tombstone (an empty text).
    pub deleted: bool,
    /// The hash of the last version imported from a rule file, if any was.
    pub file_hash: Option<String>,
}

/// Each client's current version, joined with its last version imported from a file;
/// `only` filters the clients inside each grouping, where the index by client serves it.
fn heads_sql(only: &str) -> String {
    format!(
        "SELECT cur.client_id, cur.version, cur.content_hash, \
            CASE WHEN cur.source = '' THEN 1 ELSE 0 END, file.content_hash \
        FROM rule_versions cur \
        JOIN (SELECT client_id, MAX(version) AS version FROM rule_versions \
              WHERE 1 = 1 {only} GROUP BY client_id) latest \
            ON latest.client_id = cur.client_id AND latest.version = cur.version \
        LEFT JOIN (SELECT client_id, MAX(version) AS version FROM rule_versions \
                   WHERE origin LIKE 'file:%' {only} GROUP BY client_id) last_file \
            ON last_file.client_id = cur.client_id \
        LEFT JOIN rule_versions file \
            ON file.client_id = last_file.client_id AND file.version = last_file.version"
    )
}

/// Every client's [`Head`], in one query whatever the number of clients.
///
/// # Errors
/// On database failure.
pub async fn heads(db: &impl ConnectionTrait) -> Result<HashMap<String, Head>, StoreError> {
    let rows = db
        .query_all(Statement::from_string(db.get_database_backend(), heads_sql("")))
        .await?;
    rows.iter().map(head_of).collect()
}

/// One client's [`Head`]: what a reload of its file reads, rather than every client's.
///
/// # Errors
/// On database failure.
pub async fn head(db: &impl ConnectionTrait, client: &str) -> Result<Option<Head>, StoreError> {
    let one = sql::statement(
        db.get_database_backend(),
        &heads_sql("AND client_id = ?"),
        vec![client.into(), client.into()],
    );
    db.query_one(one).await?.map(|row| Ok(head_of(&row)?.1)).transpose()
}

fn head_of(row: &QueryResult) -> Result<(String, Head), StoreError> {
    let deleted: i32 = row.try_get_by_index(3)?;
    Ok((
        row.try_get_by_index(0)?,
        Head {
            version: row.try_get_by_index(1)?,
            content_hash: row.try_get_by_index(2)?,
            deleted: deleted == 1,
            file_hash: row.try_get_by_index(4)?,
        },
    ))
}

/// The highest row id: versions saved from now on have higher ones.
///
/// # Errors
/// On database failure.
pub async fn highest_id(db: &impl ConnectionTrait) -> Result<i64, StoreError> {
    let id: Option<Option<i64>> = RuleVersion::find()
        .select_only()
        .column_as(rule_version::Column::Id.max(), "id")
        .into_tuple()
        .one(db)
        .await?;
    Ok(id.flatten().unwrap_or(0))
}

/// A version saved, by its row id: what processes poll to pick up each other's edits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub client: String,
    pub version: i32,
}

/// The versions saved with a row id above `id`, lowest first, without their texts (one
/// range of the primary key: idle, it reads nothing whatever the number of clients).
///
/// # Errors
/// On database failure.
pub async fn saved_after(db: &impl ConnectionTrait, id: i64) -> Result<Vec<Saved>, StoreError> {
    let rows: Vec<(i64, String, i32)> = RuleVersion::find()
        .select_only()
        .column(rule_version::Column::Id)
        .column(rule_version::Column::ClientId)
        .column(rule_version::Column::Version)
        .filter(rule_version::Column::Id.gt(id))
        .order_by_asc(rule_version::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, client, version)| Saved { id, client, version })
        .collect())
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
    let content_hash = content_hash(source);
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

/// A text to save as its client's next version.
#[derive(Debug, Clone)]
pub struct NewVersion<'a> {
    pub client: &'a ClientId,
    pub source: &'a str,
    pub origin: Origin<'a>,
}

/// [`save`] for each text, in one transaction: a folder's worth of files costs one commit.
/// Returns, in the order given, the version now current and whether it is new.
///
/// # Errors
/// As [`save`]; then nothing is saved.
pub async fn save_all(
    db: &impl TransactionTrait,
    texts: &[NewVersion<'_>],
    now: DateTime<Utc>,
) -> Result<Vec<(i32, bool)>, StoreError> {
    let txn = db.begin().await?;
    let mut saved = Vec::with_capacity(texts.len());
    for t in texts {
        saved.push(save(&txn, t.client, t.source, &t.origin, now).await?);
    }
    txn.commit().await?;
    Ok(saved)
}

/// A version's facts, without its text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema, sea_orm::FromQueryResult)]
pub struct VersionMeta {
    pub version: i32,
    pub origin: String,
    pub author: Option<String>,
    pub comment: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// The texts of a client's versions `first` to `last`, oldest first.
///
/// # Errors
/// On database failure.
pub async fn sources(
    db: &impl ConnectionTrait,
    client: &str,
    first: i32,
    last: i32,
) -> Result<Vec<(i32, String)>, StoreError> {
    use rule_version::Column;
    Ok(RuleVersion::find()
        .select_only()
        .columns([Column::Version, Column::Source])
        .filter(Column::ClientId.eq(client))
        .filter(Column::Version.between(first, last))
        .order_by_asc(Column::Version)
        .into_tuple()
        .all(db)
        .await?)
}

/// A client's versions newest first, below version `before` when given, at most `limit`;
/// their texts are not read.
///
/// # Errors
/// On database failure.
pub async fn list(
    db: &impl ConnectionTrait,
    client: &str,
    before: Option<i32>,
    limit: u64,
) -> Result<Vec<VersionMeta>, StoreError> {
    use rule_version::Column;
    let mut q = RuleVersion::find()
        .select_only()
        .columns([
            Column::Version,
            Column::Origin,
            Column::Author,
            Column::Comment,
            Column::CreatedAt,
        ])
        .filter(Column::ClientId.eq(client));
    if let Some(before) = before {
        q = q.filter(Column::Version.lt(before));
    }
    Ok(q.order_by_desc(Column::Version)
        .limit(limit)
        .into_model::<VersionMeta>()
        .all(db)
        .await?)
}
