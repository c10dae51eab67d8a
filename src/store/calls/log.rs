//! The call log: calls newest first, filtered by client, status, outcome, caller, who
//! answered and period, a page at a time.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryTrait, Statement};

use super::CallRow;
use crate::phone::NumberSearch;
use crate::store::entities::call::{self, Entity as Call};
use crate::store::StoreError;

/// Filters for the call log; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Only these clients (`None`: all).
    pub clients: Option<Vec<String>>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub caller: Option<NumberSearch>,
    pub answered_by: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Continue after this call (from the previous page's last one).
    pub before: Option<crate::store::paging::After>,
}

/// Calls newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn list(db: &impl ConnectionTrait, f: &CallFilter, limit: u64) -> Result<Vec<CallRow>, StoreError> {
    Ok(Call::find()
        .from_raw_sql(list_query(db.get_database_backend(), f, limit))
        .all(db)
        .await?)
}

/// The statement [`list`] runs (its plan is checked by the tests).
pub fn list_query(backend: DbBackend, f: &CallFilter, limit: u64) -> Statement {
    let mut q = Call::find();
    match &f.clients {
        // SQLite, without statistics, prefers an equality to a range, but a caller's calls
        // are few and a client's many: the unary `+` keeps the client off its choice of
        // index, so the caller's index is read.
        Some(clients) if f.caller.is_some() && backend == DbBackend::Sqlite => {
            let list = vec!["?"; clients.len()].join(", ");
            q = q.filter(Expr::cust_with_values(
                format!("+client_id IN ({list})"),
                clients.clone(),
            ));
        }
        Some(clients) => q = q.filter(call::Column::ClientId.is_in(clients.clone())),
        None => {}
    }
    let exact = [
        (call::Column::Status, &f.status),
        (call::Column::Outcome, &f.outcome),
        (call::Column::AnsweredBy, &f.answered_by),
    ];
    for (column, value) in exact {
        if let Some(v) = value {
            q = q.filter(column.eq(v.clone()));
        }
    }
    if let Some(caller) = &f.caller {
        q = q.filter(crate::store::search::number_ends_with(
            call::Column::FromDigitsReversed,
            caller,
        ));
    }
    if let Some(since) = f.since {
        q = q.filter(call::Column::StartedAt.gte(since));
    }
    if let Some(until) = f.until {
        q = q.filter(call::Column::StartedAt.lt(until));
    }
    crate::store::paging::newest_first(
        q,
        call::Column::StartedAt,
        call::Column::CallSid,
        f.before.as_ref(),
        limit,
    )
    .build(backend)
}
