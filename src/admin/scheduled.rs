//! Texts and calls sent through the API that wait to be sent: listed soonest first,
//! cancelled, or moved, until the worker takes them; each change audited with it.

use chrono::{DateTime, Utc};
use sea_orm::TransactionTrait;

use crate::admin::sending::check_send_at;
use crate::admin::{self, history, Actor, AdminError, Service};
use crate::phone::mask;
use crate::store::{outbox, StoreError};

/// A page of messages waiting to be sent, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct ScheduledPage {
    pub messages: Vec<outbox::OutboxRow>,
    pub next: Option<String>,
}

/// The client's texts and calls sent through the API that wait to be sent (scheduled, or
/// due and not yet taken by the worker), soonest first.
///
/// # Errors
/// `NotFound` for an unknown client or another client's; `BadRequest` for a cursor or page
/// size that cannot be used.
pub async fn scheduled(
    service: &Service,
    actor: &Actor,
    client: &str,
    cursor: Option<&str>,
    limit: u64,
) -> Result<ScheduledPage, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let limit = history::page_size(limit)?;
    let after = match history::after(cursor)? {
        Some((at, id)) => Some((at, id.parse::<i64>().map_err(|_| history::stale_link())?)),
        None => None,
    };
    let rows = outbox::scheduled(&service.db, client, after, limit + 1).await?;
    let (messages, more) = history::page_of(rows, limit);
    let next = more
        .then(|| messages.last().map(|m| history::cursor((m.send_at, &m.id.to_string()))))
        .flatten();
    Ok(ScheduledPage { messages, next })
}

/// Cancels a message sent through the API (`send_at: None`) or moves it, while it has not
/// been sent; audited in the same transaction.
///
/// # Errors
/// `NotFound` for an unknown client, another client's or a message that is not one of its
/// API sends; `BadRequest` for a time out of range; `Conflict` once it was sent, is being
/// sent, or was cancelled.
pub async fn reschedule(
    service: &Service,
    actor: &Actor,
    client: &str,
    id: i64,
    send_at: Option<DateTime<Utc>>,
) -> Result<outbox::OutboxRow, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let now = service.clock.now();
    if let Some(at) = send_at {
        check_send_at(at, now)?;
    }
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    let row = outbox::api_send(&txn, client, id).await?.ok_or(AdminError::NotFound)?;
    if !outbox::change_scheduled(&txn, client, id, send_at, now).await? {
        let state = match row.state.as_str() {
            outbox::PENDING => "is being sent now",
            outbox::SENT => "was already sent",
            outbox::CANCELLED => "was cancelled",
            _ => "could not be sent",
        };
        return Err(AdminError::Conflict(format!(
            "message {id} {state}: only a message still waiting can be cancelled or moved"
        )));
    }
    let (action, detail) = match send_at {
        None => ("message.cancel", format!("message {id} to {}", mask(&row.to_number))),
        Some(at) => (
            "message.reschedule",
            format!("message {id} to {} moved to {}", mask(&row.to_number), at.to_rfc3339()),
        ),
    };
    admin::audit(&txn, actor, client, action, detail, now).await?;
    let row = outbox::api_send(&txn, client, id).await?.ok_or(AdminError::NotFound)?;
    txn.commit().await.map_err(StoreError::from)?;
    if send_at.is_some() {
        service.outbound.wake.notify_one();
    }
    Ok(row)
}
