//! The callers waiting in each client's queue and those waiting for a call back, in the
//! order they came. Every change is one conditional statement, so two processes serving
//! the same queue never offer one caller twice nor take a caller another has taken; and a
//! unique index on the callers being offered (migration 22) lets no two processes offer
//! one assistant two callers at once.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, QueryResult, Statement, Value};

use super::{sql, StoreError};

mod offers;
mod owed;

pub use offers::{accept, bridge, bridged_by, by_offer, holding, offer, release, OFFER};
pub use owed::{of_calls, owed};

/// In the queue, on hold.
pub const WAITING: &str = "waiting";
/// An assistant is being rung for them.
pub const OFFERED: &str = "offered";
/// An assistant took them; their call goes on without the queue.
pub const BRIDGED: &str = "bridged";
/// Hung up, waiting for their call back.
pub const CALLBACK: &str = "callback";
/// Left the queue for another step of their chain, hung up, or was called back.
pub const DONE: &str = "done";
/// A call back that was tried as often as the rules allow.
pub const FAILED: &str = "failed";

/// One caller of a queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueCaller {
    pub id: i64,
    pub client_id: String,
    pub call_sid: String,
    pub from_number: String,
    pub to_number: String,
    /// The call's place in its chain at the queue step (`calls::position`), so any process
    /// finds the assistants who may take this caller.
    pub position: String,
    pub arrived_at: DateTime<Utc>,
    pub state: String,
    /// Why they left the queue (`routing::queue::Exit`), once they did.
    pub exit: Option<String>,
    pub assistant_id: Option<String>,
    pub announced_at: Option<DateTime<Utc>>,
    /// Call backs tried.
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
}

impl QueueCaller {
    pub fn is_callback(&self) -> bool {
        self.exit.as_deref() == Some("callback")
    }
}

const COLUMNS: &str = "id, client_id, call_sid, from_number, to_number, position, arrived_at, state, exit, \
                       assistant_id, announced_at, attempts, next_attempt_at";

fn read(row: &QueryResult) -> Result<QueueCaller, StoreError> {
    Ok(QueueCaller {
        id: row.try_get("", "id")?,
        client_id: row.try_get("", "client_id")?,
        call_sid: row.try_get("", "call_sid")?,
        from_number: row.try_get("", "from_number")?,
        to_number: row.try_get("", "to_number")?,
        position: row.try_get("", "position")?,
        arrived_at: row.try_get("", "arrived_at")?,
        state: row.try_get("", "state")?,
        exit: row.try_get("", "exit")?,
        assistant_id: row.try_get("", "assistant_id")?,
        announced_at: row.try_get("", "announced_at")?,
        attempts: row.try_get("", "attempts")?,
        next_attempt_at: row.try_get("", "next_attempt_at")?,
    })
}

async fn run(db: &impl ConnectionTrait, text: &str, values: Vec<Value>) -> Result<u64, StoreError> {
    let statement = sql::statement(db.get_database_backend(), text, values);
    Ok(db.execute(statement).await?.rows_affected())
}

async fn rows(db: &impl ConnectionTrait, text: &str, values: Vec<Value>) -> Result<Vec<QueueCaller>, StoreError> {
    let statement: Statement = sql::statement(db.get_database_backend(), text, values);
    db.query_all(statement).await?.iter().map(read).collect()
}

/// A caller as they join the queue.
#[derive(Debug, Clone)]
pub struct NewCaller<'a> {
    pub client: &'a str,
    pub call_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub position: &'a str,
    pub arrived_at: DateTime<Utc>,
}

/// Adds the caller unless they are already there (Twilio asks the wait URL again and
/// again), and returns them as stored: a caller keeps the place they first took.
///
/// # Errors
/// On database failure.
pub async fn join(db: &impl ConnectionTrait, c: &NewCaller<'_>, now: DateTime<Utc>) -> Result<QueueCaller, StoreError> {
    run(
        db,
        "INSERT INTO queue_callers (client_id, call_sid, from_number, to_number, position, arrived_at, state, \
         attempts, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) ON CONFLICT (call_sid) DO NOTHING",
        vec![
            c.client.into(),
            c.call_sid.into(),
            c.from.into(),
            c.to.into(),
            c.position.into(),
            c.arrived_at.into(),
            WAITING.into(),
            now.into(),
        ],
    )
    .await?;
    find(db, c.call_sid).await?.ok_or(StoreError::NotFound)
}

/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, call_sid: &str) -> Result<Option<QueueCaller>, StoreError> {
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE call_sid = ?");
    Ok(rows(db, &text, vec![call_sid.into()]).await?.into_iter().next())
}

/// # Errors
/// On database failure.
pub async fn by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<QueueCaller>, StoreError> {
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE id = ?");
    Ok(rows(db, &text, vec![id.into()]).await?.into_iter().next())
}

/// 1 for the caller who is next: callers on hold, being offered, or waiting for a call
/// back all keep the places they took.
///
/// # Errors
/// On database failure.
pub async fn place(db: &impl ConnectionTrait, caller: &QueueCaller) -> Result<u32, StoreError> {
    let statement = sql::statement(
        db.get_database_backend(),
        "SELECT COUNT(*) AS ahead FROM queue_callers WHERE client_id = ? AND state IN (?, ?, ?) \
         AND (arrived_at < ? OR (arrived_at = ? AND id < ?))",
        vec![
            caller.client_id.as_str().into(),
            WAITING.into(),
            OFFERED.into(),
            CALLBACK.into(),
            caller.arrived_at.into(),
            caller.arrived_at.into(),
            caller.id.into(),
        ],
    );
    let row = db.query_one(statement).await?.ok_or(StoreError::NotFound)?;
    let ahead: i64 = row.try_get("", "ahead")?;
    Ok(u32::try_from(ahead).unwrap_or(u32::MAX).saturating_add(1))
}

/// The client's callers someone may be offered now, the longest waiting first: those on
/// hold, and call backs that are due.
///
/// # Errors
/// On database failure.
pub async fn due(db: &impl ConnectionTrait, client: &str, now: DateTime<Utc>) -> Result<Vec<QueueCaller>, StoreError> {
    let text = format!(
        "SELECT {COLUMNS} FROM queue_callers WHERE client_id = ? \
         AND (state = ? OR (state = ? AND next_attempt_at <= ?)) ORDER BY arrived_at, id"
    );
    rows(
        db,
        &text,
        vec![client.into(), WAITING.into(), CALLBACK.into(), now.into()],
    )
    .await
}

/// The clients with callers waiting or call backs due, for the worker that serves queues
/// nobody's call is asking about.
///
/// # Errors
/// On database failure.
pub async fn clients_due(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<Vec<String>, StoreError> {
    let statement = sql::statement(
        db.get_database_backend(),
        "SELECT DISTINCT client_id FROM queue_callers WHERE state = ? OR (state = ? AND next_attempt_at <= ?)",
        vec![WAITING.into(), CALLBACK.into(), now.into()],
    );
    let found = db.query_all(statement).await?;
    found.iter().map(|r| Ok(r.try_get("", "client_id")?)).collect()
}

/// Assistants being rung for, or talking with, one of the client's queue callers.
///
/// # Errors
/// On database failure.
pub async fn engaged(db: &impl ConnectionTrait, client: &str) -> Result<Vec<String>, StoreError> {
    let statement = sql::statement(
        db.get_database_backend(),
        "SELECT assistant_id FROM queue_callers WHERE client_id = ? AND state IN (?, ?) AND assistant_id IS NOT NULL",
        vec![client.into(), OFFERED.into(), BRIDGED.into()],
    );
    let found = db.query_all(statement).await?;
    found.iter().map(|r| Ok(r.try_get("", "assistant_id")?)).collect()
}

/// The client's callers on hold, for comparing with Twilio's own list of its queue.
///
/// # Errors
/// On database failure.
pub async fn waiting(db: &impl ConnectionTrait, client: &str) -> Result<Vec<QueueCaller>, StoreError> {
    let text = format!("SELECT {COLUMNS} FROM queue_callers WHERE client_id = ? AND state = ? ORDER BY arrived_at, id");
    rows(db, &text, vec![client.into(), WAITING.into()]).await
}

/// `exit` of a caller Twilio's queue no longer holds (`routing::queue::Exit::Gone`).
const GONE: &str = "gone";

/// A caller on hold whom Twilio's queue no longer holds is gone: nobody is offered them.
/// True unless they moved on since they were read.
///
/// # Errors
/// On database failure.
pub async fn mark_gone(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<bool, StoreError> {
    let changed = run(
        db,
        "UPDATE queue_callers SET state = ?, exit = ?, updated_at = ? WHERE id = ? AND state = ?",
        vec![DONE.into(), GONE.into(), now.into(), id.into(), WAITING.into()],
    )
    .await?;
    Ok(changed == 1)
}

/// The caller leaves the queue (`exit`, as `routing::queue::Exit` spells it); one who asked
/// for a call back keeps their place, due at once.
///
/// # Errors
/// On database failure.
pub async fn leave(
    db: &impl ConnectionTrait,
    call_sid: &str,
    exit: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let (state, due) = if exit == "callback" {
        (CALLBACK, Some(now))
    } else {
        (DONE, None)
    };
    let changed = run(
        db,
        "UPDATE queue_callers SET state = ?, exit = ?, assistant_id = NULL, next_attempt_at = ?, updated_at = ? \
         WHERE call_sid = ? AND state IN (?, ?)",
        vec![
            state.into(),
            exit.into(),
            due.into(),
            now.into(),
            call_sid.into(),
            WAITING.into(),
            OFFERED.into(),
        ],
    )
    .await?;
    Ok(changed == 1)
}

/// The caller's time in the queue is over (`state`: [`DONE`] or [`FAILED`]).
///
/// # Errors
/// On database failure.
pub async fn finish(db: &impl ConnectionTrait, id: i64, state: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    run(
        db,
        "UPDATE queue_callers SET state = ?, updated_at = ? WHERE id = ?",
        vec![state.into(), now.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// Remembers when the caller was last told their place.
///
/// # Errors
/// On database failure.
pub async fn announced(db: &impl ConnectionTrait, id: i64, now: DateTime<Utc>) -> Result<(), StoreError> {
    run(
        db,
        "UPDATE queue_callers SET announced_at = ?, updated_at = ? WHERE id = ?",
        vec![now.into(), now.into(), id.into()],
    )
    .await?;
    Ok(())
}

/// The caller's call ended: a caller still on hold or being offered is gone (one waiting for
/// a call back hung up on purpose and keeps their place).
///
/// # Errors
/// On database failure.
pub async fn hung_up(db: &impl ConnectionTrait, call_sid: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    run(
        db,
        "UPDATE queue_callers SET state = ?, updated_at = ? WHERE call_sid = ? AND state IN (?, ?)",
        vec![DONE.into(), now.into(), call_sid.into(), WAITING.into(), OFFERED.into()],
    )
    .await?;
    Ok(())
}
