//! Clients' own Twilio accounts: the SID in the clear, the auth token only as `secrets` sealed
//! it. This module never sees a plaintext token.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::client_account::{self, Entity as ClientAccount};
use super::StoreError;

pub use super::entities::client_account::Model as AccountRow;

/// What is saved for one client.
#[derive(Debug, Clone)]
pub struct Saved<'a> {
    pub client: &'a str,
    pub account_sid: &'a str,
    pub token_encrypted: &'a str,
    pub validated_at: DateTime<Utc>,
}

/// # Errors
/// On database failure.
pub async fn find(db: &impl ConnectionTrait, client: &str) -> Result<Option<AccountRow>, StoreError> {
    Ok(ClientAccount::find_by_id(client.to_owned()).one(db).await?)
}

/// Every client whose account has this SID (normally one).
///
/// # Errors
/// On database failure.
pub async fn with_sid(db: &impl ConnectionTrait, account_sid: &str) -> Result<Vec<AccountRow>, StoreError> {
    Ok(ClientAccount::find()
        .filter(client_account::Column::AccountSid.eq(account_sid))
        .order_by_asc(client_account::Column::ClientId)
        .all(db)
        .await?)
}

/// # Errors
/// On database failure.
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<AccountRow>, StoreError> {
    Ok(ClientAccount::find()
        .order_by_asc(client_account::Column::ClientId)
        .all(db)
        .await?)
}

/// Adds the client's account, or replaces it.
///
/// # Errors
/// On database failure.
pub async fn save(db: &impl ConnectionTrait, saved: &Saved<'_>, now: DateTime<Utc>) -> Result<(), StoreError> {
    ClientAccount::insert(client_account::ActiveModel {
        client_id: Set(saved.client.to_owned()),
        account_sid: Set(saved.account_sid.to_owned()),
        token_encrypted: Set(saved.token_encrypted.to_owned()),
        validated_at: Set(saved.validated_at),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(client_account::Column::ClientId)
            .update_columns([
                client_account::Column::AccountSid,
                client_account::Column::TokenEncrypted,
                client_account::Column::ValidatedAt,
                client_account::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Returns whether there was one to remove.
///
/// # Errors
/// On database failure.
pub async fn remove(db: &impl ConnectionTrait, client: &str) -> Result<bool, StoreError> {
    let done = ClientAccount::delete_by_id(client.to_owned()).exec(db).await?;
    Ok(done.rows_affected > 0)
}
