//! What happened, for admins on any surface (API or console): one call with the
//! alerts it caused, messages with their delivery status, a client's figures over a
//! period. Tenancy is [`Actor`]'s.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::admin::stats::Stats;
use crate::admin::{self, Actor, AdminError};
use crate::rules::registry::Registry;
use crate::store::{self, calls::CallDetail, outbox::OutboxRow, StoreError};

/// A message we sent (or will send) and what Twilio last said about its delivery.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub message: OutboxRow,
    pub delivery: Option<String>,
}

/// A call with its legs and recordings, and the alerts it caused.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub detail: CallDetail,
    pub alerts: Vec<Delivered>,
}

impl CallRecord {
    /// Why the call went where it went, in plain words: as decided when it came in, then
    /// what each later step passed over or could not follow.
    pub fn trace(&self) -> Vec<String> {
        self.detail
            .call
            .trace
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// Each message with its delivery status.
///
/// # Errors
/// On database failure.
pub async fn with_delivery(db: &impl ConnectionTrait, messages: Vec<OutboxRow>) -> Result<Vec<Delivered>, StoreError> {
    let mut out = Vec::with_capacity(messages.len());
    for message in messages {
        let delivery = match &message.message_sid {
            Some(sid) => store::messages::status(db, sid).await?.map(|s| s.status),
            None => None,
        };
        out.push(Delivered { message, delivery });
    }
    Ok(out)
}

/// One call, if the actor may see it.
///
/// # Errors
/// `NotFound` for an unknown call or another client's.
pub async fn call(db: &impl ConnectionTrait, actor: &Actor, sid: &str) -> Result<CallRecord, AdminError> {
    let detail = store::calls::find(db, sid).await?.ok_or(AdminError::NotFound)?;
    if !detail.call.client_id.as_deref().is_some_and(|c| actor.can_see(c)) && actor.client.is_some() {
        return Err(AdminError::NotFound);
    }
    let alerts = with_delivery(db, store::outbox::for_call(db, sid).await?).await?;
    Ok(CallRecord { detail, alerts })
}

/// A client's figures for calls that came in from `since` (inclusive) to `until` (exclusive).
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for an empty period.
pub async fn stats(
    db: &impl ConnectionTrait,
    registry: &Registry,
    actor: &Actor,
    id: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Stats, AdminError> {
    let loaded = admin::client(registry, actor, id)?;
    if since >= until {
        return Err(AdminError::BadRequest("since must be before until".into()));
    }
    let calls = store::stats::call_figures(db, id, since, until).await?;
    let messages = store::outbox::between(db, id, since, until).await?;
    let sids = messages.iter().filter_map(|m| m.message_sid.clone()).collect();
    let statuses = store::messages::statuses(db, sids).await?;
    Ok(crate::admin::stats::compute(
        loaded.rules.timezone,
        &calls,
        &messages,
        &statuses,
    ))
}
