//! Texts, in and out: the outbox worker that delivers through Twilio (and e-mails through
//! SMTP), rate limits, SMS segments, alerts and texts received (keywords, opt-outs, replies); the templates
//! clients write their texts in are part of their rules (`routing::templates`). Twilio's
//! own API is in `twilio::rest`.

pub mod alerts;
/// E-mail alerts over SMTP.
pub mod email;
/// Texts received: keywords, opt-outs, replies.
pub mod inbound;
pub mod keywords;
pub mod price;
pub mod price_check;
pub mod rate;
pub mod segments;
/// The daily summary of calls to the assistants the rules name.
pub mod summary;
pub mod transcript;
pub mod worker;

use rate::RateLimits;

use crate::twilio::rest::{Account, TwilioClient};

/// How messages leave: through Twilio (with the environment's account or a client's own, see
/// `accounts::sender`), or, in local mode, to the log.
pub struct Outbound {
    /// Holds no credentials: each request takes the account it acts for.
    pub client: TwilioClient,
    /// `TWILIO_ACCOUNT_SID` and `TWILIO_AUTH_TOKEN`; `None` in local mode.
    pub default_account: Option<Account>,
    pub rates: RateLimits,
    /// E-mails go through it; `None` (no `SWITCHBOARD_SMTP_URL`): to the log.
    pub mailer: Option<email::Mailer>,
    /// Webhooks to clients' own systems (`crate::webhooks`).
    pub webhooks: crate::webhooks::Sender,
    /// `/twilio/sms/status` under the public URL; Twilio needs an absolute URL.
    pub status_callback: Option<String>,
    /// Wakes this process's worker when something was queued, so an alert does not
    /// wait for the next poll (other processes still find it by polling).
    pub wake: tokio::sync::Notify,
}

impl std::fmt::Debug for Outbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outbound")
            .field("client", &self.client)
            .field("default_account", &self.default_account)
            .field("mailer", &self.mailer)
            .field("webhooks", &self.webhooks)
            .field("status_callback", &self.status_callback)
            .finish_non_exhaustive()
    }
}
