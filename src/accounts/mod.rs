//! Clients' own Twilio accounts: which account sends a client's messages, and which token
//! checks the webhooks to its numbers ([`signing`]). What admins do with them is in
//! `admin::accounts`, `admin::numbers` and `admin::recordings`.
//!
//! The database is the source of truth and holds the tokens only encrypted ([`secrets`]). Each
//! process keeps them decrypted in memory, as [`Accounts`], so that a webhook costs no database
//! read; the outbox reads the database for every message, so a change made through another
//! process is used from the next message on. Tokens stay `SecretString`s: never logged, never
//! in `Debug` output.

/// AES-256-GCM for the secrets kept in the database.
pub mod secrets;
pub mod signing;

use std::collections::HashMap;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use sea_orm::ConnectionTrait;
use secrecy::SecretString;

use crate::accounts::secrets::SecretKey;
use crate::store::accounts::{self, AccountRow};
use crate::store::{Db, StoreError};
use crate::twilio::rest::Account;

/// Every client account this process knows, by client id.
#[derive(Debug, Default)]
pub struct Accounts {
    by_client: RwLock<HashMap<String, Known>>,
}

/// One client's account as loaded here. `token` is `None` when it is stored but cannot be
/// decrypted with this process's key (no key, or another one): such a client's webhooks and
/// messages fail instead of falling back to another account.
#[derive(Debug, Clone)]
struct Known {
    sid: String,
    token: Option<SecretString>,
}

impl Accounts {
    /// Reads every stored account; returns the clients whose token cannot be decrypted.
    ///
    /// # Errors
    /// On database failure.
    pub async fn load(&self, db: &Db, key: Option<&SecretKey>) -> Result<Vec<String>, StoreError> {
        let rows = accounts::all(db).await?;
        let unreadable = (rows.iter())
            .filter(|r| decrypt(key, r).is_err())
            .map(|r| r.client_id.clone())
            .collect();
        *self.write() = rows.iter().map(|r| (r.client_id.clone(), known(key, r))).collect();
        Ok(unreadable)
    }

    /// Re-reads the accounts with this SID: another process may have stored or changed one.
    ///
    /// # Errors
    /// On database failure.
    pub async fn refresh_sid(&self, db: &Db, key: Option<&SecretKey>, sid: &str) -> Result<(), StoreError> {
        let rows = accounts::with_sid(db, sid).await?;
        let mut map = self.write();
        map.retain(|_, k| k.sid != sid);
        map.extend(rows.iter().map(|r| (r.client_id.clone(), known(key, r))));
        Ok(())
    }

    pub fn set(&self, client: &str, account: &Account) {
        let known = Known {
            sid: account.sid.clone(),
            token: Some(account.token.clone()),
        };
        self.write().insert(client.to_owned(), known);
    }

    pub fn forget(&self, client: &str) {
        self.write().remove(client);
    }

    /// Whether `client` has an account of its own.
    pub fn has_own(&self, client: &str) -> bool {
        self.read().contains_key(client)
    }

    /// Whether no client has an account of its own.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// The clients whose account has this SID, each with its token when readable here.
    fn signers(&self, sid: &str) -> Vec<(String, Option<SecretString>)> {
        (self.read().iter())
            .filter(|(_, k)| k.sid == sid)
            .map(|(client, k)| (client.clone(), k.token.clone()))
            .collect()
    }

    // A poisoned lock only means another thread panicked mid-update of a plain map; the data is
    // still usable, and webhooks must keep being answered.
    fn read(&self) -> RwLockReadGuard<'_, HashMap<String, Known>> {
        self.by_client.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, HashMap<String, Known>> {
        self.by_client
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn known(key: Option<&SecretKey>, row: &AccountRow) -> Known {
    Known {
        sid: row.account_sid.clone(),
        token: decrypt(key, row).ok().map(|a| a.token),
    }
}

/// Why a stored account cannot be used by this process.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unusable {
    #[error("client {0} has its own Twilio account, but SWITCHBOARD_SECRET_KEY is not set")]
    NoKey(String),
    #[error("client {0}'s Twilio credentials: {1}")]
    Unreadable(String, crate::accounts::secrets::OpenError),
}

/// The stored account, decrypted.
///
/// # Errors
/// [`Unusable`] without a key, or when the stored token does not open with it.
pub fn decrypt(key: Option<&SecretKey>, row: &AccountRow) -> Result<Account, Unusable> {
    let key = key.ok_or_else(|| Unusable::NoKey(row.client_id.clone()))?;
    let token =
        (key.open(&row.client_id, &row.token_encrypted)).map_err(|e| Unusable::Unreadable(row.client_id.clone(), e))?;
    Ok(Account {
        sid: row.account_sid.clone(),
        token,
    })
}

/// How one client's messages leave.
#[derive(Debug)]
pub enum Sender {
    /// Through Twilio with this account: the client's own, else the environment's.
    Twilio(Account),
    /// Local mode and no account of its own: to the log.
    Log,
    /// The client has an account that cannot be used here; nothing else may send for it.
    Unusable(Unusable),
}

/// Picks the account for `client`'s next message, reading the database (the source of
/// truth): its own, else `default` (the environment's).
///
/// # Errors
/// On database failure.
pub async fn sender(
    db: &impl ConnectionTrait,
    key: Option<&SecretKey>,
    default: Option<&Account>,
    client: &str,
) -> Result<Sender, StoreError> {
    if let Some(row) = accounts::find(db, client).await? {
        return Ok(match decrypt(key, &row) {
            Ok(account) => Sender::Twilio(account),
            Err(e) => Sender::Unusable(e),
        });
    }
    Ok(default.map_or(Sender::Log, |account| Sender::Twilio(account.clone())))
}

/// `••••••••cdef`: enough to tell two tokens apart, never enough to use one. A short token
/// shows nothing of itself.
pub fn mask(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let tail: String = match chars.len() {
        n if n >= 16 => chars[n - 4..].iter().collect(),
        _ => String::new(),
    };
    format!("••••••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "f3a9c1d2e4b5a6978877665544332211";

    #[test]
    fn a_mask_keeps_only_the_last_four_characters() {
        assert_eq!(mask(TOKEN), "••••••••2211");
        assert_eq!(mask("short"), "••••••••");
    }

    #[test]
    fn the_accounts_in_memory_never_show_a_token() {
        let accounts = Accounts::default();
        let account = Account {
            sid: "AC22222222222222222222222222222222".into(),
            token: SecretString::from(TOKEN),
        };
        accounts.set("acme-dental", &account);
        let shown = format!("{accounts:?} {account:?} {:?}", accounts.signers(&account.sid));
        assert!(shown.contains("AC22222222222222222222222222222222"), "{shown}");
        assert!(!shown.contains(TOKEN) && !shown.contains("2211"), "{shown}");
        let unusable = Unusable::Unreadable("acme-dental".into(), crate::accounts::secrets::OpenError);
        assert!(!format!("{unusable} {:?}", Sender::Unusable(unusable.clone())).contains(TOKEN));
    }
}
