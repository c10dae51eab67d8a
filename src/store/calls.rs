//! Call records, their legs and recordings. Every write is an idempotent merge:
//! Twilio retries callbacks and delivers them out of order, so each function first
//! makes sure the row exists (insert, ignore if present) and then updates only what
//! moves forward — a final status never goes back to an earlier one.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Statement,
};

use super::entities::call::{self, Entity as Call};
use super::entities::call_leg::{self, Entity as Leg};
use super::entities::recording::{self, Entity as Recording};
use super::{sql, StoreError};

pub use super::entities::call::Model as CallRow;
pub use super::entities::call_leg::Model as LegRow;
pub use super::entities::recording::Model as RecordingRow;

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
    Voicemail,
    Answered,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Missed => "missed",
            Self::Voicemail => "voicemail",
            Self::Answered => "answered",
        }
    }

    fn weaker(self) -> Vec<&'static str> {
        [Self::Missed, Self::Voicemail, Self::Answered]
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
         trace = CASE WHEN {fill} THEN excluded.trace ELSE calls.trace END{returning}"
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

/// A leg about to be rung: a number at a step of the call's chain.
#[derive(Debug, Clone)]
pub struct NewLeg<'a> {
    pub client: &'a str,
    pub call_sid: &'a str,
    pub step: u32,
    pub assistant: Option<&'a str>,
    pub number: &'a str,
}

/// What a callback tells about one leg we rang.
#[derive(Debug, Clone)]
pub struct LegUpdate<'a> {
    pub client: &'a str,
    pub call_sid: &'a str,
    pub step: u32,
    pub assistant: Option<&'a str>,
    pub number: &'a str,
    pub child_call_sid: Option<&'a str>,
    pub status: &'a str,
    pub duration: Option<i32>,
    /// The assistant pressed 1 at the screening whisper.
    pub accepted: bool,
}

/// Creates the legs a `<Dial>` is about to ring, as `initiated`, in one statement.
/// A leg that exists already (a retried webhook) has that status or a later one, so it
/// is left as is.
///
/// # Errors
/// On database failure.
pub async fn start_legs(db: &impl ConnectionTrait, legs: &[NewLeg<'_>], now: DateTime<Utc>) -> Result<(), StoreError> {
    if let Some(insert) = start_legs_statement(db.get_database_backend(), legs, now, "calls") {
        db.execute(insert).await?;
    }
    Ok(())
}

/// The statement [`start_legs`] runs (none for no legs), for a caller that sends it
/// with others. It finds each leg's call id by SID in `calls`: the table, or the rows
/// an earlier statement of the same batch returned (`store::batch::rows_written`). A
/// leg whose call is in neither is not stored.
pub fn start_legs_statement(
    backend: DbBackend,
    legs: &[NewLeg<'_>],
    now: DateTime<Utc>,
    calls: &str,
) -> Option<Statement> {
    let rows = legs.iter().map(|leg| {
        [
            leg.call_sid.into(),
            leg.client.into(),
            i32::try_from(leg.step).unwrap_or(i32::MAX).into(),
            leg.assistant.into(),
            leg.number.into(),
            "initiated".into(),
            status_rank("initiated").into(),
            false.into(),
            now.into(),
            now.into(),
        ]
    });
    // `WHERE true` tells SQLite's parser that `ON CONFLICT` is the insert's, not a join's.
    let tail = format!(
        ") AS v JOIN {calls} AS c ON c.call_sid = v.column1 WHERE true \
         ON CONFLICT (call_id, step, number) DO NOTHING"
    );
    sql::values(
        backend,
        "INSERT INTO call_legs (call_id, call_sid, client_id, step, assistant_id, number, status, \
         status_rank, accepted, created_at, updated_at) SELECT c.id, v.column1, v.column2, v.column3, \
         v.column4, v.column5, v.column6, v.column7, v.column8, v.column9, v.column10 FROM (",
        &tail,
        rows,
    )
}

/// A leg is one number rung at one step of a call: inserting it again changes nothing.
fn leg_exists() -> OnConflict {
    OnConflict::columns([
        call_leg::Column::CallId,
        call_leg::Column::Step,
        call_leg::Column::Number,
    ])
    .do_nothing()
    .to_owned()
}

/// The call's id, if the call is recorded.
async fn call_id(db: &impl ConnectionTrait, call_sid: &str) -> Result<Option<i64>, StoreError> {
    Ok(Call::find()
        .select_only()
        .column(call::Column::Id)
        .filter(call::Column::CallSid.eq(call_sid))
        .into_tuple()
        .one(db)
        .await?)
}

/// Creates or moves forward one leg.
///
/// # Errors
/// On database failure.
pub async fn record_leg(db: &impl ConnectionTrait, leg: &LegUpdate<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    // Our answer to the call's first webhook, which rang the leg, waited for the call's
    // record: a leg of a call not recorded comes from somewhere else.
    let Some(call_id) = call_id(db, leg.call_sid).await? else {
        tracing::warn!(call_sid = leg.call_sid, "a leg of an unknown call: not stored");
        return Ok(());
    };
    let step = i32::try_from(leg.step).unwrap_or(i32::MAX);
    let rank = status_rank(leg.status);
    Leg::insert(call_leg::ActiveModel {
        call_id: Set(call_id),
        client_id: Set(leg.client.to_owned()),
        call_sid: Set(leg.call_sid.to_owned()),
        step: Set(step),
        assistant_id: Set(leg.assistant.map(str::to_owned)),
        number: Set(leg.number.to_owned()),
        child_call_sid: Set(leg.child_call_sid.map(str::to_owned)),
        status: Set(leg.status.to_owned()),
        status_rank: Set(rank),
        duration: Set(leg.duration),
        accepted: Set(leg.accepted),
        created_at: Set(now),
        updated_at: Set(now),
        answered_at: Set(None),
        ..Default::default()
    })
    .on_conflict(leg_exists())
    .exec_without_returning(db)
    .await?;
    let this = Condition::all()
        .add(call_leg::Column::CallId.eq(call_id))
        .add(call_leg::Column::Step.eq(step))
        .add(call_leg::Column::Number.eq(leg.number));
    Leg::update_many()
        .col_expr(call_leg::Column::Status, Expr::value(leg.status))
        .col_expr(call_leg::Column::StatusRank, Expr::value(rank))
        .col_expr(call_leg::Column::UpdatedAt, Expr::value(now))
        .filter(this.clone())
        .filter(call_leg::Column::StatusRank.lt(rank))
        .exec(db)
        .await?;
    let mut extra = Leg::update_many().col_expr(call_leg::Column::UpdatedAt, Expr::value(now));
    if let Some(sid) = leg.child_call_sid {
        extra = extra.col_expr(call_leg::Column::ChildCallSid, Expr::value(sid));
    }
    if let Some(d) = leg.duration {
        extra = extra.col_expr(call_leg::Column::Duration, Expr::value(d));
    }
    if leg.accepted {
        extra = extra.col_expr(call_leg::Column::Accepted, Expr::value(true));
    }
    extra.filter(this.clone()).exec(db).await?;
    if leg.accepted || rank == status_rank("in-progress") {
        Leg::update_many()
            .col_expr(call_leg::Column::AnsweredAt, Expr::value(now))
            .filter(this)
            .filter(call_leg::Column::AnsweredAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

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
    // status callback never came (9.6 ms a batch with 39 000 of them).
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
pub fn unavailability_of(rows: &[QueryResult]) -> Result<Unavailability, StoreError> {
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

/// A recording's facts as they arrive from any of its callbacks.
#[derive(Debug, Clone, Default)]
pub struct RecordingUpdate<'a> {
    pub recording_sid: &'a str,
    pub call_sid: &'a str,
    /// `voicemail` or `call`.
    pub kind: &'a str,
    pub url: Option<&'a str>,
    pub duration: Option<i32>,
    pub status: Option<&'a str>,
    pub transcription_sid: Option<&'a str>,
    pub transcription_text: Option<&'a str>,
    pub transcription_status: Option<&'a str>,
}

/// Creates or completes a recording; fields already known are kept unless the update
/// brings a value.
///
/// # Errors
/// On database failure.
pub async fn record_recording(
    db: &impl ConnectionTrait,
    r: &RecordingUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Recording::insert(recording::ActiveModel {
        recording_sid: Set(r.recording_sid.to_owned()),
        call_sid: Set(r.call_sid.to_owned()),
        kind: Set(r.kind.to_owned()),
        url: Set(None),
        duration: Set(None),
        status: Set(None),
        transcription_sid: Set(None),
        transcription_text: Set(None),
        transcription_status: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(recording::Column::RecordingSid)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let mut update = Recording::update_many().col_expr(recording::Column::UpdatedAt, Expr::value(now));
    let fields = [
        (recording::Column::Url, r.url),
        (recording::Column::Status, r.status),
        (recording::Column::TranscriptionSid, r.transcription_sid),
        (recording::Column::TranscriptionText, r.transcription_text),
        (recording::Column::TranscriptionStatus, r.transcription_status),
    ];
    for (column, value) in fields {
        if let Some(v) = value {
            update = update.col_expr(column, Expr::value(v));
        }
    }
    if let Some(d) = r.duration {
        update = update.col_expr(recording::Column::Duration, Expr::value(d));
    }
    update
        .filter(recording::Column::RecordingSid.eq(r.recording_sid))
        .exec(db)
        .await?;
    Ok(())
}

/// # Errors
/// On database failure.
pub async fn find_recording(
    db: &impl ConnectionTrait,
    recording_sid: &str,
) -> Result<Option<RecordingRow>, StoreError> {
    Ok(Recording::find_by_id(recording_sid).one(db).await?)
}

/// A call with everything recorded about it.
#[derive(Debug, Clone)]
pub struct CallDetail {
    pub call: CallRow,
    pub legs: Vec<LegRow>,
    pub recordings: Vec<RecordingRow>,
}

/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, call_sid: &str) -> Result<Option<CallDetail>, StoreError> {
    let Some(call) = Call::find_by_id(call_sid).one(db).await? else {
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

/// Filters for the call log; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    /// Only these clients (`None`: all).
    pub clients: Option<Vec<String>>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    pub caller: Option<String>,
    pub answered_by: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Continue after this call (from the previous page's last one).
    pub before: Option<(DateTime<Utc>, String)>,
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
    if let Some(clients) = &f.clients {
        q = q.filter(call::Column::ClientId.is_in(clients.clone()));
    }
    let exact = [
        (call::Column::Status, &f.status),
        (call::Column::Outcome, &f.outcome),
        (call::Column::FromNumber, &f.caller),
        (call::Column::AnsweredBy, &f.answered_by),
    ];
    for (column, value) in exact {
        if let Some(v) = value {
            q = q.filter(column.eq(v.clone()));
        }
    }
    if let Some(since) = f.since {
        q = q.filter(call::Column::StartedAt.gte(since));
    }
    if let Some(until) = f.until {
        q = q.filter(call::Column::StartedAt.lt(until));
    }
    if let Some((at, sid)) = &f.before {
        q = q.filter(
            Condition::any().add(call::Column::StartedAt.lt(*at)).add(
                Condition::all()
                    .add(call::Column::StartedAt.eq(*at))
                    .add(call::Column::CallSid.lt(sid.clone())),
            ),
        );
    }
    q.order_by_desc(call::Column::StartedAt)
        .order_by_desc(call::Column::CallSid)
        .limit(limit)
        .build(backend)
}

/// Marks a voicemail as waiting for its transcript (unless one already arrived).
///
/// # Errors
/// On database failure.
pub async fn expect_transcript(db: &impl ConnectionTrait, recording_sid: &str) -> Result<(), StoreError> {
    Recording::update_many()
        .col_expr(recording::Column::TranscriptionStatus, Expr::value("pending"))
        .filter(recording::Column::RecordingSid.eq(recording_sid))
        .filter(recording::Column::TranscriptionStatus.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Transcripts still pending from before `cutoff` will not come: say so.
///
/// # Errors
/// On database failure.
pub async fn mark_missing_transcripts(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = Recording::update_many()
        .col_expr(recording::Column::TranscriptionStatus, Expr::value("missing"))
        .filter(recording::Column::TranscriptionStatus.eq("pending"))
        .filter(recording::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
