//! A client's figures over a period, counted by the database: calls grouped by outcome,
//! by the assistant who answered and by quarter hour, texts by what became of them, so
//! they are exact at any volume and cost the same memory for ten calls or ten million.
//! Each reads its rows through their index by client and time.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{sql, StoreError};

/// What [`call_figures`] counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFigures {
    /// Calls by outcome (`None`: still going, or never routed).
    pub outcomes: Vec<(Option<String>, u64)>,
    /// Answered calls by the assistant who took them.
    pub answered_by: Vec<(String, u64)>,
    /// Per assistant, the legs they answered and the seconds from the call coming in to
    /// their answer, summed.
    pub waits: Vec<(String, u64, f64)>,
    /// Calls by the quarter hour they came in (seconds since the epoch / 900). Every time
    /// zone's offset is a whole number of quarter hours, so each one falls in a single local
    /// hour and weekday, whatever the zone and its daylight saving.
    pub quarter_hours: Vec<(i64, u64)>,
}

/// Seconds in the buckets of [`CallFigures::quarter_hours`].
pub const QUARTER_HOUR: i64 = 900;

/// # Errors
/// On database failure.
pub async fn call_figures(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<CallFigures, StoreError> {
    let [outcomes, answered_by, waits, quarter_hours] =
        call_figures_queries(db.get_database_backend(), client, since, until);
    // At once, each on a connection of its own: the answer waits for the slowest, not
    // for all four one after the other.
    let (outcomes, answered_by, waits, quarter_hours) = tokio::try_join!(
        db.query_all(outcomes),
        db.query_all(answered_by),
        db.query_all(waits),
        db.query_all(quarter_hours)
    )?;
    Ok(CallFigures {
        outcomes: pairs(&outcomes)?,
        answered_by: pairs(&answered_by)?,
        waits: waits
            .iter()
            .map(|row| {
                let assistant: String = row.try_get_by_index(0)?;
                let legs: i64 = row.try_get_by_index(1)?;
                let seconds: i64 = row.try_get_by_index(2)?;
                Ok((assistant, count(legs), seconds.max(0) as f64))
            })
            .collect::<Result<_, StoreError>>()?,
        quarter_hours: pairs(&quarter_hours)?,
    })
}

/// The statements [`call_figures`] runs, in the order of its fields (their plans are
/// checked by the tests).
pub fn call_figures_queries(
    backend: DbBackend,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> [Statement; 4] {
    let epoch = |column: &str| match backend {
        DbBackend::Postgres => format!("CAST(FLOOR(EXTRACT(EPOCH FROM {column})) AS BIGINT)"),
        _ => format!("CAST(strftime('%s', {column}) AS INTEGER)"),
    };
    let period = "c.client_id = ? AND c.started_at >= ? AND c.started_at < ?";
    let started = epoch("c.started_at");
    [
        format!("SELECT c.outcome, COUNT(*) FROM calls c WHERE {period} GROUP BY c.outcome"),
        format!(
            "SELECT c.answered_by, COUNT(*) FROM calls c WHERE {period} \
             AND c.outcome = 'answered' AND c.answered_by IS NOT NULL GROUP BY c.answered_by"
        ),
        format!(
            "SELECT l.assistant_id, COUNT(*), CAST(SUM({answered} - {started}) AS BIGINT) FROM calls c \
             JOIN call_legs l ON l.call_id = c.id \
             WHERE {period} AND l.assistant_id IS NOT NULL AND l.answered_at IS NOT NULL \
             GROUP BY l.assistant_id",
            answered = epoch("l.answered_at"),
        ),
        format!("SELECT {started} / {QUARTER_HOUR}, COUNT(*) FROM calls c WHERE {period} GROUP BY 1"),
    ]
    .map(|sql| sql::statement(backend, &sql, vec![client.into(), since.into(), until.into()]))
}

/// What [`message_figures`] counts: a client's texts of a period, with what Twilio
/// last said of each.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MessageFigures {
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub segments: u64,
    /// The reported prices' absolute values, summed; none when no price was reported.
    pub cost: Option<f64>,
}

/// # Errors
/// On database failure.
pub async fn message_figures(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<MessageFigures, StoreError> {
    let Some(row) = db
        .query_one(message_figures_query(db.get_database_backend(), client, since, until))
        .await?
    else {
        return Ok(MessageFigures::default());
    };
    let n = |i| row.try_get_by_index::<Option<i64>>(i).map(|v| count(v.unwrap_or(0)));
    let priced: i64 = row.try_get_by_index(4)?;
    Ok(MessageFigures {
        sent: n(0)?,
        delivered: n(1)?,
        failed: n(2)?,
        segments: n(3)?,
        cost: if priced > 0 { row.try_get_by_index(5)? } else { None },
    })
}

/// The statement [`message_figures`] runs (its plan is checked by the tests).
pub fn message_figures_query(
    backend: DbBackend,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Statement {
    let real = match backend {
        DbBackend::Postgres => "DOUBLE PRECISION",
        _ => "REAL",
    };
    let sql = format!(
        "SELECT \
         CAST(SUM(CASE WHEN o.state = 'sent' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN s.status = 'delivered' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.state = 'failed' OR s.status IN ('failed', 'undelivered') THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(o.segments) AS BIGINT), \
         COUNT(s.price), \
         SUM(ABS(CAST(s.price AS {real}))) \
         FROM outbox o LEFT JOIN message_statuses s ON s.message_sid = o.message_sid \
         WHERE o.client_id = ? AND o.created_at >= ? AND o.created_at < ?"
    );
    sql::statement(backend, &sql, vec![client.into(), since.into(), until.into()])
}

fn pairs<K: sea_orm::TryGetable>(rows: &[QueryResult]) -> Result<Vec<(K, u64)>, StoreError> {
    rows.iter()
        .map(|row| Ok((row.try_get_by_index(0)?, count(row.try_get_by_index(1)?))))
        .collect()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
