//! Per-account send rate: waits until a Twilio account may make another request, so a burst of
//! alerts is paced by us instead of being refused with 429 / 20429 (docs/twilio.md, rate limits).
//!
//! Owns one GCRA budget per account SID (governor's keyed limiter): accounts never share a budget,
//! and a burst of `per_second` goes through at once before the pace sets in. It must not decide
//! what to send or retry; the outbox asks before each request.
//!
//! Budgets live in memory, one small entry per account ever seen. Accounts are configured
//! businesses, a handful per server, so the map is never pruned; a restart forgets it.

use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota};

/// Shared by every sender in the process; cloning shares the budgets.
#[derive(Clone)]
pub struct RateLimits {
    /// `None` when unlimited, so the common local set-up skips the map entirely.
    limiter: Option<Arc<DefaultKeyedRateLimiter<String>>>,
}

impl RateLimits {
    /// `per_second` requests per second for each account, in bursts of up to `per_second`;
    /// `None` means no limit.
    pub fn new(per_second: Option<NonZeroU32>) -> Self {
        let limiter = per_second.map(|n| Arc::new(DefaultKeyedRateLimiter::keyed(Quota::per_second(n))));
        Self { limiter }
    }

    /// Resolves as soon as `account_sid` may make one more request, and counts that request.
    pub async fn until_ready(&self, account_sid: &str) {
        if let Some(limiter) = &self.limiter {
            limiter.until_key_ready(&account_sid.to_owned()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::Instant;

    const ACME: &str = "AC00000000000000000000000000000001";
    const HARBOR: &str = "AC00000000000000000000000000000002";

    /// How long `until_ready` took, in real time: governor keeps its own clock.
    async fn wait(limits: &RateLimits, account: &str) -> Duration {
        let start = Instant::now();
        limits.until_ready(account).await;
        start.elapsed()
    }

    fn three_per_second() -> RateLimits {
        RateLimits::new(NonZeroU32::new(3))
    }

    #[tokio::test]
    async fn three_per_second_lets_a_burst_of_three_through_and_delays_the_fourth() {
        let limits = three_per_second();
        for n in 1..=3 {
            assert!(wait(&limits, ACME).await < Duration::from_millis(100), "request {n}");
        }
        // One request's worth of budget comes back every 1/3 s.
        let fourth = wait(&limits, ACME).await;
        assert!(fourth >= Duration::from_millis(250), "{fourth:?}");
        assert!(fourth < Duration::from_secs(1), "{fourth:?}");
    }

    #[tokio::test]
    async fn two_accounts_do_not_share_a_budget() {
        let limits = three_per_second();
        for _ in 0..3 {
            limits.until_ready(ACME).await;
        }
        for n in 1..=3 {
            assert!(wait(&limits, HARBOR).await < Duration::from_millis(100), "request {n}");
        }
    }

    #[tokio::test]
    async fn clones_share_the_budget_of_each_account() {
        let limits = three_per_second();
        let other = limits.clone();
        for _ in 0..3 {
            limits.until_ready(ACME).await;
        }
        assert!(wait(&other, ACME).await >= Duration::from_millis(250));
    }

    #[tokio::test]
    async fn no_limit_never_waits() {
        let limits = RateLimits::new(None);
        let start = Instant::now();
        for _ in 0..10_000 {
            limits.until_ready(ACME).await;
        }
        assert!(start.elapsed() < Duration::from_millis(500));
    }
}
