//! Call records (their legs, recordings and who is busy have files of their own). Every
//! write is an idempotent merge:
//! Twilio retries callbacks and delivers them out of order, so each function first
//! makes sure the row exists (insert, ignore if present) and then updates only what
//! moves forward — a final status never goes back to an earlier one.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QueryResult, QuerySelect,
    Statement,
};

use super::entities::call::{self, Entity as Call};
use super::entities::call_leg::{self, Entity as Leg};
use super::entities::recording::{self, Entity as Recording};
use super::legs::LegRow;
use super::recordings::RecordingRow;
use super::{sql, StoreError};
use crate::phone::digits_reversed;

pub use super::entities::call::Model as CallRow;

mod log;

pub use log::{list, list_query, CallFilter};

/// Orders Twilio's call statuses so a late `ringing` can never undo `completed`.
/// Unknown statuses rank lowest: they are stored only on a new row.
pub fn status_rank(status: &str) -> i16 {
    match status {
        "queued" => 1,
        "initiated" => 2,
        "ringing" => 3,
        "in-progress" | "answered" => 4,
        "completed" | "busy" | "failed" | "no-answer" | "canceled" => 5,
        _ => 0,
    }
}

/// How a call ended for the business, from least to most informative: a later,
/// better outcome replaces an earlier one, never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Missed,
    /// The caller pressed the call back key and hung up on purpose, keeping their place:
    /// the business owes them a call. The end of their call leaves it so (it is stronger
    /// than missed); the call back answers it, or, given up, makes it missed
    /// ([`callback_given_up`]).
    AwaitingCallback,
    Voicemail,
    Answered,
    /// The caller is on the client's block list: nobody was rung. Set when the call
    /// comes in, and never replaced (the end of the call would make it "missed").
    Blocked,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missed => "missed",
            Self::AwaitingCallback => "awaiting_callback",
            Self::Voicemail => "voicemail",
            Self::Answered => "answered",
            Self::Blocked => "blocked",
        }
    }

    fn weaker(self) -> Vec<&'static str> {
        [
            Self::Missed,
            Self::AwaitingCallback,
            Self::Voicemail,
            Self::Answered,
            Self::Blocked,
        ]
        .into_iter()
        .take_while(|o| *o != self)
        .map(Self::as_str)
        .collect()
    }
}

/// What we know of a call when its first webhook arrives.
#[derive(Debug, Clone)]
pub struct NewCall<'a> {
    pub call_sid: &'a str,
    pub client: Option<&'a str>,
    pub rules_version: Option<i32>,
    pub direction: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub status: &'a str,
    pub trace: Option<String>,
    /// Known when the call comes in only for a blocked caller.
    pub outcome: Option<&'a str>,
}

/// Creates the calls' rows that are new (a retried webhook leaves the first one as is),
/// in one statement however many calls arrived together.
///
/// # Errors
/// On database failure.
pub async fn ensure(db: &impl ConnectionTrait, calls: &[NewCall<'_>], now: DateTime<Utc>) -> Result<(), StoreError> {
    if let Some(insert) = ensure_statement(db.get_database_backend(), calls, now) {
        db.execute(insert).await?;
    }
    Ok(())
}

/// The statement [`ensure`] runs (none for no calls), for a caller that sends it with
/// others.
pub fn ensure_statement(backend: DbBackend, calls: &[NewCall<'_>], now: DateTime<Utc>) -> Option<Statement> {
    let rows = calls.iter().map(|new| {
        [
            new.call_sid.into(),
            new.client.into(),
            new.rules_version.into(),
            new.direction.into(),
            new.from.into(),
            new.to.into(),
            new.status.into(),
            status_rank(new.status).into(),
            new.trace.clone().into(),
            new.outcome.into(),
            now.into(),
            now.into(),
        ]
    });
    // A status callback may have created the row first, without the routing facts (it
    // knows the client from the number, not the rules version or the decision): those
    // are filled in, and nothing else a callback already stored is touched. A row
    // that is there already is still updated (to itself, mostly), so that PostgreSQL
    // returns it: the legs' insert of a batch finds its calls' ids in what this returns
    // (`start_legs_statement`).
    let fill = "calls.rules_version IS NULL AND excluded.rules_version IS NOT NULL";
    let returning = if backend == DbBackend::Postgres {
        " RETURNING id, call_sid"
    } else {
        ""
    };
    let tail = format!(
        " ON CONFLICT (call_sid) DO UPDATE SET \
         client_id = CASE WHEN {fill} THEN excluded.client_id ELSE calls.client_id END, \
         rules_version = CASE WHEN {fill} THEN excluded.rules_version ELSE calls.rules_version END, \
         trace = CASE WHEN {fill} THEN excluded.trace ELSE calls.trace END, \
         outcome = CASE WHEN {fill} AND excluded.outcome IS NOT NULL THEN excluded.outcome ELSE calls.outcome END{returning}"
    );
    sql::insert_rows(
        backend,
        "calls",
        [
            "call_sid",
            "client_id",
            "rules_version",
            "direction",
            "from_number",
            "to_number",
            "status",
            "status_rank",
            "trace",
            "outcome",
            "started_at",
            "updated_at",
        ],
        &tail,
        rows,
    )
}

/// Moves the call's status forward (never back) and records its duration.
///
/// # Errors
/// On database failure.
pub async fn advance_status(
    db: &impl ConnectionTrait,
    call_sid: &str,
    status: &str,
    duration: Option<i32>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rank = status_rank(status);
    Call::update_many()
        .col_expr(call::Column::Status, Expr::value(status))
        .col_expr(call::Column::StatusRank, Expr::value(rank))
        .col_expr(call::Column::UpdatedAt, Expr::value(now))
        .filter(call::Column::CallSid.eq(call_sid))
        .filter(call::Column::StatusRank.lt(rank))
        .exec(db)
        .await?;
    if let Some(d) = duration {
        Call::update_many()
            .col_expr(call::Column::Duration, Expr::value(d))
            .filter(call::Column::CallSid.eq(call_sid))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Records a call the office placed (a click-to-call): to `customer`, answered by
/// `assistant`, findable by the customer's number. Twilio's callbacks then move its status;
/// one that came first recorded the number Twilio rang, the assistant's, which this puts right.
///
/// # Errors
/// On database failure.
pub async fn record_placed(
    db: &impl ConnectionTrait,
    call: &NewCall<'_>,
    assistant: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    ensure(db, std::slice::from_ref(call), now).await?;
    Call::update_many()
        .col_expr(call::Column::AnsweredBy, Expr::value(assistant))
        .col_expr(call::Column::ToNumber, Expr::value(call.to))
        .filter(call::Column::CallSid.eq(call.call_sid))
        .exec(db)
        .await?;
    make_findable(db, call.call_sid, call.to).await
}

/// Records how the call ended for the business, unless a better outcome is known.
/// Returns whether it changed.
///
/// # Errors
/// On database failure.
pub async fn set_outcome(
    db: &impl ConnectionTrait,
    call_sid: &str,
    outcome: Outcome,
    answered_by: Option<&str>,
) -> Result<bool, StoreError> {
    let mut update = Call::update_many().col_expr(call::Column::Outcome, Expr::value(outcome.as_str()));
    if let Some(a) = answered_by {
        update = update.col_expr(call::Column::AnsweredBy, Expr::value(a));
    }
    let done = update
        .filter(call::Column::CallSid.eq(call_sid))
        .filter(
            Condition::any()
                .add(call::Column::Outcome.is_null())
                .add(call::Column::Outcome.is_in(outcome.weaker())),
        )
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// A call back tried as often as the rules allow: the call that waited for it is missed
/// after all, the one outcome that gives way to a weaker one. Returns whether it changed.
///
/// # Errors
/// On database failure.
pub async fn callback_given_up(db: &impl ConnectionTrait, call_sid: &str) -> Result<bool, StoreError> {
    let done = Call::update_many()
        .col_expr(call::Column::Outcome, Expr::value(Outcome::Missed.as_str()))
        .filter(call::Column::CallSid.eq(call_sid))
        .filter(call::Column::Outcome.eq(Outcome::AwaitingCallback.as_str()))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Makes an ended call findable by its caller's number (the call log's caller search).
/// Left until then because that index's keys come in no order: written with every
/// incoming call, it was the webhook's dearest write.
///
/// # Errors
/// On database failure.
pub async fn make_findable(db: &impl ConnectionTrait, call_sid: &str, from: &str) -> Result<(), StoreError> {
    Call::update_many()
        .col_expr(call::Column::FromDigitsReversed, Expr::value(digits_reversed(from)))
        .filter(call::Column::CallSid.eq(call_sid))
        .filter(call::Column::FromDigitsReversed.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Which assistant last answered a call from `from` to `client` since `since` (`[sticky]`
/// routing), if any.
///
/// # Errors
/// On database failure.
pub async fn last_answered_by(
    db: &impl ConnectionTrait,
    client: &str,
    from: &str,
    since: DateTime<Utc>,
) -> Result<Option<String>, StoreError> {
    let rows = db
        .query_all(last_answered_query(db.get_database_backend(), client, from, since))
        .await?;
    last_answered_of(&rows)
}

/// The query [`last_answered_by`] runs, for a caller that sends it with others; its rows
/// are read by [`last_answered_of`]. It goes through the caller's index (number, then
/// start), which holds ended calls only: the answered calls it looks for have ended.
pub fn last_answered_query(backend: DbBackend, client: &str, from: &str, since: DateTime<Utc>) -> Statement {
    sql::statement(
        backend,
        "SELECT answered_by FROM calls WHERE from_digits_reversed = ? AND started_at > ? \
         AND client_id = ? AND answered_by IS NOT NULL ORDER BY started_at DESC LIMIT 1",
        vec![digits_reversed(from).into(), since.into(), client.into()],
    )
}

/// # Errors
/// When a row is not one of [`last_answered_query`]'s.
pub fn last_answered_of(rows: &[QueryResult]) -> Result<Option<String>, StoreError> {
    rows.first()
        .map(|row| row.try_get_by_index::<String>(0))
        .transpose()
        .map_err(StoreError::from)
}

/// Makes findable up to `limit` calls that started before `before` and never reported
/// their end (their last status callback was lost). Returns how many.
///
/// # Errors
/// On database failure.
pub async fn make_findable_unended(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
    limit: u64,
) -> Result<u64, StoreError> {
    let calls: Vec<(String, String)> = Call::find()
        .select_only()
        .columns([call::Column::CallSid, call::Column::FromNumber])
        .filter(call::Column::FromDigitsReversed.is_null())
        .filter(call::Column::StartedAt.lt(before))
        .order_by_asc(call::Column::StartedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?;
    for (sid, from) in &calls {
        make_findable(db, sid, from).await?;
    }
    Ok(calls.len() as u64)
}

/// Adds `lines` to a call's trace (a JSON list of lines), leaving out those it has
/// already: a retried callback brings the same ones again.
///
/// # Errors
/// On database failure.
pub async fn append_trace(db: &impl ConnectionTrait, call_sid: &str, lines: &[String]) -> Result<(), StoreError> {
    if lines.is_empty() {
        return Ok(());
    }
    let Some(stored) = Call::find()
        .select_only()
        .column(call::Column::Trace)
        .filter(call::Column::CallSid.eq(call_sid))
        .into_tuple::<Option<String>>()
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let mut trace: Vec<String> = stored
        .as_deref()
        .and_then(|t| serde_json::from_str(t).ok())
        .unwrap_or_default();
    let known = trace.len();
    for line in lines {
        if !trace.contains(line) {
            trace.push(line.clone());
        }
    }
    if trace.len() == known {
        return Ok(());
    }
    Call::update_many()
        .col_expr(
            call::Column::Trace,
            Expr::value(serde_json::Value::from(trace).to_string()),
        )
        .filter(call::Column::CallSid.eq(call_sid))
        .exec(db)
        .await?;
    Ok(())
}

/// A call with everything recorded about it.
#[derive(Debug, Clone)]
pub struct CallDetail {
    pub call: CallRow,
    pub legs: Vec<LegRow>,
    pub recordings: Vec<RecordingRow>,
}

/// The call alone, without its legs and recordings.
///
/// # Errors
/// On database failure.
pub async fn find_row(db: &impl ConnectionTrait, call_sid: &str) -> Result<Option<CallRow>, StoreError> {
    Ok(Call::find_by_id(call_sid).one(db).await?)
}

/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, call_sid: &str) -> Result<Option<CallDetail>, StoreError> {
    let Some(call) = find_row(db, call_sid).await? else {
        return Ok(None);
    };
    let legs = Leg::find()
        .filter(call_leg::Column::CallId.eq(call.id))
        .order_by_asc(call_leg::Column::Step)
        .order_by_asc(call_leg::Column::Id)
        .all(db)
        .await?;
    let recordings = Recording::find()
        .filter(recording::Column::CallSid.eq(call_sid))
        .order_by_asc(recording::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(Some(CallDetail { call, legs, recordings }))
}

/// When each call that came in to `client` over a period arrived, oldest first, at most
/// `limit`: what a replay of the client's rules decides again.
///
/// # Errors
/// On database failure.
pub async fn arrivals(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<DateTime<Utc>>, StoreError> {
    Ok(Call::find()
        .select_only()
        .column(call::Column::StartedAt)
        .filter(call::Column::ClientId.eq(client))
        .filter(call::Column::Direction.eq("inbound"))
        .filter(call::Column::StartedAt.gte(since))
        .filter(call::Column::StartedAt.lt(until))
        .order_by_asc(call::Column::StartedAt)
        .limit(limit)
        .into_tuple()
        .all(db)
        .await?)
}

/// The calls of `client` that came in since `since` and have not ended, as far as Twilio
/// has told us: oldest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn unfinished(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<CallRow>, StoreError> {
    Ok(Call::find()
        .filter(call::Column::ClientId.eq(client))
        .filter(call::Column::StartedAt.gte(since))
        .filter(call::Column::Status.is_in(["queued", "ringing", "in-progress"]))
        .order_by_asc(call::Column::StartedAt)
        .limit(limit)
        .all(db)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::Outcome;

    #[test]
    fn a_caller_awaiting_a_call_back_outranks_missed_and_gives_way_to_an_answer() {
        assert_eq!(Outcome::Missed.weaker(), Vec::<&str>::new());
        assert_eq!(Outcome::AwaitingCallback.weaker(), ["missed"]);
        assert!(Outcome::Answered.weaker().contains(&"awaiting_callback"));
    }
}
