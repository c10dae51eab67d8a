//! Who may sign a webhook, and what it may then touch: the one rule of every Twilio-facing
//! path (the `Signed` extractor of `http::twilio` asks [`authorize`] before any handler runs,
//! so a refused webhook writes nothing and sends nothing).
//!
//! - **The server's own account** (the environment's) speaks for every client: Twilio signs
//!   with it for every number the server serves. Nothing more is checked, so an incoming call
//!   costs no database read for this.
//! - **A client's own account** speaks for that client only: the client knows its token and
//!   can sign any request with it, URL included. Its webhook is accepted only when everything
//!   it touches is that client's: the `client` of its URL, every client's number it names
//!   (`To`, `Called`, `From`, `Caller`), and the call, parent call, recording or message it
//!   refers to by SID, whose client is read from the store, never from the request. On a
//!   dialled leg (a status or screening callback with a `ParentCallSid`) the number called is
//!   whoever we rang, which may be anyone's; the parent call stands for the client there, and
//!   `calls::status` never takes such a callback for a call of the number's owner.
//! - **The well-known local token** (local mode) speaks for every client without an account
//!   of its own, and for none that has one.
//!
//! The number that says whose a webhook is comes first: the number called (`To`, `Called`).
//! `From` (`Caller`) counts only when no number called is a client's, as on a message or call
//! we placed from a client's number; that is also the order in which the handlers pick the
//! client. So a call from one client's number to another client, signed with the called
//! client's own account, reaches the called client like any other caller.
//!
//! Which account signed is told by `AccountSid`; `http::twilio` computes the signatures.

use std::collections::BTreeMap;

use secrecy::{ExposeSecret, SecretString};

use super::secrets::SecretKey;
use super::Accounts;
use crate::rules::registry::Registry;
use crate::store::owners::{self, Sids};
use crate::store::{Db, StoreError};
use crate::twilio::webhooks::{PATH_FALLBACK, PATH_SCREEN, PATH_STATUS, PATH_STATUS_ALIAS};

/// The auth token used in local mode (no Twilio credentials): the server checks
/// signatures against it and `switchboard call` signs with it, so local requests take
/// exactly the path real ones do.
pub const LOCAL_AUTH_TOKEN: &str = "switchboard-local-mode-auth-token";
pub const LOCAL_ACCOUNT_SID: &str = "AC00000000000000000000000000000000";

/// The server's own Twilio account, from the environment: it signs the webhooks of every
/// client without an account of its own.
#[derive(Debug, Clone)]
pub struct ServerAccount {
    pub account_sid: Option<String>,
    pub auth_token: Option<SecretString>,
}

impl ServerAccount {
    /// No Twilio credentials: accept requests signed with the local token and send SMS
    /// to the log instead of Twilio.
    pub fn local_mode(&self) -> bool {
        self.auth_token.is_none()
    }

    /// The auth token that signs webhooks for `account_sid`: the configured account's,
    /// or the local token in local mode. Never both: nothing signed with the well-known
    /// local token is accepted while a real token is set.
    pub fn auth_token_for(&self, account_sid: Option<&str>) -> Option<&str> {
        let Some(token) = &self.auth_token else {
            return Some(LOCAL_AUTH_TOKEN);
        };
        match (&self.account_sid, account_sid) {
            (Some(ours), Some(theirs)) if ours != theirs => None,
            _ => Some(token.expose_secret()),
        }
    }

    /// Whether `sid` is this account: its token is checked as before, whatever clients store.
    fn is(&self, sid: &str) -> bool {
        self.auth_token.is_some() && self.account_sid.as_deref() == Some(sid)
    }
}

/// What deciding who may sign a webhook reads: the accounts in memory, whose number is whose
/// (the rules), the server's own account, and the database for what memory does not hold.
#[derive(Debug, Clone, Copy)]
pub struct Gate<'a> {
    pub accounts: &'a Accounts,
    pub db: &'a Db,
    pub registry: &'a Registry,
    pub server: &'a ServerAccount,
    /// Opens the accounts the database holds.
    pub secret_key: Option<&'a SecretKey>,
}

/// What a webhook says about where it comes from and what it touches, as read from its
/// request.
#[derive(Debug)]
pub struct Webhook<'a> {
    /// The form's `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// The `client` of its URL (every callback URL we hand out has one).
    client: Option<&'a str>,
    /// The numbers called (`To`, `Called`), but for a dialled leg.
    called: Vec<&'a str>,
    /// Who calls or sends (`From`, `Caller`): whose it is when no number called is a client's.
    from: Vec<&'a str>,
    /// What it refers to by SID.
    sids: Sids<'a>,
}

impl<'a> Webhook<'a> {
    pub fn new(
        path: &str,
        params: &'a [(impl AsRef<str>, impl AsRef<str>)],
        query: &'a BTreeMap<String, String>,
    ) -> Self {
        let param = |name: &str| {
            (params.iter())
                .find(|(k, _)| k.as_ref() == name)
                .map(|(_, v)| v.as_ref())
                .filter(|v| !v.is_empty())
        };
        let dialled_leg =
            [PATH_STATUS, PATH_STATUS_ALIAS, PATH_SCREEN].contains(&path) && param("ParentCallSid").is_some();
        let called: &[&str] = if dialled_leg { &[] } else { &["To", "Called"] };
        // The fallback answers from memory only, and must, with the database down: it reads and
        // writes nothing a SID could name.
        let sids = if path == PATH_FALLBACK {
            Sids::default()
        } else {
            Sids {
                calls: ["CallSid", "ParentCallSid"].into_iter().filter_map(param).collect(),
                recordings: param("RecordingSid").into_iter().collect(),
                messages: param("MessageSid").into_iter().collect(),
            }
        };
        Self {
            account_sid: param("AccountSid"),
            client: query.get("client").map(String::as_str),
            called: called.iter().filter_map(|name| param(name)).collect(),
            from: ["From", "Caller"].into_iter().filter_map(param).collect(),
            sids,
        }
    }
}

/// Why a webhook is not let in.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// No account that may sign it did, or the one that did may not touch what it touches.
    #[error("not signed by an account that may speak for everything it touches")]
    Forbidden,
    /// Whose the calls or messages it refers to are could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Which accounts signed a webhook.
enum Signer {
    Server,
    Local,
    /// The clients whose own token signed it (several when they share an account).
    Clients(Vec<String>),
}

impl Signer {
    /// Whether it speaks for all these clients.
    fn may_touch(&self, gate: &Gate<'_>, clients: &[String]) -> bool {
        match self {
            Self::Server => true,
            Self::Local => clients.iter().all(|c| !gate.accounts.has_own(c)),
            Self::Clients(signers) => signers.iter().any(|s| clients.iter().all(|c| c == s)),
        }
    }
}

/// Lets a webhook in when `is_valid(token)` holds for a token that may speak for everything it
/// touches (see the module's documentation).
///
/// # Errors
/// [`Refused::Forbidden`] otherwise; [`Refused::Store`] when the owners of what it refers to
/// cannot be read.
pub async fn authorize(gate: &Gate<'_>, webhook: &Webhook<'_>, is_valid: impl Fn(&str) -> bool) -> Result<(), Refused> {
    let signer = signer(gate, webhook, &is_valid).await.ok_or(Refused::Forbidden)?;
    // The common case, and the hot path's: nothing to look up.
    if matches!(signer, Signer::Server) {
        return Ok(());
    }
    let owner = |n: &&str| gate.registry.by_number(n).map(|l| l.rules.client.to_string());
    let mut owners: Vec<String> = webhook.called.iter().filter_map(owner).collect();
    if owners.is_empty() {
        owners = webhook.from.iter().filter_map(owner).collect();
    }
    let mut touched: Vec<String> = webhook.client.map(str::to_owned).into_iter().chain(owners).collect();
    if !signer.may_touch(gate, &touched) {
        return Err(Refused::Forbidden);
    }
    // Without accounts of clients' own, the local token speaks for everything stored.
    if webhook.sids.is_empty() || (matches!(signer, Signer::Local) && gate.accounts.is_empty()) {
        return Ok(());
    }
    touched.extend(owners::clients_of(gate.db, &webhook.sids).await?);
    if signer.may_touch(gate, &touched) {
        Ok(())
    } else {
        Err(Refused::Forbidden)
    }
}

/// The accounts whose token signed it. When none did and it names an account other than the
/// environment's, that account is read again from the database first: another process may have
/// stored or changed it. Without the database it stays unsigned.
async fn signer(gate: &Gate<'_>, webhook: &Webhook<'_>, is_valid: &impl Fn(&str) -> bool) -> Option<Signer> {
    if let Some(signer) = signer_known(gate, webhook, is_valid) {
        return Some(signer);
    }
    let sid = webhook.account_sid.filter(|sid| !gate.server.is(sid))?;
    if let Err(e) = gate.accounts.refresh_sid(gate.db, gate.secret_key, sid).await {
        tracing::warn!(error = %e, "webhook signature: the database could not be read");
        return None;
    }
    signer_known(gate, webhook, is_valid)
}

fn signer_known(gate: &Gate<'_>, webhook: &Webhook<'_>, is_valid: &impl Fn(&str) -> bool) -> Option<Signer> {
    let signers = match webhook.account_sid {
        Some(sid) if !gate.server.is(sid) => gate.accounts.signers(sid),
        _ => Vec::new(),
    };
    if !signers.is_empty() {
        let valid: Vec<String> = (signers.into_iter())
            .filter(|(_, token)| token.as_ref().is_some_and(|t| is_valid(t.expose_secret())))
            .map(|(client, _)| client)
            .collect();
        return (!valid.is_empty()).then_some(Signer::Clients(valid));
    }
    let token = gate.server.auth_token_for(webhook.account_sid)?;
    if !is_valid(token) {
        return None;
    }
    Some(if gate.server.local_mode() {
        Signer::Local
    } else {
        Signer::Server
    })
}
