//! What admins do with a client's own Twilio account: store it once Twilio has accepted it,
//! see it masked, remove it, and check every account against Twilio. Tenancy is
//! `admin::client`'s; every change is audited, never with the token.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use tokio::task::JoinSet;

use crate::accounts::{decrypt, mask, sender, Sender};
use crate::admin::{self, Actor, AdminError, Service};
use crate::messaging::Outbound;
use crate::store::accounts::{self, AccountRow, Saved};
use crate::twilio::rest::{Account, SendError};

/// A stored account as admins see it: never the token.
#[derive(Debug, Clone)]
pub struct AccountView {
    pub account_sid: String,
    /// `••••••••cdef`; only the bullets when the token cannot be decrypted here.
    pub masked_token: String,
    pub token_readable: bool,
    pub validated_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One account and whether Twilio accepts its credentials now.
#[derive(Debug, Clone)]
pub struct Check {
    /// `None` for the environment's account.
    pub client: Option<String>,
    pub account_sid: String,
    pub ok: bool,
    /// Twilio's status of the account (`active`, `suspended`, `closed`) when it answered.
    pub status: Option<String>,
    pub error_code: Option<i64>,
    pub error: Option<String>,
}

fn view(service: &Service, row: &AccountRow) -> AccountView {
    let account = decrypt(service.secret_key.as_ref(), row).ok();
    AccountView {
        account_sid: row.account_sid.clone(),
        masked_token: mask(account.as_ref().map_or("", |a| a.token.expose_secret())),
        token_readable: account.is_some(),
        validated_at: row.validated_at,
        updated_at: row.updated_at,
    }
}

/// The account an admin action for `client` (or, with `None`, for no client) goes through: the
/// client's own, else the server's.
///
/// # Errors
/// `NoTwilio` in local mode for a client without an account of its own, or when its account
/// cannot be used here; `Store` on database failure.
pub async fn for_admin(service: &Service, client: Option<&str>) -> Result<Account, AdminError> {
    let sender = match client {
        Some(client) => {
            sender(
                &service.db,
                service.secret_key.as_ref(),
                service.outbound.default_account.as_ref(),
                client,
            )
            .await?
        }
        None => (service.outbound.default_account.clone()).map_or(Sender::Log, Sender::Twilio),
    };
    match sender {
        Sender::Twilio(account) => Ok(account),
        Sender::Log => Err(AdminError::NoTwilio(format!(
            "{} no Twilio account: the server runs in local mode (no TWILIO_AUTH_TOKEN)",
            client.map_or("this server has".to_owned(), |c| format!("client {c} has")),
        ))),
        Sender::Unusable(e) => Err(AdminError::NoTwilio(e.to_string())),
    }
}

/// The client's account, masked.
///
/// # Errors
/// `NotFound` for another client's, or when it has none.
pub async fn show(service: &Service, actor: &Actor, id: &str) -> Result<AccountView, AdminError> {
    admin::client(&service.registry, actor, id)?;
    let row = accounts::find(&service.db, id).await?.ok_or(AdminError::NotFound)?;
    Ok(view(service, &row))
}

/// Stores the client's account once Twilio accepts the credentials, encrypted; from then on it
/// sends the client's messages and checks the webhooks to its numbers.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a malformed SID or token; `NoSecretKey`;
/// `CredentialsRefused` when Twilio refuses them or the account is not active;
/// `TwilioUnavailable` when Twilio cannot tell.
pub async fn set(
    service: &Service,
    actor: &Actor,
    id: &str,
    account_sid: &str,
    token: SecretString,
) -> Result<AccountView, AdminError> {
    admin::client(&service.registry, actor, id)?;
    check_sid(account_sid)?;
    check_token(token.expose_secret())?;
    let key = service.secret_key.as_ref().ok_or(AdminError::NoSecretKey)?;
    let account = Account {
        sid: account_sid.to_owned(),
        token,
    };
    let found = service
        .outbound
        .client
        .fetch_account(&account)
        .await
        .map_err(|e| match e {
            SendError::Rejected { .. } => {
                AdminError::CredentialsRefused(format!("Twilio refused these credentials: {e}"))
            }
            _ => AdminError::TwilioUnavailable(format!("the credentials could not be checked: {e}")),
        })?;
    if found.status != "active" {
        let why = format!("Twilio says account {account_sid} is {}", found.status);
        return Err(AdminError::CredentialsRefused(why));
    }
    let now = service.clock.now();
    let sealed = key.seal(id, account.token.expose_secret());
    let saved = Saved {
        client: id,
        account_sid,
        token_encrypted: &sealed,
        validated_at: now,
    };
    accounts::save(&service.db, &saved, now).await?;
    service.accounts.set(id, &account);
    let detail = format!("account {account_sid}, accepted by Twilio");
    admin::audit(&service.db, actor, id, "twilio_account.set", detail, now).await?;
    let row = accounts::find(&service.db, id).await?.ok_or(AdminError::NotFound)?;
    Ok(view(service, &row))
}

/// Removes the client's account: its messages go through the environment's account again.
///
/// # Errors
/// `NotFound` for another client's, or when it has none.
pub async fn remove(service: &Service, actor: &Actor, id: &str) -> Result<(), AdminError> {
    admin::client(&service.registry, actor, id)?;
    let row = accounts::find(&service.db, id).await?.ok_or(AdminError::NotFound)?;
    accounts::remove(&service.db, id).await?;
    service.accounts.forget(id);
    let detail = format!("account {} removed", row.account_sid);
    admin::audit(
        &service.db,
        actor,
        id,
        "twilio_account.remove",
        detail,
        service.clock.now(),
    )
    .await?;
    Ok(())
}

/// Every account the actor may see (the environment's only for a global token), each checked
/// against Twilio now, all at once.
///
/// # Errors
/// On database failure.
pub async fn status(service: &Service, actor: &Actor) -> Result<Vec<Check>, AdminError> {
    let mut checks = JoinSet::new();
    if actor.client.is_none() {
        if let Some(account) = &service.outbound.default_account {
            checks.spawn(check(Arc::clone(&service.outbound), None, Ok(account.clone())));
        }
    }
    let rows = match &actor.client {
        Some(mine) => accounts::find(&service.db, mine).await?.into_iter().collect(),
        None => accounts::all(&service.db).await?,
    };
    for row in rows {
        let account = decrypt(service.secret_key.as_ref(), &row).map_err(|e| (row.account_sid.clone(), e));
        checks.spawn(check(Arc::clone(&service.outbound), Some(row.client_id), account));
    }
    let mut done: Vec<Check> = checks.join_all().await;
    done.sort_by(|a, b| a.client.cmp(&b.client));
    Ok(done)
}

async fn check(
    outbound: Arc<Outbound>,
    client: Option<String>,
    account: Result<Account, (String, crate::accounts::Unusable)>,
) -> Check {
    let account = match account {
        Ok(account) => account,
        Err((account_sid, e)) => {
            return Check {
                client,
                account_sid,
                ok: false,
                status: None,
                error_code: None,
                error: Some(e.to_string()),
            }
        }
    };
    let answer = outbound.client.fetch_account(&account).await;
    Check {
        client,
        ok: answer.as_ref().is_ok_and(|a| a.status == "active"),
        status: answer.as_ref().ok().map(|a| a.status.clone()),
        error_code: answer.as_ref().err().and_then(SendError::code),
        error: answer.err().map(|e| e.to_string()),
        account_sid: account.sid,
    }
}

/// `AC` and 32 hex digits, as Twilio writes them; anything else never reaches Twilio.
fn check_sid(sid: &str) -> Result<(), AdminError> {
    let ok = sid.len() == 34 && sid.starts_with("AC") && sid[2..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(AdminError::BadRequest(
            "account_sid must be AC followed by 32 hex digits".into(),
        ))
    }
}

/// Twilio's tokens are 32 hex digits; accept any printable text of a sensible length, and never
/// repeat it.
fn check_token(token: &str) -> Result<(), AdminError> {
    let ok = (16..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_graphic());
    if ok {
        Ok(())
    } else {
        Err(AdminError::BadRequest(
            "auth_token must be 16 to 128 printable characters without spaces".into(),
        ))
    }
}
