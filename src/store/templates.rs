//! The text templates each client stores to send by name.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::entities::message_template::{self, Entity as Template};
use super::StoreError;

pub use super::entities::message_template::Model as TemplateRow;

/// Stores a new template. Returns false when the client already has one by that name.
///
/// # Errors
/// On database failure.
pub async fn create(
    db: &impl ConnectionTrait,
    client: &str,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = Template::insert(message_template::ActiveModel {
        client_id: Set(client.to_owned()),
        name: Set(name.to_owned()),
        body: Set(body.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([message_template::Column::ClientId, message_template::Column::Name])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// Replaces a template's text. Returns false when the client has none by that name.
///
/// # Errors
/// On database failure.
pub async fn update(
    db: &impl ConnectionTrait,
    client: &str,
    name: &str,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = Template::update_many()
        .col_expr(message_template::Column::Body, Expr::value(body))
        .col_expr(message_template::Column::UpdatedAt, Expr::value(now))
        .filter(message_template::Column::ClientId.eq(client))
        .filter(message_template::Column::Name.eq(name))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// Returns false when the client has no template by that name.
///
/// # Errors
/// On database failure.
pub async fn delete(db: &impl ConnectionTrait, client: &str, name: &str) -> Result<bool, StoreError> {
    let done = Template::delete_by_id((client.to_owned(), name.to_owned()))
        .exec(db)
        .await?;
    Ok(done.rows_affected > 0)
}

/// # Errors
/// On database failure.
pub async fn get(db: &impl ConnectionTrait, client: &str, name: &str) -> Result<Option<TemplateRow>, StoreError> {
    Ok(Template::find_by_id((client.to_owned(), name.to_owned()))
        .one(db)
        .await?)
}

/// Every template of the client, by name.
///
/// # Errors
/// On database failure.
pub async fn list(db: &impl ConnectionTrait, client: &str) -> Result<Vec<TemplateRow>, StoreError> {
    Ok(Template::find()
        .filter(message_template::Column::ClientId.eq(client))
        .order_by_asc(message_template::Column::Name)
        .all(db)
        .await?)
}
