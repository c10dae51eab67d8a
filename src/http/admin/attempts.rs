//! Failed admin-token attempts per client address: after [`LIMIT`] failures within [`WINDOW`],
//! that address is refused (429 with `Retry-After`) until the oldest failure ages out, even
//! with a correct token, so guessing tokens costs an attacker time. Other addresses are not
//! affected and successful requests are not counted. Times come from the app's clock.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, TimeDelta, Utc};

pub const LIMIT: usize = 10;
pub const WINDOW: TimeDelta = TimeDelta::minutes(5);
/// Past this many addresses, those without a recent failure are forgotten, so a flood of
/// spoofed-looking addresses cannot grow the map without bound.
const TRACKED: usize = 10_000;

#[derive(Debug, Default)]
pub struct FailedAttempts {
    by_address: Mutex<HashMap<IpAddr, VecDeque<DateTime<Utc>>>>,
}

impl FailedAttempts {
    /// Seconds until `address` may try again, or `None` when it may try now.
    pub fn blocked_for(&self, address: IpAddr, now: DateTime<Utc>) -> Option<u64> {
        let mut map = self
            .by_address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let failures = map.get_mut(&address)?;
        forget_old(failures, now);
        if failures.len() < LIMIT {
            return None;
        }
        let oldest = *failures.front()?;
        let wait = (oldest + WINDOW - now).num_seconds().max(1);
        Some(u64::try_from(wait).unwrap_or(1))
    }

    pub fn failed(&self, address: IpAddr, now: DateTime<Utc>) {
        let mut map = self
            .by_address
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if map.len() >= TRACKED {
            map.retain(|_, failures| {
                forget_old(failures, now);
                !failures.is_empty()
            });
        }
        let failures = map.entry(address).or_default();
        forget_old(failures, now);
        failures.push_back(now);
        // Only the last LIMIT failures decide when the address may try again.
        while failures.len() > LIMIT {
            failures.pop_front();
        }
    }
}

fn forget_old(failures: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
    while failures.front().is_some_and(|&t| t + WINDOW <= now) {
        failures.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn the_limit_th_failure_blocks_until_the_oldest_ages_out_and_only_that_address() {
        let attempts = FailedAttempts::default();
        let (attacker, other): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        for i in 0..LIMIT {
            assert_eq!(attempts.blocked_for(attacker, at(i as i64)), None);
            attempts.failed(attacker, at(i as i64));
        }
        assert_eq!(attempts.blocked_for(attacker, at(10)), Some(290));
        assert_eq!(attempts.blocked_for(other, at(10)), None);
        assert_eq!(
            attempts.blocked_for(attacker, at(300)),
            None,
            "the first failure aged out"
        );
    }
}
