//! Numbers' consent to a client's texts: what an admin records (with its history and its
//! audit entry, together), and how it reads now.

use sea_orm::TransactionTrait;

use crate::admin::{self, Actor, AdminError, Service};
use crate::phone::{mask, E164};
use crate::store::{self, StoreError};

/// Records whether `number` may be texted on `client`'s behalf (consent gathered elsewhere),
/// kept in its history with the admin's name, with its audit entry, in one transaction: a
/// change is never left unaudited. Returns the number's consent as it now is.
///
/// # Errors
/// `NotFound` for an unknown client or another client's, `BadRequest` for a number that is
/// not E.164, `Store` on database failure.
pub async fn set_opt_out(
    service: &Service,
    actor: &Actor,
    client: &str,
    number: &str,
    opted_out: bool,
) -> Result<Consent, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let number = E164::parse(number).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    let change = store::messages::Change {
        source: "admin",
        by: &actor.name,
    };
    store::messages::set_opt_out(&txn, client, number.as_str(), opted_out, change, now).await?;
    let detail = format!(
        "{} {}",
        mask(number.as_str()),
        if opted_out { "opted out" } else { "opted in" }
    );
    admin::audit(&txn, actor, client, "opt_out.set", detail, now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    consent(service, actor, client, number.as_str()).await
}

/// A number's consent to the client's texts: now, and each change newest first.
#[derive(Debug, Clone)]
pub struct Consent {
    pub number: E164,
    /// `None`: it never opted in or out.
    pub now: Option<store::messages::OptOutRow>,
    /// The client's rules send texts only to numbers that opted in.
    pub required: bool,
    pub history: Vec<store::messages::ConsentChangeRow>,
}

impl Consent {
    pub fn opted_out(&self) -> bool {
        self.now.as_ref().is_some_and(|c| c.opted_out)
    }

    pub fn opted_in(&self) -> bool {
        self.now.as_ref().is_some_and(|c| !c.opted_out)
    }

    /// Whether an admin's text to it would be queued.
    pub fn may_text(&self) -> bool {
        !self.opted_out() && (self.opted_in() || !self.required)
    }
}

/// How many changes of one number's consent are shown.
const HISTORY_SHOWN: u64 = 100;

/// The consent of `number` (E.164) to `client`'s texts, with its history.
///
/// # Errors
/// `NotFound` for an unknown client or another client's, `BadRequest` for a number that is
/// not E.164.
pub async fn consent(service: &Service, actor: &Actor, client: &str, number: &str) -> Result<Consent, AdminError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    let number = E164::parse(number).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let now = store::messages::consent(&service.db, client, number.as_str()).await?;
    let history =
        store::messages::consent_history(&service.db, client, vec![number.to_string()], HISTORY_SHOWN).await?;
    Ok(Consent {
        number,
        now,
        required: loaded.rules.messaging.opt_in_required,
        history,
    })
}

/// A change of a number's consent in words, as the API and the console show it.
pub fn consent_change_in_words(c: &store::messages::ConsentChangeRow) -> String {
    let what = if c.opted_out { "Opted out" } else { "Opted in" };
    match c.source.as_str() {
        "keyword" => format!("{what}: texted \u{201c}{}\u{201d}", c.changed_by),
        "admin" => format!("{what}: recorded by {}", c.changed_by),
        "twilio-21610" => format!("{what}: reported by Twilio (a text was refused as the number had opted out)"),
        other => format!("{what} ({other})"),
    }
}
