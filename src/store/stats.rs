//! A client's figures over a period, counted by the database: calls grouped by outcome,
//! by the assistant rung and who answered, and by quarter hour and direction; texts by
//! what became of them and by the numbers sent the most, so they are exact at any volume
//! and cost the same memory for ten calls or ten million.
//! Each reads its rows through their index by client and time.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::calls::Outcome;
use super::conversations::CUSTOMER_PURPOSES;
use super::{outbox, sql, StoreError};

/// What [`call_figures`] counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFigures {
    /// Calls by outcome (`None`: still going, never routed, or placed by us).
    pub outcomes: Vec<(Option<String>, u64)>,
    /// Answered calls whose length Twilio reported, and those lengths in seconds, summed.
    pub answered_length: (u64, u64),
    /// Answered calls by the assistant who took them.
    pub answered_by: Vec<(String, u64)>,
    /// Per assistant, the calls that rang them and how quickly they answered.
    pub rings: Vec<Rings>,
    /// Calls by the quarter hour they came in, their direction and outcome.
    pub quarter_hours: Vec<QuarterCount>,
}

/// One assistant's legs in [`CallFigures::rings`].
#[derive(Debug, Clone, PartialEq)]
pub struct Rings {
    pub assistant: String,
    /// Calls that rang them at least once.
    pub calls: u64,
    /// The legs they answered, and the seconds from the call coming in to each answer,
    /// summed.
    pub answered_legs: u64,
    pub wait_seconds: f64,
}

/// Calls of one quarter hour (seconds since the epoch / 900) with one direction and
/// outcome. Every time zone's offset is a whole number of quarter hours, so each quarter
/// falls in a single local hour, weekday and date, whatever the zone and its daylight saving.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuarterCount {
    pub quarter: i64,
    /// Placed by us (Twilio's `outbound-api`, `outbound-dial`), not a caller's.
    pub outbound: bool,
    pub outcome: Option<String>,
    pub calls: u64,
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
    let [outcomes, answered_by, rings, quarter_hours] =
        call_figures_queries(db.get_database_backend(), client, since, until);
    // At once, each on a connection of its own: the answer waits for the slowest, not
    // for all four one after the other.
    let (outcomes, answered_by, rings, quarter_hours) = tokio::try_join!(
        db.query_all(outcomes),
        db.query_all(answered_by),
        db.query_all(rings),
        db.query_all(quarter_hours)
    )?;
    let mut answered_length = (0, 0);
    for row in &outcomes {
        if row.try_get_by_index::<Option<String>>(0)?.as_deref() == Some(Outcome::Answered.as_str()) {
            let seconds: Option<i64> = row.try_get_by_index(3)?;
            answered_length = (count(row.try_get_by_index(2)?), count(seconds.unwrap_or(0)));
        }
    }
    Ok(CallFigures {
        outcomes: pairs(&outcomes)?,
        answered_length,
        answered_by: pairs(&answered_by)?,
        rings: rings
            .iter()
            .map(|row| {
                let seconds: Option<i64> = row.try_get_by_index(3)?;
                Ok(Rings {
                    assistant: row.try_get_by_index(0)?,
                    calls: count(row.try_get_by_index(1)?),
                    answered_legs: count(row.try_get_by_index(2)?),
                    wait_seconds: seconds.unwrap_or(0).max(0) as f64,
                })
            })
            .collect::<Result<_, StoreError>>()?,
        quarter_hours: quarter_hours
            .iter()
            .map(|row| {
                let outbound: i64 = row.try_get_by_index(1)?;
                Ok(QuarterCount {
                    quarter: row.try_get_by_index(0)?,
                    outbound: outbound != 0,
                    outcome: row.try_get_by_index(2)?,
                    calls: count(row.try_get_by_index(3)?),
                })
            })
            .collect::<Result<_, StoreError>>()?,
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
    let answered = epoch("l.answered_at");
    [
        format!(
            "SELECT c.outcome, COUNT(*), COUNT(c.duration), CAST(SUM(c.duration) AS BIGINT) FROM calls c \
             WHERE {period} GROUP BY c.outcome"
        ),
        format!(
            "SELECT c.answered_by, COUNT(*) FROM calls c WHERE {period} \
             AND c.outcome = 'answered' AND c.answered_by IS NOT NULL GROUP BY c.answered_by"
        ),
        format!(
            "SELECT l.assistant_id, COUNT(DISTINCT c.id), \
             CAST(SUM(CASE WHEN l.answered_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN l.answered_at IS NOT NULL THEN {answered} - {started} END) AS BIGINT) \
             FROM calls c JOIN call_legs l ON l.call_id = c.id \
             WHERE {period} AND l.assistant_id IS NOT NULL GROUP BY l.assistant_id"
        ),
        format!(
            "SELECT {started} / {QUARTER_HOUR}, \
             CAST(CASE WHEN c.direction LIKE 'outbound%' THEN 1 ELSE 0 END AS BIGINT), c.outcome, COUNT(*) \
             FROM calls c WHERE {period} GROUP BY 1, 2, 3"
        ),
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
    /// The reported prices' absolute values in millionths of the currency unit, summed
    /// exactly; none when no price was reported.
    pub cost_micros: Option<i64>,
    /// The numbers sent the most texts, with how many, most first (at most
    /// [`TOP_RECIPIENTS`]).
    pub top_recipients: Vec<(String, u64)>,
}

/// How many numbers [`MessageFigures::top_recipients`] lists.
pub const TOP_RECIPIENTS: u64 = 10;

/// # Errors
/// On database failure.
pub async fn message_figures(
    db: &impl ConnectionTrait,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<MessageFigures, StoreError> {
    let backend = db.get_database_backend();
    let (row, top) = tokio::try_join!(
        db.query_one(message_figures_query(backend, client, since, until)),
        db.query_all(top_recipients_query(backend, client, since, until))
    )?;
    let top_recipients = pairs(&top)?;
    let Some(row) = row else {
        return Ok(MessageFigures {
            top_recipients,
            ..MessageFigures::default()
        });
    };
    let n = |i| row.try_get_by_index::<Option<i64>>(i).map(|v| count(v.unwrap_or(0)));
    let priced: i64 = row.try_get_by_index(4)?;
    Ok(MessageFigures {
        sent: n(0)?,
        delivered: n(1)?,
        failed: n(2)?,
        segments: n(3)?,
        cost_micros: if priced > 0 { row.try_get_by_index(5)? } else { None },
        top_recipients,
    })
}

/// The statement [`message_figures`] runs (its plan is checked by the tests).
pub fn message_figures_query(
    backend: DbBackend,
    client: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Statement {
    let sql = format!(
        "SELECT \
         CAST(SUM(CASE WHEN o.state = 'sent' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN s.status = 'delivered' THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(CASE WHEN o.state = 'failed' OR s.status IN ('failed', 'undelivered') THEN 1 ELSE 0 END) AS BIGINT), \
         CAST(SUM(o.segments) AS BIGINT), \
         COUNT(s.price_micros), \
         CAST(SUM(s.price_micros) AS BIGINT) \
         FROM outbox o LEFT JOIN message_statuses s ON s.message_sid = o.message_sid \
         WHERE o.client_id = ? AND o.created_at >= ? AND o.created_at < ? AND o.kind NOT IN ({not_messages})",
        not_messages = sql::quoted_list(&outbox::NOT_MESSAGES),
    );
    sql::statement(backend, &sql, vec![client.into(), since.into(), until.into()])
}

/// The statement that finds [`MessageFigures::top_recipients`]: texts sent, by number
/// (its plan is checked by the tests).
pub fn top_recipients_query(backend: DbBackend, client: &str, since: DateTime<Utc>, until: DateTime<Utc>) -> Statement {
    let sql = format!(
        "SELECT o.to_number, COUNT(*) FROM outbox o \
         WHERE o.client_id = ? AND o.created_at >= ? AND o.created_at < ? AND o.kind = 'sms' AND o.state = 'sent' \
         AND o.purpose IN ({customers}) \
         GROUP BY o.to_number ORDER BY COUNT(*) DESC, o.to_number LIMIT {TOP_RECIPIENTS}",
        customers = sql::quoted_list(CUSTOMER_PURPOSES),
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
