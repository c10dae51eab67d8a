//! Texts and calls an admin sends on a client's behalf: checked (numbers, consent, quota),
//! written out or from one of the client's templates, queued in the outbox like every
//! message, and audited. Those scheduled for later are `admin::scheduled`'s; consent to
//! texts is `admin::consent`'s.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::admin::{self, Actor, AdminError, Service};
use crate::calls::render::{say, spoken_number};
use crate::phone::{mask, E164};
use crate::routing::templates;
use crate::rules::registry::Loaded;
use crate::store::{self, outbox, StoreError};
use crate::twiml::{Dial, DialRecord, Number, Response, Verb};

#[derive(Debug, thiserror::Error)]
pub enum SendingError {
    #[error(transparent)]
    Admin(#[from] AdminError),
    #[error("send quota of {quota} per hour reached")]
    Quota { quota: u64, retry_after: u64 },
    /// The number replied STOP; refused at once rather than queued to be cancelled.
    #[error("{0} replied STOP, so no texts can be sent to it until it texts START")]
    OptedOut(String),
    /// The client's rules require consent (`[sms] opt_in = "required"`) and the number never
    /// gave it.
    #[error("{0} has not opted in, and this client's rules send texts only to numbers that did: it can text START, or an admin can record its consent")]
    NoConsent(String),
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
    /// A text from one of the client's stored templates, with its variables' values.
    Template {
        name: String,
        vars: BTreeMap<String, String>,
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

/// The template of a bulk send: its text, or the name of one of the client's templates.
#[derive(Debug, Clone)]
pub enum Template {
    Text(String),
    Stored(String),
}

/// A bulk recipient: where it was in the request, the number, and the values of the
/// template's variables.
#[derive(Debug, Clone)]
pub struct Row {
    /// Its position in the list (1 = the first), or its line in a CSV (the header is line 1),
    /// so a refusal points at it.
    pub row: usize,
    pub to: String,
    pub vars: BTreeMap<String, String>,
}

/// A message queued.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Queued {
    pub to: String,
    pub id: Option<i64>,
    pub error: Option<String>,
}

/// One bulk row's outcome: queued (its message's `id`) or refused (`error`, in words).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct RowOutcome {
    /// As in the request: the recipient's position (1 = the first), or its CSV line.
    pub row: usize,
    pub to: String,
    pub id: Option<i64>,
    pub error: Option<String>,
}

/// What became of a bulk send: how many rows were queued and refused, and each row.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct BulkOutcome {
    pub queued: usize,
    pub refused: usize,
    pub rows: Vec<RowOutcome>,
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

/// Refuses a send time in the past or too far ahead.
pub(super) fn check_send_at(at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), AdminError> {
    if at < now - Duration::minutes(1) || at > now + Duration::days(35) {
        return Err(AdminError::BadRequest(
            "send_at must be between now and 35 days ahead".into(),
        ));
    }
    Ok(())
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
    check_send_at(at, now)?;
    check_quota(service, client, 1, now).await?;
    let id = enqueue(service, &loaded, to, from, payload, "api", now, at).await?;
    let what = match payload {
        Payload::Sms { media_urls, .. } | Payload::Template { media_urls, .. } if !media_urls.is_empty() => "mms.send",
        Payload::Sms { .. } | Payload::Template { .. } => "sms.send",
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

/// The text of a template: as given, or the client's stored one by that name.
async fn template_text(service: &Service, client: &str, template: &Template) -> Result<String, SendingError> {
    match template {
        Template::Text(text) => Ok(text.clone()),
        Template::Stored(name) => Ok(store::templates::get(&service.db, client, name)
            .await?
            .ok_or_else(|| {
                bad(format!(
                    "this client has no template named `{name}` (see GET /api/clients/{client}/templates)"
                ))
            })?
            .body),
    }
}

/// One templated text to each recipient, with its own variables; each row is queued or
/// refused on its own (a missing variable, a bad number, no consent), naming its row.
///
/// # Errors
/// Unknown client (or another client's), an unknown or malformed template, or the quota.
pub async fn send_bulk(
    service: &Service,
    actor: &Actor,
    client: &str,
    template: &Template,
    recipients: &[Row],
) -> Result<BulkOutcome, SendingError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    if recipients.is_empty() || recipients.len() > 1000 {
        return Err(bad("send to 1 to 1000 recipients at a time"));
    }
    let text = template_text(service, client, template).await?;
    templates::variables(&text).map_err(|e| bad(e.to_string()))?;
    let now = service.clock.now();
    check_quota(service, client, recipients.len() as u64, now).await?;
    let mut rows = Vec::with_capacity(recipients.len());
    for r in recipients {
        let outcome = match templates::render_with(&text, &r.vars) {
            Err(e) => Err(e.to_string()),
            Ok(body) => {
                let payload = Payload::Sms {
                    body,
                    media_urls: Vec::new(),
                };
                enqueue(service, &loaded, &r.to, None, &payload, "bulk", now, now)
                    .await
                    .map_err(|e| e.to_string())
            }
        };
        let (id, error) = match outcome {
            Ok(id) => (Some(id), None),
            Err(e) => (None, Some(format!("row {}: {e}", r.row))),
        };
        rows.push(RowOutcome {
            row: r.row,
            to: r.to.clone(),
            id,
            error,
        });
    }
    let queued = rows.iter().filter(|r| r.id.is_some()).count();
    let named = match template {
        Template::Stored(name) => format!(" with template `{name}`"),
        Template::Text(_) => String::new(),
    };
    admin::audit(
        &service.db,
        actor,
        client,
        "sms.bulk",
        format!("{queued} of {} queued{named}", recipients.len()),
        now,
    )
    .await?;
    Ok(BulkOutcome {
        queued,
        refused: rows.len() - queued,
        rows,
    })
}

/// A text's outbox fields, once its body, media and the number's consent are checked.
async fn sms(
    service: &Service,
    loaded: &Loaded,
    to: &E164,
    from: &str,
    body: &str,
    media_urls: &[String],
) -> Result<(&'static str, String, String, Vec<String>), SendingError> {
    if body.trim().is_empty() && media_urls.is_empty() || body.chars().count() > 1600 {
        return Err(bad("body must be 1 to 1600 characters (or send media)"));
    }
    if media_urls.len() > 10 || media_urls.iter().any(|u| !u.starts_with("https://")) {
        return Err(bad("at most 10 media URLs, each https://"));
    }
    let consent = store::messages::consent(&service.db, loaded.rules.client.as_str(), to.as_str()).await?;
    match consent {
        Some(c) if c.opted_out => Err(SendingError::OptedOut(crate::phone::written(to.as_str(), from))),
        None if loaded.rules.messaging.opt_in_required => {
            Err(SendingError::NoConsent(crate::phone::written(to.as_str(), from)))
        }
        _ => Ok(("sms", to.to_string(), body.to_owned(), media_urls.to_vec())),
    }
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
        Payload::Sms { body, media_urls } => sms(service, loaded, &to, &from, body, media_urls).await?,
        Payload::Template { name, vars, media_urls } => {
            let text = template_text(service, loaded.rules.client.as_str(), &Template::Stored(name.clone())).await?;
            let body = templates::render_with(&text, vars).map_err(|e| bad(format!("template `{name}`: {e}")))?;
            sms(service, loaded, &to, &from, &body, media_urls).await?
        }
        Payload::Notification { message } => {
            if message.trim().is_empty() || message.chars().count() > 1000 {
                return Err(bad("message must be 1 to 1000 characters"));
            }
            let twiml = Response::new()
                .push(say(&loaded.rules.speech, message).loop_count(2))
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
                .push(say(
                    &loaded.rules.speech,
                    &format!("Connecting you to {}.", spoken_number(to.as_str())),
                ))
                .push(dial)
                .render();
            ("call", a.phone.to_string(), twiml, Vec::new())
        }
    };
    // A click-to-call rings the assistant first; the call is recorded as the office's call
    // to the customer, answered by the assistant, once Twilio places it.
    let placed_by = match payload {
        Payload::ClickToCall { assistant } => Some(assistant.as_str()),
        _ => None,
    };
    let key = format!("{purpose}:{:032x}", rand::random::<u128>());
    let message = outbox::NewMessage {
        client: loaded.rules.client.as_str(),
        dedupe_key: key.clone(),
        purpose: if kind == "call" { "call" } else { purpose },
        call_sid: None,
        recording_sid: None,
        assistant: placed_by,
        to: &target,
        from: &from,
        body: &body,
        send_at,
        kind,
        media_urls: &media,
        subject: placed_by.map(|_| to.as_str()),
    };
    outbox::enqueue(&service.db, &message, now).await?;
    service.outbound.wake.notify_one();
    let row = outbox::find_by_key(&service.db, &key)
        .await?
        .ok_or(AdminError::NotFound)?;
    Ok(row.id)
}
