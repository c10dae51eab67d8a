//! Texts and calls an admin sends on a client's behalf: checked (numbers, opt-outs,
//! quota), queued in the outbox like every message, and audited.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::TransactionTrait;

use crate::admin::{self, Actor, AdminError, Service};
use crate::phone::{mask, E164};
use crate::routing::templates;
use crate::rules::registry::Loaded;
use crate::store::{self, outbox, StoreError};
use crate::twiml::{Dial, DialRecord, Number, Response, Say, Verb};

#[derive(Debug, thiserror::Error)]
pub enum SendingError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("send quota of {quota} per hour reached")]
    Quota { quota: u64, retry_after: u64 },
    /// The number replied STOP; refused at once rather than queued to be cancelled.
    #[error("{0} replied STOP, so no texts can be sent to it until it texts START")]
    OptedOut(String),
}

impl From<StoreError> for SendingError {
    fn from(e: StoreError) -> Self {
        Self::Admin(AdminError::Store(e))
    }
}

fn bad(message: impl Into<String>) -> SendingError {
    SendingError::Admin(AdminError::BadRequest(message.into()))
}

/// What to send.
#[derive(Debug, Clone)]
pub enum Payload {
    Sms {
        body: String,
        media_urls: Vec<String>,
    },
    /// A call that speaks `message` to whoever answers.
    Notification {
        message: String,
    },
    /// Rings `assistant` first, then connects them to the number.
    ClickToCall {
        assistant: String,
    },
}

/// A bulk recipient: the number, and the values of the template's variables.
pub type Row = (String, BTreeMap<String, String>);

/// One recipient's outcome in a (bulk) send.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub to: String,
    pub id: Option<i64>,
    pub error: Option<String>,
}

fn from_number(loaded: &Loaded, from: Option<&str>) -> Result<String, SendingError> {
    match from {
        Some(f) if loaded.rules.numbers.iter().any(|n| n.as_str() == f) => Ok(f.to_owned()),
        Some(_) => Err(bad("from must be one of the client's numbers")),
        None => loaded
            .rules
            .numbers
            .first()
            .map(ToString::to_string)
            .ok_or_else(|| bad("the client has no number")),
    }
}

/// Refuses the send when it would take the client past its hourly quota.
async fn check_quota(service: &Service, client: &str, adding: u64, now: DateTime<Utc>) -> Result<(), SendingError> {
    let quota = service.send_quota_per_hour;
    let (sent, oldest) = outbox::api_sends_since(&service.db, client, now - Duration::hours(1)).await?;
    if sent + adding <= quota {
        return Ok(());
    }
    let retry_after = oldest.map_or(3600, |o| {
        u64::try_from((o + Duration::hours(1) - now).num_seconds().max(1)).unwrap_or(1)
    });
    Err(SendingError::Quota { quota, retry_after })
}

/// Checks, queues and audits one message or call.
///
/// # Errors
/// Unknown client (or another client's), a bad number or body, or the quota.
pub async fn send(
    service: &Service,
    actor: &Actor,
    client: &str,
    to: &str,
    from: Option<&str>,
    payload: &Payload,
    send_at: Option<DateTime<Utc>>,
) -> Result<Queued, SendingError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    let now = service.clock.now();
    let at = send_at.unwrap_or(now);
    if at < now - Duration::minutes(1) || at > now + Duration::days(35) {
        return Err(bad("send_at must be between now and 35 days ahead"));
    }
    check_quota(service, client, 1, now).await?;
    let id = enqueue(service, &loaded, to, from, payload, "api", now, at).await?;
    let what = match payload {
        Payload::Sms { media_urls, .. } if !media_urls.is_empty() => "mms.send",
        Payload::Sms { .. } => "sms.send",
        Payload::Notification { .. } => "call.notify",
        Payload::ClickToCall { .. } => "call.click_to_call",
    };
    admin::audit(&service.db, actor, client, what, format!("to {}", mask(to)), now).await?;
    Ok(Queued {
        to: to.to_owned(),
        id: Some(id),
        error: None,
    })
}

/// One templated text to each recipient, with its own variables; each row succeeds or
/// fails on its own.
///
/// # Errors
/// Unknown client (or another client's), a bad template, or the quota.
pub async fn send_bulk(
    service: &Service,
    actor: &Actor,
    client: &str,
    template: &str,
    recipients: &[Row],
) -> Result<Vec<Queued>, SendingError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    if recipients.is_empty() || recipients.len() > 1000 {
        return Err(bad("send to 1 to 1000 recipients at a time"));
    }
    let now = service.clock.now();
    check_quota(service, client, recipients.len() as u64, now).await?;
    let mut results = Vec::with_capacity(recipients.len());
    for (to, vars) in recipients {
        let outcome = match templates::render_with(template, vars) {
            Err(e) => Err(e.to_string()),
            Ok(body) => {
                let payload = Payload::Sms {
                    body,
                    media_urls: Vec::new(),
                };
                enqueue(service, &loaded, to, None, &payload, "bulk", now, now)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        results.push(match outcome {
            Ok(id) => Queued {
                to: to.clone(),
                id: Some(id),
                error: None,
            },
            Err(error) => Queued {
                to: to.clone(),
                id: None,
                error: Some(error),
            },
        });
    }
    let queued = results.iter().filter(|r| r.id.is_some()).count();
    admin::audit(
        &service.db,
        actor,
        client,
        "sms.bulk",
        format!("{queued} of {} queued", recipients.len()),
        now,
    )
    .await?;
    Ok(results)
}

#[allow(clippy::too_many_arguments)]
async fn enqueue(
    service: &Service,
    loaded: &Loaded,
    to: &str,
    from: Option<&str>,
    payload: &Payload,
    purpose: &str,
    now: DateTime<Utc>,
    send_at: DateTime<Utc>,
) -> Result<i64, SendingError> {
    let to = E164::parse(to).map_err(|e| bad(e.to_string()))?;
    let from = from_number(loaded, from)?;
    let (kind, target, body, media) = match payload {
        Payload::Sms { body, media_urls } => {
            if body.trim().is_empty() && media_urls.is_empty() || body.chars().count() > 1600 {
                return Err(bad("body must be 1 to 1600 characters (or send media)"));
            }
            if media_urls.len() > 10 || media_urls.iter().any(|u| !u.starts_with("https://")) {
                return Err(bad("at most 10 media URLs, each https://"));
            }
            if store::messages::is_opted_out(&service.db, loaded.rules.client.as_str(), to.as_str()).await? {
                return Err(SendingError::OptedOut(crate::phone::written(to.as_str(), &from)));
            }
            ("sms", to.to_string(), body.clone(), media_urls.clone())
        }
        Payload::Notification { message } => {
            if message.trim().is_empty() || message.chars().count() > 1000 {
                return Err(bad("message must be 1 to 1000 characters"));
            }
            let twiml = Response::new()
                .push(Say::new(message.as_str()).loop_count(2))
                .push(Verb::Hangup)
                .render();
            ("call", to.to_string(), twiml, Vec::new())
        }
        Payload::ClickToCall { assistant } => {
            let a = loaded
                .rules
                .assistants
                .iter()
                .find(|a| a.id.as_str() == assistant)
                .ok_or_else(|| bad(format!("no assistant `{assistant}`")))?;
            let mut dial = Dial::new().caller_id(from.as_str()).number(Number::new(to.as_str()));
            if loaded.rules.open.record {
                dial = dial.record(DialRecord::RecordFromAnswer);
                if let Some(cb) = service.links.absolute(crate::twilio::webhooks::PATH_RECORDING) {
                    dial = dial.recording_status_callback(format!("{cb}?client={}&kind=call", loaded.rules.client));
                }
            }
            let twiml = Response::new()
                .push(Say::new(format!(
                    "Connecting you to {}.",
                    crate::calls::render::spoken_number(to.as_str())
                )))
                .push(dial)
                .render();
            ("call", a.phone.to_string(), twiml, Vec::new())
        }
    };
    let key = format!("{purpose}:{:032x}", rand::random::<u128>());
    let message = outbox::NewMessage {
        client: loaded.rules.client.as_str(),
        dedupe_key: key.clone(),
        purpose: if kind == "call" { "call" } else { purpose },
        call_sid: None,
        recording_sid: None,
        assistant: None,
        to: &target,
        from: &from,
        body: &body,
        send_at,
        kind,
        media_urls: &media,
        subject: None,
    };
    outbox::enqueue(&service.db, &message, now).await?;
    service.outbound.wake.notify_one();
    let row = outbox::find_by_key(&service.db, &key)
        .await?
        .ok_or(AdminError::NotFound)?;
    Ok(row.id)
}

/// Records whether `number` may be texted on `client`'s behalf (consent gathered elsewhere),
/// with its audit entry, in one transaction: a change is never left unaudited.
///
/// # Errors
/// `NotFound` for an unknown client or another client's, `BadRequest` for a number that is
/// not E.164, `Store` on database failure.
pub async fn set_opt_out(
    service: &Service,
    actor: &Actor,
    client: &str,
    number: &str,
    opted_out: bool,
) -> Result<(), AdminError> {
    admin::client(&service.registry, actor, client)?;
    let number = E164::parse(number).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    let now = service.clock.now();
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    store::messages::set_opt_out(&txn, client, number.as_str(), opted_out, "admin", now).await?;
    let detail = format!(
        "{} {}",
        mask(number.as_str()),
        if opted_out { "opted out" } else { "opted in" }
    );
    admin::audit(&txn, actor, client, "opt_out.set", detail, now).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}
