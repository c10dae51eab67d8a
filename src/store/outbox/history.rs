//! The message history: what was sent, newest first, filtered, with webhook deliveries left
//! out (they have their own log), and the worker's price checks.

use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Statement};

use super::{OutboxRow, NOT_MESSAGES};
use crate::store::entities::outbox::{self, Entity as Outbox};
use crate::store::StoreError;

/// Filters for the message history; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct MessageFilter {
    pub clients: Option<Vec<String>>,
    pub to: Option<crate::phone::NumberSearch>,
    pub state: Option<String>,
    pub purpose: Option<String>,
    /// Leave out texts to customers: they are read by conversation (`super::conversations`).
    pub without_conversations: bool,
    /// Continue below this id (the previous page's last).
    pub before_id: Option<i64>,
}

/// Messages newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn list(db: &impl ConnectionTrait, f: &MessageFilter, limit: u64) -> Result<Vec<OutboxRow>, StoreError> {
    Ok(Outbox::find()
        .from_raw_sql(list_query(db.get_database_backend(), f, limit))
        .all(db)
        .await?)
}

/// The statement [`list`] runs (its plan is checked by the tests).
pub fn list_query(backend: DatabaseBackend, f: &MessageFilter, limit: u64) -> Statement {
    use sea_orm::{QuerySelect, QueryTrait};
    let mut q = Outbox::find().filter(outbox::Column::Kind.is_not_in(NOT_MESSAGES));
    if let Some(clients) = &f.clients {
        q = q.filter(outbox::Column::ClientId.is_in(clients.clone()));
    }
    if let Some(to) = &f.to {
        q = q.filter(crate::store::search::number_ends_with(
            outbox::Column::ToDigitsReversed,
            to,
        ));
    }
    for (column, value) in [(outbox::Column::State, &f.state), (outbox::Column::Purpose, &f.purpose)] {
        if let Some(v) = value {
            q = q.filter(column.eq(v.clone()));
        }
    }
    if f.without_conversations {
        q = q.filter(crate::store::conversations::sent_to_customers().not());
    }
    if let Some(id) = f.before_id {
        q = q.filter(outbox::Column::Id.lt(id));
    }
    q.order_by_desc(outbox::Column::Id).limit(limit).build(backend)
}
