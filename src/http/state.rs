//! The state every handler shares.

use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use secrecy::SecretString;
use url::Url;

use crate::accounts::secrets::SecretKey;
use crate::accounts::signing::{Gate, ServerAccount};
use crate::accounts::Accounts;
use crate::admin;
use crate::calls::Webhooks;
use crate::clock::Clock;
use crate::http::attempts::FailedAttempts;
use crate::http::forwarded::ProxyHeader;
use crate::messaging::inbound::Texts;
use crate::messaging::worker::Worker;
use crate::messaging::Outbound;
use crate::rules::registry::Registry;
use crate::rules::sync::Reloader;
use crate::store::sessions::Expiry;
use crate::store::Db;
use crate::twilio::webhooks::Links;

/// Cloned for every request (axum hands each handler and middleware its own), so it is
/// one reference count, not one per part.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }

    /// What the signature check reads, for the `Signed` extractor.
    pub fn gate(&self) -> Gate<'_> {
        Gate {
            accounts: &self.accounts,
            db: &self.db,
            registry: &self.registry,
            server: &self.server_account,
            secret_key: self.edge.secret_key.as_ref(),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

#[derive(Debug)]
pub struct Shared {
    pub db: Db,
    /// What the HTTP edge reads of the settings.
    pub edge: Edge,
    /// The server's own Twilio account, read from the settings once.
    pub server_account: ServerAccount,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
    pub links: Links,
    pub outbound: Arc<Outbound>,
    /// What Twilio's voice webhooks use.
    pub webhooks: Webhooks,
    /// What Twilio's SMS webhooks use.
    pub texts: Texts,
    /// What admins' actions use, from the API and the console.
    pub admin: admin::Service,
    /// The outbox worker's parts, for the task start-up spawns (and tests that drain it).
    pub worker: Worker,
    /// Clients' own Twilio accounts, decrypted, for checking webhook signatures.
    pub accounts: Arc<Accounts>,
    /// Wrong admin tokens per client address, for the brute-force limit.
    pub admin_attempts: Arc<FailedAttempts>,
    /// The rule folder's reload, which imports only what changed since the last.
    pub reloader: Arc<Reloader>,
}

/// The settings the HTTP edge reads, taken from them at start-up.
#[derive(Debug)]
pub struct Edge {
    /// The address Twilio signs and browsers post from, when set.
    pub public_url: Option<Url>,
    /// Proxies whose forwarding header names the client's address.
    pub trusted_proxies: Vec<IpNet>,
    pub proxy_header: ProxyHeader,
    /// How long a voice webhook may take before the caller gets the safe voicemail.
    pub answer_deadline: Duration,
    /// `/metrics` is served on an address of its own, not beside the webhooks.
    pub metrics_apart: bool,
    pub metrics_token: Option<SecretString>,
    /// How long a console session lives.
    pub sessions: Expiry,
    /// Decrypts clients' own Twilio tokens for the signature check.
    pub secret_key: Option<SecretKey>,
}
