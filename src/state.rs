//! The state every handler shares.

use std::sync::Arc;

use crate::accounts::Accounts;
use crate::calls::render::Links;
use crate::calls::Intake;
use crate::clock::Clock;
use crate::config::Settings;
use crate::http::attempts::FailedAttempts;
use crate::notify::Outbound;
use crate::registry::Registry;
use crate::store::batch::Batcher;
use crate::store::Db;

/// Cloned for every request (axum hands each handler and middleware its own), so it is
/// one reference count, not one per part.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
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
    pub settings: Arc<Settings>,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
    pub links: Links,
    pub outbound: Arc<Outbound>,
    /// Group commit for the first webhook of every call.
    pub intake: Batcher<Intake>,
    /// Clients' own Twilio accounts, decrypted, for checking webhook signatures.
    pub accounts: Arc<Accounts>,
    /// Wrong admin tokens per client address, for the brute-force limit.
    pub admin_attempts: Arc<FailedAttempts>,
}
