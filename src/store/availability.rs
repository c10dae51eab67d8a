//! Who of a client's assistants cannot take a call now: on a call we forwarded, or off
//! duty. Read on every routing decision, so in one statement.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::calls::status_rank;
use super::{sql, StoreError};

/// Who of the client's assistants cannot take a call now, read in one statement (a
/// routing decision waits for it).
#[derive(Debug, Default)]
pub struct Unavailability {
    /// On a call we forwarded to them, with that call's SID: a leg answered, or
    /// accepted at the whisper, and not ended. Legs older than Twilio's longest call
    /// are ignored so a lost callback cannot keep someone busy forever.
    pub on_call: Vec<(String, String)>,
    /// Taken off duty by an admin.
    pub off_duty: Vec<String>,
}

/// # Errors
/// On database failure.
pub async fn unavailability(
    db: &impl ConnectionTrait,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Unavailability, StoreError> {
    let rows = db
        .query_all(unavailability_query(db.get_database_backend(), client, now))
        .await?;
    unavailability_of(&rows)
}

/// The query [`unavailability`] runs, for a caller that sends it with others; its rows
/// are read by [`unavailability_of`].
pub fn unavailability_query(backend: DbBackend, client: &str, now: DateTime<Utc>) -> Statement {
    // On a call: the leg was answered, or accepted at the whisper and not ended. Two
    // reads, not one with `OR`: each finds its legs through an index, where the `OR`
    // read every leg of the client not yet ended, which includes each leg whose final
    // status callback never came (many of them made each batch slow).
    let since = now - Duration::hours(4);
    let (answered, ended) = (status_rank("in-progress"), status_rank("completed"));
    sql::statement(
        backend,
        "SELECT call_sid, assistant_id FROM call_legs \
         WHERE client_id = ? AND status_rank = ? AND assistant_id IS NOT NULL AND updated_at > ? \
         UNION ALL SELECT call_sid, assistant_id FROM call_legs \
         WHERE client_id = ? AND accepted = ? AND status_rank < ? AND status_rank <> ? \
         AND assistant_id IS NOT NULL AND updated_at > ? \
         UNION ALL SELECT NULL, assistant_id FROM assistant_duty WHERE client_id = ? AND on_duty = ?",
        vec![
            client.into(),
            answered.into(),
            since.into(),
            client.into(),
            true.into(),
            ended.into(),
            answered.into(),
            since.into(),
            client.into(),
            false.into(),
        ],
    )
}

/// # Errors
/// When a row is not one of [`unavailability_query`]'s.
pub(super) fn unavailability_of(rows: &[QueryResult]) -> Result<Unavailability, StoreError> {
    let mut found = Unavailability::default();
    for row in rows {
        let call: Option<String> = row.try_get_by_index(0)?;
        let assistant: String = row.try_get_by_index(1)?;
        match call {
            Some(call) => found.on_call.push((call, assistant)),
            None => found.off_duty.push(assistant),
        }
    }
    Ok(found)
}
