//! Which assistants admins have taken off duty (everyone is on duty by default).

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entities::assistant_duty::{self, Entity as Duty};
use super::StoreError;

/// # Errors
/// On database failure.
pub async fn off_duty(db: &impl ConnectionTrait, client: &str) -> Result<Vec<String>, StoreError> {
    Ok(Duty::find()
        .select_only()
        .column(assistant_duty::Column::AssistantId)
        .filter(assistant_duty::Column::ClientId.eq(client))
        .filter(assistant_duty::Column::OnDuty.eq(false))
        .into_tuple()
        .all(db)
        .await?)
}

/// # Errors
/// On database failure.
pub async fn set(
    db: &impl ConnectionTrait,
    client: &str,
    assistant: &str,
    on_duty: bool,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Duty::insert(assistant_duty::ActiveModel {
        client_id: Set(client.to_owned()),
        assistant_id: Set(assistant.to_owned()),
        on_duty: Set(on_duty),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([assistant_duty::Column::ClientId, assistant_duty::Column::AssistantId])
            .update_columns([assistant_duty::Column::OnDuty, assistant_duty::Column::UpdatedAt])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}
