//! The text templates a client stores (`{name}` or `{{name}}` variables), sent by name from
//! send-sms and bulk sends; each change audited with the admin's name.

use std::collections::BTreeMap;

use sea_orm::TransactionTrait;

use crate::admin::{self, Actor, AdminError, Service};
use crate::routing::templates;
use crate::store::templates::{self as stored, TemplateRow};
use crate::store::StoreError;

/// A client keeps at most this many templates: the list is read whole.
pub const MAX_TEMPLATES: usize = 200;

fn bad(message: impl Into<String>) -> AdminError {
    AdminError::BadRequest(message.into())
}

fn check_name(name: &str) -> Result<(), AdminError> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(bad(
            "a template's name is 1 to 64 letters, digits, - or _ (it is used in URLs and CSV uploads)",
        ))
    }
}

/// Refuses a text that cannot be sent: empty, too long for a text, or malformed.
fn check_body(body: &str) -> Result<(), AdminError> {
    if body.trim().is_empty() || body.chars().count() > 1600 {
        return Err(bad("a template is 1 to 1600 characters"));
    }
    let sample: BTreeMap<String, String> = templates::variables(body)
        .map_err(|e| bad(e.to_string()))?
        .into_iter()
        .map(|v| (v, "x".to_owned()))
        .collect();
    templates::render_with(body, &sample).map_err(|e| bad(e.to_string()))?;
    Ok(())
}

/// The client's templates, by name.
///
/// # Errors
/// `NotFound` for an unknown client or another client's.
pub async fn list(service: &Service, actor: &Actor, client: &str) -> Result<Vec<TemplateRow>, AdminError> {
    admin::client(&service.registry, actor, client)?;
    Ok(stored::list(&service.db, client).await?)
}

/// One template.
///
/// # Errors
/// `NotFound` for an unknown client, another client's, or no template by that name.
pub async fn get(service: &Service, actor: &Actor, client: &str, name: &str) -> Result<TemplateRow, AdminError> {
    admin::client(&service.registry, actor, client)?;
    stored::get(&service.db, client, name)
        .await?
        .ok_or(AdminError::NotFound)
}

/// Stores a new template, audited in the same transaction.
///
/// # Errors
/// `BadRequest` for a bad name or text, `Conflict` when the name is taken or the client has
/// [`MAX_TEMPLATES`], `NotFound` for an unknown client or another client's.
pub async fn create(
    service: &Service,
    actor: &Actor,
    client: &str,
    name: &str,
    body: &str,
) -> Result<TemplateRow, AdminError> {
    admin::client(&service.registry, actor, client)?;
    check_name(name)?;
    check_body(body)?;
    if stored::list(&service.db, client).await?.len() >= MAX_TEMPLATES {
        return Err(AdminError::Conflict(format!(
            "a client keeps at most {MAX_TEMPLATES} templates: delete one first"
        )));
    }
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    if !stored::create(&txn, client, name, body, now).await? {
        return Err(AdminError::Conflict(format!(
            "there is already a template named `{name}`: change it with PUT, or choose another name"
        )));
    }
    admin::audit(&txn, actor, client, "template.create", name.to_owned(), now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    get(service, actor, client, name).await
}

/// Replaces a template's text, audited in the same transaction.
///
/// # Errors
/// `BadRequest` for a bad text, `NotFound` for an unknown client, another client's, or no
/// template by that name.
pub async fn update(
    service: &Service,
    actor: &Actor,
    client: &str,
    name: &str,
    body: &str,
) -> Result<TemplateRow, AdminError> {
    admin::client(&service.registry, actor, client)?;
    check_body(body)?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    if !stored::update(&txn, client, name, body, now).await? {
        return Err(AdminError::NotFound);
    }
    admin::audit(&txn, actor, client, "template.update", name.to_owned(), now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    get(service, actor, client, name).await
}

/// Deletes a template, audited in the same transaction. Messages already queued with it
/// keep their text.
///
/// # Errors
/// `NotFound` for an unknown client, another client's, or no template by that name.
pub async fn delete(service: &Service, actor: &Actor, client: &str, name: &str) -> Result<(), AdminError> {
    admin::client(&service.registry, actor, client)?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    if !stored::delete(&txn, client, name).await? {
        return Err(AdminError::NotFound);
    }
    admin::audit(&txn, actor, client, "template.delete", name.to_owned(), now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}
