//! Phone numbers for a client, bought through its account (its own, else the server's) with the
//! webhooks already pointing at this server. Buying is audited, and reserves the number for the
//! client: no other client's rules may name it. It does not touch the client's rules: a number
//! routes calls only once it is in the client's `numbers`, which the admin adds as a new rules
//! version.

use sea_orm::TransactionTrait;

use crate::admin::accounts::for_admin;
use crate::admin::{self, Actor, AdminError, Service};
use crate::phone::E164;
use crate::store;
use crate::twilio::rest::numbers::{AvailableNumber, IncomingNumber, Purchase};
use crate::twilio::rest::SendError;
use crate::twilio::webhooks::{PATH_FALLBACK, PATH_SMS, PATH_STATUS, PATH_VOICE};

/// Local numbers Twilio offers in `country` (ISO 3166 alpha-2, e.g. `US`), in `area_code` when
/// given.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a malformed country or area code, or one
/// Twilio refuses; `NoTwilio`; `TwilioUnavailable`.
pub async fn search(
    service: &Service,
    actor: &Actor,
    client: &str,
    country: &str,
    area_code: Option<&str>,
) -> Result<Vec<AvailableNumber>, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let country = country.to_ascii_uppercase();
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(AdminError::BadRequest("country must be two letters, e.g. US".into()));
    }
    if area_code.is_some_and(|a| a.is_empty() || a.len() > 5 || !a.bytes().all(|b| b.is_ascii_digit())) {
        return Err(AdminError::BadRequest("area_code must be digits, e.g. 212".into()));
    }
    let account = for_admin(service, Some(client)).await?;
    let found = (service.outbound.client)
        .search_local_numbers(&account, &country, area_code)
        .await;
    found.map_err(|e| refused(e, "the search"))
}

/// Buys `phone_number` for `client`, its voice, fallback, status and SMS webhooks set to this
/// server's public URL.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a number that is not E.164 or that Twilio
/// will not sell; `NoPublicUrl`; `NoTwilio`; `TwilioUnavailable`, where an unclear answer
/// says the number may have been bought.
pub async fn purchase(
    service: &Service,
    actor: &Actor,
    client: &str,
    phone_number: &str,
) -> Result<IncomingNumber, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let number = E164::parse(phone_number).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let url = |path| service.links.absolute(path).ok_or(AdminError::NoPublicUrl);
    let (voice, fallback, status, sms) = (url(PATH_VOICE)?, url(PATH_FALLBACK)?, url(PATH_STATUS)?, url(PATH_SMS)?);
    let account = for_admin(service, Some(client)).await?;
    let purchase = Purchase {
        phone_number: number.as_str(),
        voice_url: &voice,
        voice_fallback_url: &fallback,
        status_callback: &status,
        sms_url: &sms,
    };
    let bought = (service.outbound.client.buy_number(&account, &purchase).await).map_err(|e| match e {
        SendError::Ambiguous { .. } => AdminError::TwilioUnavailable(format!(
            "Twilio may have sold {number} to account {} anyway; check its numbers before trying again: {e}",
            account.sid
        )),
        e => refused(e, "the purchase"),
    })?;
    let reserved = store::purchased_numbers::Purchase {
        phone_number: &bought.phone_number,
        client,
        number_sid: &bought.sid,
        account_sid: &account.sid,
    };
    store::purchased_numbers::reserve(&service.db, &reserved, service.clock.now()).await?;
    let detail = format!(
        "bought {} ({}) on account {}",
        bought.phone_number, bought.sid, account.sid
    );
    admin::audit(
        &service.db,
        actor,
        client,
        "number.purchase",
        detail,
        service.clock.now(),
    )
    .await?;
    Ok(bought)
}

/// Ends the reservation of a number bought through Switchboard (a global token only), so that
/// another client's rules may name it. The number stays in the Twilio account that bought it.
///
/// # Errors
/// `Denied` for a token scoped to the number's client, `NotFound` for one scoped to another; `BadRequest` for a number that is not E.164; `NotFound` for a
/// number not reserved.
pub async fn release(service: &Service, actor: &Actor, phone_number: &str) -> Result<(), AdminError> {
    let number = E164::parse(phone_number).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    if actor.client.is_some() {
        // Told only about its own numbers, as with every other client's data.
        let owners = store::purchased_numbers::owners(&service.db, &[number.as_str()]).await?;
        if !owners.iter().any(|(_, client)| actor.can_see(client)) {
            return Err(AdminError::NotFound);
        }
        return Err(AdminError::Denied("only a global token may release a number".into()));
    }
    let txn = service.db.begin().await.map_err(store::StoreError::from)?;
    let client = store::purchased_numbers::release(&txn, number.as_str())
        .await?
        .ok_or(AdminError::NotFound)?;
    let detail = format!("released {number}, reserved for {client}");
    admin::audit(&txn, actor, &client, "number.release", detail, service.clock.now()).await?;
    txn.commit().await.map_err(store::StoreError::from)?;
    Ok(())
}

/// Twilio's 400 or 404 is about what was asked (a country it does not serve, a number no longer
/// for sale); anything else is Twilio or the account failing us.
fn refused(e: SendError, what: &str) -> AdminError {
    match e {
        SendError::Rejected { status: 400 | 404, .. } => AdminError::BadRequest(format!("Twilio refused {what}: {e}")),
        e => AdminError::TwilioUnavailable(format!("{what} failed: {e}")),
    }
}
