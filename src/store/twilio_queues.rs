//! Each client's queue at Twilio: the sid the Queues resource gave it, and the size it was
//! last given, so the worker knows whether to create it, change it, or leave it be.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Value};

use super::{sql, StoreError};

/// A client's queue as Twilio has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwilioQueue {
    pub client_id: String,
    pub queue_sid: String,
    pub max_size: u32,
}

fn read(row: &QueryResult) -> Result<TwilioQueue, StoreError> {
    let max_size: i32 = row.try_get("", "max_size")?;
    Ok(TwilioQueue {
        client_id: row.try_get("", "client_id")?,
        queue_sid: row.try_get("", "queue_sid")?,
        max_size: u32::try_from(max_size).unwrap_or(0),
    })
}

async fn rows(db: &impl ConnectionTrait, text: &str, values: Vec<Value>) -> Result<Vec<TwilioQueue>, StoreError> {
    let statement = sql::statement(db.get_database_backend(), text, values);
    db.query_all(statement).await?.iter().map(read).collect()
}

/// Every client's queue.
///
/// # Errors
/// On database failure.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<TwilioQueue>, StoreError> {
    rows(
        db,
        "SELECT client_id, queue_sid, max_size FROM twilio_queues ORDER BY client_id",
        vec![],
    )
    .await
}

/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, client: &str) -> Result<Option<TwilioQueue>, StoreError> {
    let text = "SELECT client_id, queue_sid, max_size FROM twilio_queues WHERE client_id = ?";
    Ok(rows(db, text, vec![client.into()]).await?.into_iter().next())
}

/// Remembers the client's queue as Twilio answered for it.
///
/// # Errors
/// On database failure.
pub async fn save(
    db: &impl ConnectionTrait,
    client: &str,
    queue_sid: &str,
    max_size: u32,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let size = i32::try_from(max_size).unwrap_or(i32::MAX);
    let statement = sql::statement(
        db.get_database_backend(),
        "INSERT INTO twilio_queues (client_id, queue_sid, max_size, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (client_id) DO UPDATE SET queue_sid = excluded.queue_sid, max_size = excluded.max_size, \
         updated_at = excluded.updated_at",
        vec![client.into(), queue_sid.into(), size.into(), now.into()],
    );
    db.execute(statement).await?;
    Ok(())
}
