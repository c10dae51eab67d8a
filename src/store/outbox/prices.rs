//! Outbox rows of kind `price`: Twilio prices a text some time after it was sent, so the
//! worker asks for it later, with the outbox's back-off, until Twilio has it.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait};

use super::{OutboxRow, PENDING, PRICE};
use crate::store::entities::outbox::{self, Entity as Outbox};
use crate::store::StoreError;

/// Queues a check of the price of `message_sid`, the text `sent` became, at `at`; once per
/// text. Returns whether it was new.
///
/// # Errors
/// On database failure.
pub async fn enqueue_price_check(
    db: &impl ConnectionTrait,
    sent: &OutboxRow,
    message_sid: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = Outbox::insert(outbox::ActiveModel {
        client_id: Set(sent.client_id.clone()),
        dedupe_key: Set(format!("price:{message_sid}")),
        purpose: Set(PRICE.to_owned()),
        to_number: Set(sent.to_number.clone()),
        from_number: Set(sent.from_number.clone()),
        body: Set(String::new()),
        send_at: Set(at),
        state: Set(PENDING.to_owned()),
        attempts: Set(0),
        message_sid: Set(Some(message_sid.to_owned())),
        created_at: Set(now),
        updated_at: Set(now),
        kind: Set(PRICE.to_owned()),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(outbox::Column::DedupeKey).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}
