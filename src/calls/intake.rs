//! The first webhook of every call, batched: calls arriving together are decided and
//! recorded in one transaction. A burst costs one commit, one read per client of who
//! is unavailable, and one step per round-robin rotation, instead of one of each per
//! call; each webhook still answers only after its call is committed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DbBackend, QueryResult, Statement};

use super::position::Position;
use super::{legs_of, new_call, unavailable, CallFacts};
use crate::clock::Clock;
use crate::routing::{self, CallInput, Decision, MenuChoice, Rules};
use crate::store::batch::BatchWork;
use crate::store::{self, StoreError};

/// A call to route: its facts, the rules current for the number called, and when.
pub struct Arrival {
    pub facts: CallFacts,
    pub version: i32,
    pub rules: Arc<Rules>,
    pub at: DateTime<Utc>,
}

/// The committed decision for one arrival, and the position its callbacks carry.
pub struct Routed {
    pub decision: Decision,
    pub pos: Position,
}

/// Stamps rows with its clock's time when the batch runs; each call is decided at the
/// time its webhook arrived.
pub struct Intake {
    pub clock: Arc<dyn Clock>,
}

/// Which of a batch's reads is which: one round-robin step per rotation its calls
/// take turns at, then one availability read per client.
pub struct Reads {
    /// Each arrival's rotation, as an index into `rotations`.
    turns: Vec<Option<usize>>,
    /// How many turns the batch takes of each rotation.
    rotations: Vec<u64>,
    /// Each arrival's client, as an index into the availability reads.
    clients: Vec<usize>,
}

impl BatchWork for Intake {
    type Item = Arrival;
    type Output = Routed;
    type Reads = Reads;

    fn reads(&self, backend: DbBackend, arrivals: &[Arrival]) -> (Reads, Vec<Statement>) {
        let routes: Vec<Option<(String, String)>> = arrivals
            .iter()
            .map(|a| {
                routing::rotation_route(&a.rules, a.at, MenuChoice::NotAsked)
                    .map(|route| (a.rules.client.to_string(), route.to_string()))
            })
            .collect();
        // In a fixed order, so concurrent batches (PostgreSQL) lock rotations alike and
        // cannot deadlock.
        let mut wanted: BTreeMap<(String, String), u64> = BTreeMap::new();
        for route in routes.iter().flatten() {
            *wanted.entry(route.clone()).or_default() += 1;
        }
        let index: HashMap<&(String, String), usize> = wanted.keys().enumerate().map(|(i, r)| (r, i)).collect();
        let turns = routes.iter().map(|r| r.as_ref().map(|r| index[r])).collect();
        let mut statements: Vec<Statement> = wanted
            .iter()
            .map(|((client, route), count)| store::rotation::advance_statement(backend, client, route, *count))
            .collect();
        let mut firsts: HashMap<&str, usize> = HashMap::new();
        let clients = arrivals
            .iter()
            .map(|a| {
                let client = a.rules.client.as_str();
                let read = firsts.len();
                *firsts.entry(client).or_insert_with(|| {
                    statements.push(store::calls::unavailability_query(backend, client, a.at));
                    read
                })
            })
            .collect();
        let rotations = wanted.into_values().collect();
        (
            Reads {
                turns,
                rotations,
                clients,
            },
            statements,
        )
    }

    fn decide(
        &self,
        backend: DbBackend,
        arrivals: &[Arrival],
        reads: Reads,
        rows: Vec<Vec<QueryResult>>,
    ) -> Result<(Vec<Routed>, Vec<Statement>), StoreError> {
        let (turn_rows, availability_rows) = rows.split_at(reads.rotations.len());
        // Turns are handed out in arrival order from each rotation's first.
        let mut next = reads
            .rotations
            .iter()
            .zip(turn_rows)
            .map(|(count, rows)| {
                let row = rows.first().ok_or(StoreError::NotFound)?;
                store::rotation::first_turn(row, *count)
            })
            .collect::<Result<Vec<u64>, StoreError>>()?;
        let unavailable_by_client = availability_rows
            .iter()
            .map(|rows| store::calls::unavailability_of(rows))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let mut routed = Vec::with_capacity(arrivals.len());
        for ((arrival, turn), client) in arrivals.iter().zip(reads.turns).zip(reads.clients) {
            let rotation = turn.map_or(0, |t| {
                next[t] += 1;
                next[t] - 1
            });
            let unavailable = unavailable(&unavailable_by_client[client], &arrival.facts.call_sid);
            let input = CallInput {
                called: &arrival.facts.to,
                menu: MenuChoice::NotAsked,
                unavailable: &unavailable,
                rotation,
            };
            let decision = routing::decide(&arrival.rules, arrival.at, &input);
            let pos = Position {
                client: arrival.rules.client.to_string(),
                version: arrival.version,
                at: arrival.at,
                menu: input.menu,
                rotation,
                away: decision.skipped().cloned().collect(),
                step: 0,
            };
            routed.push(Routed { decision, pos });
        }
        let writes = record(backend, arrivals, &routed, self.clock.now());
        Ok((routed, writes))
    }
}

/// The calls, with their traces, and the legs their first steps ring.
fn record(backend: DbBackend, arrivals: &[Arrival], routed: &[Routed], now: DateTime<Utc>) -> Vec<Statement> {
    let traces: Vec<Option<String>> = arrivals
        .iter()
        .zip(routed)
        .map(|(a, r)| serde_json::to_string(&r.decision.trace(&a.rules)).ok())
        .collect();
    // Sorted by SID, like the legs, so concurrent batches (PostgreSQL) holding a retried
    // webhook's call take their row locks in the same order and cannot deadlock.
    let mut calls: Vec<_> = arrivals
        .iter()
        .zip(routed)
        .zip(traces)
        .map(|((a, r), trace)| new_call(&a.facts, Some(&r.pos.client), Some(r.pos.version), trace))
        .collect();
    calls.sort_by(|a, b| a.call_sid.cmp(b.call_sid));
    let mut legs: Vec<_> = arrivals
        .iter()
        .zip(routed)
        .filter_map(|(a, r)| Some(legs_of(r.decision.steps.first()?, &r.pos, &a.facts.call_sid)))
        .flatten()
        .collect();
    legs.sort_by(|a, b| (a.call_sid, a.step, a.number).cmp(&(b.call_sid, b.step, b.number)));
    let calls_written = store::batch::rows_written(backend, 0, "calls");
    [
        store::calls::ensure_statement(backend, &calls, now),
        store::calls::start_legs_statement(backend, &legs, now, &calls_written),
    ]
    .into_iter()
    .flatten()
    .collect()
}
