//! The intake batch's typed face: calls arriving together say which round-robin turns
//! they take and whose availability they need, get back what was found, and say which
//! calls and legs to record. The statements, which row answers which read, and the
//! order rows are locked in stay here.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseBackend, QueryResult, Statement};

use super::{rows_written, BatchWork};
use crate::store::availability::{unavailability_of, unavailability_query, Unavailability};
use crate::store::calls::{ensure_statement, last_answered_of, last_answered_query, NewCall};
use crate::store::legs::{start_legs_statement, NewLeg};
use crate::store::rotation::{advance_statement, first_turn};
use crate::store::StoreError;

/// What a batch of calls reads before any of them is decided.
#[derive(Debug, Default)]
pub struct Reads {
    /// The round-robin turns the batch takes, each rotation once. Concurrent batches
    /// (PostgreSQL) must list rotations in the same order, so that they lock them alike
    /// and cannot deadlock.
    pub turns: Vec<Turns>,
    /// Whose assistants' availability the batch needs, each client once.
    pub availability: Vec<AvailabilityAt>,
    /// Whom callers last spoke with (`[sticky]` routing), one read per caller asked for.
    pub callers: Vec<CallerSince>,
}

/// A caller of a client, and how far back an answered call of theirs counts.
#[derive(Debug, Clone)]
pub struct CallerSince {
    pub client: String,
    pub from: String,
    pub since: DateTime<Utc>,
}

/// `count` consecutive turns of a client's rotation for one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Turns {
    pub client: String,
    pub route: String,
    pub count: u64,
}

/// Who of a client's assistants cannot take a call at `at`.
#[derive(Debug, Clone)]
pub struct AvailabilityAt {
    pub client: String,
    pub at: DateTime<Utc>,
}

/// What the reads found, in the order of [`Reads`].
#[derive(Debug)]
pub struct Found {
    /// The first turn each [`Turns`] got; the others follow it in order.
    pub first_turns: Vec<u64>,
    pub unavailable: Vec<Unavailability>,
    /// The assistant who last answered each of [`Reads::callers`], if any did.
    pub spoke_with: Vec<Option<String>>,
}

/// What a batch records: its calls, and the legs their first steps ring.
#[derive(Debug)]
pub struct Writes<'a> {
    pub calls: Vec<NewCall<'a>>,
    pub legs: Vec<NewLeg<'a>>,
    pub now: DateTime<Utc>,
}

/// A batch of incoming calls: reads, a decision without the database, then writes, all
/// committed together (or, when the batch fails, none of them: a round-robin turn
/// taken by a failed batch is given back).
pub trait CallBatch: Send + Sync + 'static {
    type Call: Send + Sync + 'static;
    type Routed: Send + 'static;
    /// What [`CallBatch::decide`] needs to know of which read is whose.
    type Plan: Send;

    fn reads(&self, calls: &[Self::Call]) -> (Self::Plan, Reads);

    /// One decision per call, in order.
    fn decide(&self, calls: &[Self::Call], plan: Self::Plan, found: Found) -> Vec<Self::Routed>;

    fn writes<'a>(&self, calls: &'a [Self::Call], routed: &'a [Self::Routed]) -> Writes<'a>;
}

/// A [`CallBatch`] as the group commit runs it.
pub struct Calls<W>(pub W);

impl<W: CallBatch> BatchWork for Calls<W> {
    type Item = W::Call;
    type Output = W::Routed;
    /// The plan, the turns taken, and how many reads of availability follow them.
    type Reads = (W::Plan, Vec<Turns>, usize);

    fn reads(&self, backend: DatabaseBackend, calls: &[W::Call]) -> (Self::Reads, Vec<Statement>) {
        let (plan, reads) = self.0.reads(calls);
        let turns = reads
            .turns
            .iter()
            .map(|t| advance_statement(backend, &t.client, &t.route, t.count));
        let availability = reads
            .availability
            .iter()
            .map(|a| unavailability_query(backend, &a.client, a.at));
        let callers = reads
            .callers
            .iter()
            .map(|c| last_answered_query(backend, &c.client, &c.from, c.since));
        let statements = turns.chain(availability).chain(callers).collect();
        ((plan, reads.turns, reads.availability.len()), statements)
    }

    fn takes(&self, (_, turns, _): &Self::Reads) -> bool {
        !turns.is_empty()
    }

    fn decide(
        &self,
        backend: DatabaseBackend,
        calls: &[W::Call],
        (plan, turns, availability): Self::Reads,
        rows: Vec<Vec<QueryResult>>,
    ) -> Result<(Vec<W::Routed>, Vec<Statement>), StoreError> {
        if rows.len() < turns.len() + availability {
            return Err(StoreError::NotFound);
        }
        let (turn_rows, rest) = rows.split_at(turns.len());
        let (availability_rows, caller_rows) = rest.split_at(availability);
        let first_turns = turns
            .iter()
            .zip(turn_rows)
            .map(|(t, rows)| first_turn(rows.first().ok_or(StoreError::NotFound)?, t.count))
            .collect::<Result<_, StoreError>>()?;
        let unavailable = availability_rows
            .iter()
            .map(|rows| unavailability_of(rows))
            .collect::<Result<_, StoreError>>()?;
        let spoke_with = caller_rows
            .iter()
            .map(|rows| last_answered_of(rows))
            .collect::<Result<_, StoreError>>()?;
        let routed = self.0.decide(
            calls,
            plan,
            Found {
                first_turns,
                unavailable,
                spoke_with,
            },
        );
        let statements = record(backend, self.0.writes(calls, &routed));
        Ok((routed, statements))
    }
}

/// The calls, then the legs, each one statement. Sorted (calls by SID, legs by call,
/// step and number) so that concurrent batches (PostgreSQL) holding a retried webhook's
/// call take their row locks in the same order and cannot deadlock.
fn record(backend: DatabaseBackend, mut writes: Writes<'_>) -> Vec<Statement> {
    writes.calls.sort_by(|a, b| a.call_sid.cmp(b.call_sid));
    writes
        .legs
        .sort_by(|a, b| (a.call_sid, a.step, a.number).cmp(&(b.call_sid, b.step, b.number)));
    let calls_written = rows_written(backend, 0, "calls");
    [
        ensure_statement(backend, &writes.calls, writes.now),
        start_legs_statement(backend, &writes.legs, writes.now, &calls_written),
    ]
    .into_iter()
    .flatten()
    .collect()
}
