//! An assistant's offer of a queue caller, from the offer to the bridge: each step one
//! conditional statement, and the offer itself refused by the index that lets no
//! assistant be offered two callers at once.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, SqlErr, TransactionTrait};

use super::{find, read, rows, run, QueueCaller, BRIDGED, COLUMNS, DONE, GONE, OFFERED, WAITING};
use crate::store::{sql, StoreError};

/// Offers the caller to `assistant`, if nobody took the caller since they were read and
/// nobody offered the assistant another caller meanwhile; a call back counts as one more
/// attempt. False when either happened: the caller is left as they are, and a
/// transaction around it goes on.
///
/// # Errors
/// On database failure.
pub async fn offer(
    db: &impl TransactionTrait,
    caller: &QueueCaller,
    assistant: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    // In a savepoint of its own: on PostgreSQL a statement that fails aborts the whole
    // transaction around it, and the index's refusal is an answer here, not a failure.
    let claim = db.begin().await?;
    let tried = i32::from(caller.is_callback());
    let changed = run(
        &claim,
        "UPDATE queue_callers SET state = ?, assistant_id = ?, attempts = attempts + ?, updated_at = ? \
         WHERE id = ? AND state = ?",
        vec![
            OFFERED.into(),
            assistant.into(),
            tried.into(),
            now.into(),
            caller.id.into(),
            caller.state.as_str().into(),
        ],
    )
    .await;
    match changed {
        Ok(changed) => {
            claim.commit().await?;
            Ok(changed == 1)
        }
        // Another process offered the assistant a caller first (the index of the callers
        // being offered, one per assistant).
        Err(StoreError::Backend(e)) if matches!(e.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            claim.rollback().await?;
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// The assistant took the caller: true unless the caller is gone or someone else took them.
///
/// # Errors
/// On database failure.
pub async fn accept(
    db: &impl ConnectionTrait,
    id: i64,
    assistant: &str,
    offer_call_sid: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = run(
        db,
        "UPDATE queue_callers SET state = ?, offer_call_sid = ?, updated_at = ? \
         WHERE id = ? AND state = ? AND assistant_id = ?",
        vec![
            BRIDGED.into(),
            offer_call_sid.into(),
            now.into(),
            id.into(),
            OFFERED.into(),
            assistant.into(),
        ],
    )
    .await?;
    Ok(changed == 1)
}

/// Whether any of the client's callers is on hold (or being offered): someone
/// `<Dial><Queue>` may take.
///
/// # Errors
/// On database failure.
pub async fn holding(db: &impl ConnectionTrait, client: &str) -> Result<bool, StoreError> {
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE client_id = ? AND state IN (?, ?) LIMIT 1");
    let found = rows(db, &text, vec![client.into(), WAITING.into(), OFFERED.into()]).await?;
    Ok(!found.is_empty())
}

/// Twilio bridged the caller `call_sid` to `assistant` through the call `offer_call_sid`,
/// whichever caller the offer named: the record says whom it took. A caller the
/// reconciliation thought gone was there after all. `None` when the database holds no
/// such caller of the client on hold.
///
/// # Errors
/// On database failure.
pub async fn bridge(
    db: &impl ConnectionTrait,
    client: &str,
    call_sid: &str,
    assistant: &str,
    offer_call_sid: &str,
    now: DateTime<Utc>,
) -> Result<Option<QueueCaller>, StoreError> {
    let changed = run(
        db,
        "UPDATE queue_callers SET state = ?, exit = NULL, assistant_id = ?, offer_call_sid = ?, updated_at = ? \
         WHERE client_id = ? AND call_sid = ? AND (state IN (?, ?) OR (state = ? AND exit = ?))",
        vec![
            BRIDGED.into(),
            assistant.into(),
            offer_call_sid.into(),
            now.into(),
            client.into(),
            call_sid.into(),
            WAITING.into(),
            OFFERED.into(),
            DONE.into(),
            GONE.into(),
        ],
    )
    .await?;
    match changed {
        1 => find(db, call_sid).await,
        _ => Ok(None),
    }
}

/// The caller the call `offer_call_sid` bridged to its assistant.
///
/// # Errors
/// On database failure.
pub async fn bridged_by(db: &impl ConnectionTrait, offer_call_sid: &str) -> Result<Option<QueueCaller>, StoreError> {
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE offer_call_sid = ?");
    Ok(rows(db, &text, vec![offer_call_sid.into()]).await?.into_iter().next())
}

/// The caller the call `offer_call_sid` (the outbox placed it) was offering, and to whom.
///
/// # Errors
/// On database failure.
pub async fn by_offer(
    db: &impl ConnectionTrait,
    offer_call_sid: &str,
) -> Result<Option<(QueueCaller, String)>, StoreError> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("q.{c}")).collect();
    let text = format!(
        "SELECT {}, o.assistant_id AS offered_to FROM queue_callers q JOIN outbox o ON o.call_sid = q.call_sid \
         WHERE o.message_sid = ? AND o.purpose = ? AND o.assistant_id IS NOT NULL",
        columns.join(", ")
    );
    let statement = sql::statement(
        db.get_database_backend(),
        &text,
        vec![offer_call_sid.into(), OFFER.into()],
    );
    let Some(row) = db.query_one(statement).await? else {
        return Ok(None);
    };
    Ok(Some((read(&row)?, row.try_get("", "offered_to")?)))
}

/// The outbox purpose of the call that offers a queue caller to an assistant.
pub const OFFER: &str = "queue_offer";

/// An offer or a call back ended without reaching anyone: the caller moves from `from`
/// to `state` (on hold, a call back due at `next_attempt_at`, or given up), unless
/// another process moved them first.
///
/// # Errors
/// On database failure.
pub async fn release(
    db: &impl ConnectionTrait,
    caller: &QueueCaller,
    from: &str,
    state: &str,
    next_attempt_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = run(
        db,
        "UPDATE queue_callers SET state = ?, assistant_id = NULL, next_attempt_at = ?, updated_at = ? \
         WHERE id = ? AND state = ?",
        vec![
            state.into(),
            next_attempt_at.into(),
            now.into(),
            caller.id.into(),
            from.into(),
        ],
    )
    .await?;
    Ok(changed == 1)
}
