//! Who changed what, for admins on any surface (API or console): the audit log, filtered
//! and paged and exported, and a client's rules versions, paged. Tenancy is [`Actor`]'s.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::ConnectionTrait;

use crate::admin::history::{page_of, page_size, pages, EXPORT_PAGE};
use crate::admin::{self, Actor, AdminError};
use crate::routing::{self, summary};
use crate::rules::registry::Registry;
use crate::store::admin::{AuditFilter, AuditRow};
use crate::store::rule_versions::VersionMeta;
use crate::store::{self, Db, StoreError};

/// The audit log as asked for on any surface.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    pub client: Option<String>,
    /// The token's name.
    pub actor: Option<String>,
    pub action: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// The previous page's last id.
    pub before: Option<i64>,
    pub limit: u64,
}

impl AuditQuery {
    fn filter(self, actor: &Actor) -> Result<AuditFilter, AdminError> {
        Ok(AuditFilter {
            clients: actor.visible_clients(self.client)?,
            actor: self.actor,
            action: self.action,
            since: self.since,
            until: self.until,
            before_id: self.before,
        })
    }
}

/// Audit entries newest first, and the id the next page continues below (none on the last).
#[derive(Debug, Clone)]
pub struct AuditPage {
    pub entries: Vec<AuditRow>,
    pub next: Option<i64>,
}

/// One page of who changed what, of the clients the actor may see (a token for every
/// client also sees changes to no client, such as tokens made).
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a page size that cannot be used.
pub async fn audit_log(db: &impl ConnectionTrait, actor: &Actor, q: AuditQuery) -> Result<AuditPage, AdminError> {
    let limit = page_size(q.limit)?;
    let filter = q.filter(actor)?;
    let (entries, more) = page_of(store::admin::audit_log(db, &filter, limit + 1).await?, limit);
    let next = more.then(|| entries.last().map(|e| e.id)).flatten();
    Ok(AuditPage { entries, next })
}

/// Every audit entry that matches, newest first, read a page at a time.
///
/// # Errors
/// Before the first page: as [`audit_log`]; within the stream, database failures.
pub fn export_audit(
    db: Db,
    actor: &Actor,
    q: AuditQuery,
) -> Result<impl Stream<Item = Result<Vec<AuditRow>, StoreError>>, AdminError> {
    Ok(pages(db, q.filter(actor)?, |db, mut filter| async move {
        let rows = store::admin::audit_log(&db, &filter, EXPORT_PAGE).await?;
        let more = rows.len() as u64 == EXPORT_PAGE;
        filter.before_id = rows.last().map(|r| r.id);
        Ok((rows, more.then_some(filter)))
    }))
}

/// A client's rules versions newest first, and the version the next page continues below
/// (none on the last).
#[derive(Debug, Clone)]
pub struct VersionPage {
    pub versions: Vec<ListedVersion>,
    pub next: Option<i32>,
}

/// A version's facts and what it changed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ListedVersion {
    #[serde(flatten)]
    pub meta: VersionMeta,
    /// What it changed from the version before, in words ("Friday hours 09:00-16:00 →
    /// 09:00-17:00; Sam Lee added"); "First version" for the first.
    pub summary: String,
}

/// One page of a client's rules versions.
///
/// # Errors
/// `NotFound` for another client's or one not served; `BadRequest` for a page size that
/// cannot be used.
pub async fn versions(
    db: &impl ConnectionTrait,
    registry: &Registry,
    actor: &Actor,
    id: &str,
    before: Option<i32>,
    limit: u64,
) -> Result<VersionPage, AdminError> {
    admin::client(registry, actor, id)?;
    let limit = page_size(limit)?;
    let (versions, more) = page_of(store::rule_versions::list(db, id, before, limit + 1).await?, limit);
    let next = more.then(|| versions.last().map(|v| v.version)).flatten();
    let (Some(newest), Some(oldest)) = (versions.first(), versions.last()) else {
        return Ok(VersionPage { versions: vec![], next });
    };
    let sources: HashMap<i32, String> = store::rule_versions::sources(db, id, oldest.version - 1, newest.version)
        .await?
        .into_iter()
        .collect();
    let parsed = |v: i32| sources.get(&v).and_then(|text| routing::parse(text).ok());
    let versions = versions
        .into_iter()
        .map(|meta| {
            let summary = match (meta.version, parsed(meta.version - 1), parsed(meta.version)) {
                (1, _, _) => "First version".to_owned(),
                (_, Some(before), Some(after)) => summary::one_line(&summary::changes(&before, &after)),
                _ => String::new(),
            };
            ListedVersion { meta, summary }
        })
        .collect();
    Ok(VersionPage { versions, next })
}
