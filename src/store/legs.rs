//! The legs of calls: each number rung at each step. Writes are idempotent merges like
//! a call's: a leg is inserted once, and its status only moves forward.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement,
};

use super::calls::status_rank;
use super::entities::call::{self, Entity as Call};
use super::entities::call_leg::{self, Entity as Leg};
use super::{sql, StoreError};

pub use super::entities::call_leg::Model as LegRow;

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
    /// Which leg: the call, the step and the number rung.
    pub leg: NewLeg<'a>,
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
pub(super) fn start_legs_statement(
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
pub async fn record_leg(
    db: &impl ConnectionTrait,
    update: &LegUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let leg = &update.leg;
    // Our answer to the call's first webhook, which rang the leg, waited for the call's
    // record: a leg of a call not recorded comes from somewhere else.
    let Some(call_id) = call_id(db, leg.call_sid).await? else {
        tracing::warn!(call_sid = leg.call_sid, "a leg of an unknown call: not stored");
        return Ok(());
    };
    let step = i32::try_from(leg.step).unwrap_or(i32::MAX);
    let rank = status_rank(update.status);
    Leg::insert(call_leg::ActiveModel {
        call_id: Set(call_id),
        client_id: Set(leg.client.to_owned()),
        call_sid: Set(leg.call_sid.to_owned()),
        step: Set(step),
        assistant_id: Set(leg.assistant.map(str::to_owned)),
        number: Set(leg.number.to_owned()),
        child_call_sid: Set(update.child_call_sid.map(str::to_owned)),
        status: Set(update.status.to_owned()),
        status_rank: Set(rank),
        duration: Set(update.duration),
        accepted: Set(update.accepted),
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
        .col_expr(call_leg::Column::Status, Expr::value(update.status))
        .col_expr(call_leg::Column::StatusRank, Expr::value(rank))
        .col_expr(call_leg::Column::UpdatedAt, Expr::value(now))
        .filter(this.clone())
        .filter(call_leg::Column::StatusRank.lt(rank))
        .exec(db)
        .await?;
    let mut extra = Leg::update_many().col_expr(call_leg::Column::UpdatedAt, Expr::value(now));
    if let Some(sid) = update.child_call_sid {
        extra = extra.col_expr(call_leg::Column::ChildCallSid, Expr::value(sid));
    }
    if let Some(d) = update.duration {
        extra = extra.col_expr(call_leg::Column::Duration, Expr::value(d));
    }
    if update.accepted {
        extra = extra.col_expr(call_leg::Column::Accepted, Expr::value(true));
    }
    extra.filter(this.clone()).exec(db).await?;
    if update.accepted || rank == status_rank("in-progress") {
        Leg::update_many()
            .col_expr(call_leg::Column::AnsweredAt, Expr::value(now))
            .filter(this)
            .filter(call_leg::Column::AnsweredAt.is_null())
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The legs of one client's calls that started in `[since, until)`.
///
/// # Errors
/// On database failure.
pub async fn legs_between(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<LegRow>, StoreError> {
    // Legs are created when their call is routed, so their own creation time bounds them.
    Ok(Leg::find()
        .filter(call_leg::Column::ClientId.eq(client))
        .filter(call_leg::Column::CreatedAt.gte(since))
        .filter(call_leg::Column::CreatedAt.lt(until + Duration::hours(4)))
        .all(db)
        .await?)
}

/// The legs of these calls (by the calls' ids).
///
/// # Errors
/// On database failure.
pub async fn of_calls(db: &impl ConnectionTrait, call_ids: Vec<i64>) -> Result<Vec<LegRow>, StoreError> {
    if call_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Leg::find()
        .filter(call_leg::Column::CallId.is_in(call_ids))
        .order_by_asc(call_leg::Column::Id)
        .all(db)
        .await?)
}
