//! Calls on the line now: those still ringing or being answered, and those that have rung
//! far longer than their rules allow (Twilio never said they ended); and the callers owed a
//! call back.

use chrono::{DateTime, Duration, Utc};

use super::{Actor, AdminError};
use crate::rules::registry::Registry;
use crate::store;
use crate::store::calls::CallRow;
use crate::store::queue::QueueCaller;
use crate::store::Db;

/// How far back a call that has not ended is still looked for.
const HOURS: i64 = 24;

/// The most calls shown at once.
const MOST: u64 = 50;

#[derive(Debug)]
pub struct LiveCall {
    pub call: CallRow,
    /// Since it came in.
    pub seconds: i64,
    /// Who took it, when someone has (`Some(None)`: the outside number).
    pub talking_with: Option<Option<String>>,
    /// Unanswered far longer than the client's rules let a call go unanswered.
    pub overdue: bool,
}

/// The client's calls that have not ended, oldest first, and how long the rules let one go
/// unanswered (in seconds).
///
/// # Errors
/// `NotFound` for a client the actor may not see.
pub async fn calls(
    db: &Db,
    registry: &Registry,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<LiveCall>, u32), AdminError> {
    let rules = super::client(registry, actor, id)?.rules;
    let allowed = rules.longest_unanswered_seconds();
    let calls = store::calls::unfinished(db, id, now - Duration::hours(HOURS), MOST).await?;
    let legs = store::legs::of_calls(db, calls.iter().map(|c| c.id).collect()).await?;
    let live = calls
        .into_iter()
        .map(|call| {
            let seconds = (now - call.started_at).num_seconds().max(0);
            let talking_with = (legs.iter())
                .find(|l| l.call_id == call.id && l.answered_at.is_some() && l.status == "in-progress")
                .map(|l| l.assistant_id.clone());
            LiveCall {
                overdue: talking_with.is_none() && seconds > i64::from(allowed),
                talking_with,
                seconds,
                call,
            }
        })
        .collect();
    Ok((live, allowed))
}

/// The client's callers owed a call back, the longest waiting first.
///
/// # Errors
/// `NotFound` for a client the actor may not see.
pub async fn owed_callbacks(
    db: &Db,
    registry: &Registry,
    actor: &Actor,
    id: &str,
) -> Result<Vec<QueueCaller>, AdminError> {
    super::client(registry, actor, id)?;
    Ok(store::queue::owed(db, id, MOST).await?)
}
