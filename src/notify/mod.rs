//! Outbound messages: the outbox worker, Twilio's REST API, rate limits, retry policy,
//! SMS segments, alert texts and opt-out keywords.

pub mod alerts;
pub mod keywords;
pub mod rate;
pub mod retry;
pub mod segments;
pub mod twilio;
pub mod worker;

use rate::RateLimits;
use twilio::{Account, TwilioClient};

/// How messages leave: through Twilio, or (local mode) to the log.
pub struct Outbound {
    pub twilio: Option<Twilio>,
    pub rates: RateLimits,
    /// `/twilio/sms/status` under the public URL; Twilio needs an absolute URL.
    pub status_callback: Option<String>,
    /// Wakes this process's worker when something was queued, so an alert does not
    /// wait for the next poll (other processes still find it by polling).
    pub wake: tokio::sync::Notify,
}

#[derive(Debug)]
pub struct Twilio {
    pub client: TwilioClient,
    pub account: Account,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("twilio", &self.twilio)
            .field("status_callback", &self.status_callback)
            .finish_non_exhaustive()
    }
}
