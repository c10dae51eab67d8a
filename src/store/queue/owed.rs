//! How each caller's call back stands, for the pages that show what became of a call: the
//! callers owed one now, and the queue records of calls in the call log.

use sea_orm::{ConnectionTrait, Value};

use super::{rows, BRIDGED, CALLBACK, COLUMNS, OFFERED};
use crate::routing::queue::Exit;
use crate::store::StoreError;

/// The client's callers owed a call back: waiting for it, or being called back now; the
/// longest waiting first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn owed(db: &impl ConnectionTrait, client: &str, limit: u64) -> Result<Vec<super::QueueCaller>, StoreError> {
    let text = format!(
        "SELECT {COLUMNS} FROM queue_callers WHERE client_id = ? AND state IN (?, ?, ?) AND exit = ? \
         ORDER BY arrived_at, id LIMIT {limit}"
    );
    let values = vec![
        client.into(),
        CALLBACK.into(),
        OFFERED.into(),
        BRIDGED.into(),
        Exit::Callback.as_str().into(),
    ];
    rows(db, &text, values).await
}

/// The queue records of these calls, for those that went through a queue.
///
/// # Errors
/// On database failure.
pub async fn of_calls(db: &impl ConnectionTrait, call_sids: &[String]) -> Result<Vec<super::QueueCaller>, StoreError> {
    if call_sids.is_empty() {
        return Ok(Vec::new());
    }
    let list = vec!["?"; call_sids.len()].join(", ");
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE call_sid IN ({list})");
    let values: Vec<Value> = call_sids.iter().map(|s| s.as_str().into()).collect();
    rows(db, &text, values).await
}
