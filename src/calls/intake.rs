//! The first webhook of every call, batched: calls arriving together are decided and
//! recorded in one transaction. A burst costs one commit, one read per client of who
//! is unavailable, and one step per round-robin rotation, instead of one of each per
//! call; each webhook still answers only after its call is committed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseTransaction;

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

impl BatchWork for Intake {
    type Item = Arrival;
    type Output = Routed;

    async fn run(&self, txn: &DatabaseTransaction, arrivals: &[Arrival]) -> Result<Vec<Routed>, StoreError> {
        let turns = take_turns(txn, arrivals).await?;
        let mut unavailable_by_client = HashMap::new();
        let mut routed = Vec::with_capacity(arrivals.len());
        for (arrival, rotation) in arrivals.iter().zip(turns) {
            let client = arrival.rules.client.as_str();
            if !unavailable_by_client.contains_key(client) {
                let now = store::calls::unavailability(txn, client, arrival.at).await?;
                unavailable_by_client.insert(client.to_owned(), now);
            }
            let unavailable = unavailable(&unavailable_by_client[client], &arrival.facts.call_sid);
            let pos = Position {
                client: client.to_owned(),
                version: arrival.version,
                at: arrival.at,
                menu: MenuChoice::NotAsked,
                rotation,
                step: 0,
            };
            let input = CallInput {
                called: &arrival.facts.to,
                menu: pos.menu,
                unavailable: &unavailable,
                rotation,
            };
            let decision = routing::decide(&arrival.rules, arrival.at, &input);
            routed.push(Routed { decision, pos });
        }
        record(txn, arrivals, &routed, self.clock.now()).await?;
        Ok(routed)
    }
}

/// Each arrival's round-robin turn (0 where its route has no rotation): one database
/// step per rotation for the whole batch, turns handed out in arrival order.
async fn take_turns(txn: &DatabaseTransaction, arrivals: &[Arrival]) -> Result<Vec<u64>, StoreError> {
    let routes: Vec<Option<(String, String)>> = arrivals
        .iter()
        .map(|a| {
            routing::rotation_route(&a.rules, a.at, MenuChoice::NotAsked)
                .map(|route| (a.rules.client.to_string(), route.to_string()))
        })
        .collect();
    // In a fixed order, so concurrent batches (PostgreSQL) lock rotations alike and
    // cannot deadlock.
    let mut wanted: BTreeMap<&(String, String), u64> = BTreeMap::new();
    for route in routes.iter().flatten() {
        *wanted.entry(route).or_default() += 1;
    }
    let mut next = HashMap::with_capacity(wanted.len());
    for (route, count) in wanted {
        next.insert(route, store::rotation::advance(txn, &route.0, &route.1, count).await?);
    }
    Ok(routes
        .iter()
        .map(|route| {
            route.as_ref().map_or(0, |r| {
                let turn = next.get_mut(r).expect("every route was advanced");
                *turn += 1;
                *turn - 1
            })
        })
        .collect())
}

/// The calls, with their traces, and the legs their first steps ring.
async fn record(
    txn: &DatabaseTransaction,
    arrivals: &[Arrival],
    routed: &[Routed],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
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
        .filter_map(|(a, r)| Some(legs_of(r.decision.next_after(None)?, &r.pos, &a.facts.call_sid)))
        .flatten()
        .collect();
    legs.sort_by(|a, b| (a.call_sid, a.step, a.number).cmp(&(b.call_sid, b.step, b.number)));
    store::calls::ensure(txn, &calls, now).await?;
    store::calls::start_legs(txn, &legs, now).await
}
