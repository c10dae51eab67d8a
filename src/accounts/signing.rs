//! Which auth token may sign a webhook, and for which client.
//!
//! Twilio signs with the token of the account that owns the number, and names that account in
//! `AccountSid`. The environment's account and the local token work as before
//! (`Settings::auth_token_for`). A client's own token is checked only for that client's
//! webhooks, since the client knows it and could otherwise speak for another client's numbers;
//! and the well-known local token never speaks for a client that has an account of its own.
//! This module decides; `http::twilio` computes the signature.
//!
//! Which client a webhook is for is read from what the handlers act on: the `client` of a
//! callback URL, else the number called. A callback that names one client and concerns a call
//! of another (by `CallSid`) is not caught here; the handlers look calls up by their SID.

use std::collections::BTreeMap;

use secrecy::ExposeSecret;

use crate::calls::render::{PATH_SCREEN, PATH_STATUS};
use crate::state::AppState;
use crate::store::StoreError;

/// What a webhook says about where it comes from and whom it is for.
#[derive(Debug)]
pub struct Webhook<'a> {
    /// The form's `AccountSid`.
    pub account_sid: Option<&'a str>,
    /// The clients it is for: the `client` of its URL (every callback URL we hand out has one),
    /// and the owner of the number called (`To`, `Called`), except on a dialled leg, where that
    /// is whoever we rang.
    named: Vec<String>,
    /// The owner of `From`: the sender of a message we sent, or a client calling another.
    from: Option<String>,
}

impl<'a> Webhook<'a> {
    pub fn new(
        state: &AppState,
        path: &str,
        params: &'a [(impl AsRef<str>, impl AsRef<str>)],
        query: &BTreeMap<String, String>,
    ) -> Self {
        let param = |name: &str| params.iter().find(|(k, _)| k.as_ref() == name).map(|(_, v)| v.as_ref());
        let owner = |number: &str| state.registry.by_number(number).map(|l| l.rules.client.to_string());
        let leg = [PATH_STATUS, PATH_SCREEN].contains(&path) && query.contains_key("number");
        let called = (!leg).then(|| ["To", "Called"].into_iter().filter_map(&param).filter_map(owner));
        let named: Vec<String> = query
            .get("client")
            .cloned()
            .into_iter()
            .chain(called.into_iter().flatten())
            .collect();
        Self {
            account_sid: param("AccountSid"),
            named,
            from: param("From").and_then(owner),
        }
    }

    /// Whether `client`'s own token may sign it: it names no other client, and names `client`
    /// (or comes from one of its numbers).
    fn is_for(&self, client: &str) -> bool {
        self.named.iter().all(|c| c == client)
            && (self.named.iter().any(|c| c == client) || self.from.as_deref() == Some(client))
    }

    fn clients(&self) -> impl Iterator<Item = &String> {
        self.named.iter().chain(&self.from)
    }
}

/// Whether `is_valid(token)` holds for a token allowed to sign this webhook. When it does not,
/// and the webhook names an account other than the environment's, that account is read again
/// from the database first: another process may have stored or changed it.
///
/// # Errors
/// On database failure (only on that second look).
pub async fn verify(
    state: &AppState,
    webhook: &Webhook<'_>,
    is_valid: impl Fn(&str) -> bool,
) -> Result<bool, StoreError> {
    if verify_known(state, webhook, &is_valid) {
        return Ok(true);
    }
    let Some(sid) = webhook.account_sid.filter(|sid| !is_environment(state, sid)) else {
        return Ok(false);
    };
    let key = state.settings.secret_key.as_ref();
    state.accounts.refresh_sid(&state.db, key, sid).await?;
    Ok(verify_known(state, webhook, &is_valid))
}

fn verify_known(state: &AppState, webhook: &Webhook<'_>, is_valid: &impl Fn(&str) -> bool) -> bool {
    let signers = match webhook.account_sid {
        Some(sid) if !is_environment(state, sid) => state.accounts.signers(sid),
        _ => Vec::new(),
    };
    if !signers.is_empty() {
        return (signers.iter()).any(|(client, token)| {
            webhook.is_for(client) && token.as_ref().is_some_and(|t| is_valid(t.expose_secret()))
        });
    }
    let Some(token) = state.settings.auth_token_for(webhook.account_sid) else {
        return false;
    };
    let local = state.settings.local_mode();
    if local && webhook.clients().any(|c| state.accounts.has_own(c)) {
        return false;
    }
    is_valid(token)
}

/// The environment's own account: its token is checked as before, whatever clients store.
fn is_environment(state: &AppState, sid: &str) -> bool {
    state.settings.twilio_auth_token.is_some() && state.settings.twilio_account_sid.as_deref() == Some(sid)
}
