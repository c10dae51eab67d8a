//! Numbers bought through Switchboard, each reserved for the client it was bought for.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::purchased_number::{self, Entity as PurchasedNumber};
use super::StoreError;

/// A number just bought.
#[derive(Debug, Clone)]
pub struct Purchase<'a> {
    pub phone_number: &'a str,
    pub client: &'a str,
    pub number_sid: &'a str,
    pub account_sid: &'a str,
}

/// Reserves the number for the client it was bought for (again, when Twilio sold it anew).
///
/// # Errors
/// On database failure.
pub async fn reserve(db: &impl ConnectionTrait, purchase: &Purchase<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    PurchasedNumber::insert(purchased_number::ActiveModel {
        phone_number: Set(purchase.phone_number.to_owned()),
        client_id: Set(purchase.client.to_owned()),
        number_sid: Set(purchase.number_sid.to_owned()),
        account_sid: Set(purchase.account_sid.to_owned()),
        purchased_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(purchased_number::Column::PhoneNumber)
            .update_columns([
                purchased_number::Column::ClientId,
                purchased_number::Column::NumberSid,
                purchased_number::Column::AccountSid,
                purchased_number::Column::PurchasedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Which of `numbers` are reserved, and for which client: `(number, client)`.
///
/// # Errors
/// On database failure.
pub async fn owners(db: &impl ConnectionTrait, numbers: &[&str]) -> Result<Vec<(String, String)>, StoreError> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    Ok(PurchasedNumber::find()
        .filter(purchased_number::Column::PhoneNumber.is_in(numbers.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| (row.phone_number, row.client_id))
        .collect())
}

/// Ends the number's reservation; returns the client it was reserved for, if it was.
///
/// # Errors
/// On database failure.
pub async fn release(db: &impl ConnectionTrait, number: &str) -> Result<Option<String>, StoreError> {
    let Some(row) = PurchasedNumber::find_by_id(number.to_owned()).one(db).await? else {
        return Ok(None);
    };
    PurchasedNumber::delete_by_id(number.to_owned()).exec(db).await?;
    Ok(Some(row.client_id))
}
