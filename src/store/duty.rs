//! Which assistants are off duty (everyone is on duty by default), as admins or the
//! assistants themselves (by text) set it, each change audited.

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

/// Who changed a duty, for the audit log.
#[derive(Debug, Clone)]
pub struct ChangedBy<'a> {
    pub name: &'a str,
    pub address: Option<String>,
    /// How, when not through the admin API or console: "by text".
    pub how: Option<&'a str>,
}

/// Sets the assistant's duty and audits the change, on `db` (a transaction, so that both
/// happen or neither).
///
/// # Errors
/// On database failure.
pub async fn set_audited(
    db: &impl ConnectionTrait,
    client: &str,
    assistant: &str,
    on_duty: bool,
    by: &ChangedBy<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    set(db, client, assistant, on_duty, now).await?;
    let what = if on_duty { "on duty" } else { "off duty" };
    let detail = match by.how {
        Some(how) => format!("{assistant} {what} ({how})"),
        None => format!("{assistant} {what}"),
    };
    let entry = super::admin::Entry {
        actor: by.name,
        client: Some(client),
        action: "assistant.duty",
        detail,
        address: by.address.clone(),
    };
    super::admin::audit(db, &entry, now).await
}
