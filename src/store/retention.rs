//! Forgetting history older than the retention period: calls with their legs, recordings,
//! follow-up and assistants' links, messages sent or given up with their delivery
//! statuses, and texts received. A batch at a time, each its own short transaction found through an index by
//! time, so webhooks never wait long behind it. Messages still to send, opt-outs, the
//! audit log and rules versions are kept.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait};

use super::entities::{call, call_handling, call_leg, call_link, inbound_message, message_status, outbox, recording};
use super::outbox::{CANCELLED, FAILED, SENT};
use super::StoreError;

/// Deletes at most `batch` calls, `batch` finished messages and `batch` texts received
/// from before `before`; returns how many rows of those three it deleted.
///
/// # Errors
/// On database failure.
pub async fn prune_batch(
    db: &(impl ConnectionTrait + TransactionTrait),
    before: DateTime<Utc>,
    batch: u64,
) -> Result<u64, StoreError> {
    let txn = db.begin().await?;
    let calls: Vec<(i64, String)> = call::Entity::find()
        .select_only()
        .columns([call::Column::Id, call::Column::CallSid])
        .filter(call::Column::StartedAt.lt(before))
        .order_by_asc(call::Column::StartedAt)
        .limit(batch)
        .into_tuple()
        .all(&txn)
        .await?;
    let (ids, sids): (Vec<i64>, Vec<String>) = calls.into_iter().unzip();
    call_leg::Entity::delete_many()
        .filter(call_leg::Column::CallId.is_in(ids.clone()))
        .exec(&txn)
        .await?;
    recording::Entity::delete_many()
        .filter(recording::Column::CallSid.is_in(sids.clone()))
        .exec(&txn)
        .await?;
    call_handling::Entity::delete_many()
        .filter(call_handling::Column::CallSid.is_in(sids.clone()))
        .exec(&txn)
        .await?;
    call_link::Entity::delete_many()
        .filter(call_link::Column::CallSid.is_in(sids))
        .exec(&txn)
        .await?;
    let mut deleted = call::Entity::delete_many()
        .filter(call::Column::Id.is_in(ids))
        .exec(&txn)
        .await?
        .rows_affected;
    for state in [SENT, FAILED, CANCELLED] {
        let messages: Vec<(i64, Option<String>)> = outbox::Entity::find()
            .select_only()
            .columns([outbox::Column::Id, outbox::Column::MessageSid])
            .filter(outbox::Column::State.eq(state))
            .filter(outbox::Column::SendAt.lt(before))
            .limit(batch)
            .into_tuple()
            .all(&txn)
            .await?;
        let (ids, sids): (Vec<i64>, Vec<Option<String>>) = messages.into_iter().unzip();
        message_status::Entity::delete_many()
            .filter(message_status::Column::MessageSid.is_in(sids.into_iter().flatten()))
            .exec(&txn)
            .await?;
        super::webhooks::forget_attempts(&txn, ids.clone()).await?;
        deleted += outbox::Entity::delete_many()
            .filter(outbox::Column::Id.is_in(ids))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    let received: Vec<String> = inbound_message::Entity::find()
        .select_only()
        .column(inbound_message::Column::MessageSid)
        .filter(inbound_message::Column::ReceivedAt.lt(before))
        .limit(batch)
        .into_tuple()
        .all(&txn)
        .await?;
    deleted += inbound_message::Entity::delete_many()
        .filter(inbound_message::Column::MessageSid.is_in(received))
        .exec(&txn)
        .await?
        .rows_affected;
    txn.commit().await?;
    Ok(deleted)
}
