//! What became of a call after it ended, from the console, the API or an assistant's link:
//! its message heard, the call handled (audited with who), and the links sent for it
//! withdrawn.

use sea_orm::TransactionTrait;

use crate::admin::{self, Actor, AdminError, Service};
use crate::store::{self, StoreError};

/// The client of call `call_sid`, when the actor may see it.
async fn client_of(service: &Service, actor: &Actor, call_sid: &str) -> Result<String, AdminError> {
    let call = store::calls::find_row(&service.db, call_sid)
        .await?
        .ok_or(AdminError::NotFound)?;
    call.client_id.filter(|c| actor.can_see(c)).ok_or(AdminError::NotFound)
}

/// Records that the actor heard the call's message, if nobody had yet.
///
/// # Errors
/// `NotFound` for an unknown call or another client's.
pub async fn heard(service: &Service, actor: &Actor, call_sid: &str) -> Result<(), AdminError> {
    let client = client_of(service, actor, call_sid).await?;
    store::handling::heard(&service.db, call_sid, &client, &actor.name, service.clock.now()).await?;
    Ok(())
}

/// Marks the call handled by the actor, or not handled any more, and audits the change.
///
/// # Errors
/// `NotFound` for an unknown call or another client's.
pub async fn set_handled(service: &Service, actor: &Actor, call_sid: &str, handled: bool) -> Result<(), AdminError> {
    let client = client_of(service, actor, call_sid).await?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    let by = handled.then_some(actor.name.as_str());
    if store::handling::set_handled(&txn, call_sid, &client, by, now).await? {
        let (action, detail) = match handled {
            true => ("call.handled", format!("{call_sid} handled")),
            false => ("call.unhandled", format!("{call_sid} not handled any more")),
        };
        admin::audit(&txn, actor, &client, action, detail, now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// Withdraws the links sent to assistants for the call; returns how many still worked.
///
/// # Errors
/// `NotFound` for an unknown call or another client's.
pub async fn revoke_links(service: &Service, actor: &Actor, call_sid: &str) -> Result<u64, AdminError> {
    let client = client_of(service, actor, call_sid).await?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    let revoked = store::call_links::revoke_for_call(&txn, call_sid, now).await?;
    let detail = format!("{call_sid}: {revoked} link(s) withdrawn");
    admin::audit(&txn, actor, &client, "call.links_revoked", detail, now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(revoked)
}
