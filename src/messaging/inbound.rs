//! Texts people send to our numbers: stored, opt-out keywords honoured, assistants' duty
//! commands (OFF, ON, STATUS) carried out, and answered (HELP, the duty, or the client's
//! auto-reply) through the outbox like every message we send; each received text and each
//! delivery status told to the client's webhooks in the same transaction.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};
use tracing::{info, warn};

use crate::clock::Clock;
use crate::locale::LocalTime;
use crate::messaging::keywords::{self, DutyCommand, Keyword};
use crate::messaging::Outbound;
use crate::phone::mask;
use crate::routing::rules::{Assistant, Rules};
use crate::routing::templates::{self, Vars};
use crate::rules::registry::Registry;
use crate::store::{conversations, duty, messages, outbox, Db, StoreError};
use crate::webhooks;

/// What the SMS webhooks use, and nothing more: assembled once at start-up.
#[derive(Debug)]
pub struct Texts {
    pub db: Db,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
    /// Wakes the outbox worker when a reply was queued.
    pub outbound: Arc<Outbound>,
}

/// A received text, as Twilio describes it.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    pub message_sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub media_urls: Vec<String>,
    /// Each attachment's type, in the order of `media_urls` (empty when Twilio gave none).
    pub media_types: Vec<String>,
    /// Set only with Advanced Opt-Out, which has then already replied.
    pub opt_out_type: Option<String>,
}

/// # Errors
/// When the database fails.
pub async fn incoming(texts: &Texts, m: &Incoming) -> Result<(), StoreError> {
    let now = texts.clock.now();
    let loaded = texts.registry.by_number(&m.to);
    let Some(loaded) = loaded else {
        warn!(to = %mask(&m.to), "text to a number no client owns");
        let received = messages::Received {
            message_sid: &m.message_sid,
            client: None,
            from: &m.from,
            to: &m.to,
            body: &m.body,
            media_urls: &m.media_urls,
            media_types: &m.media_types,
            keyword: None,
        };
        messages::store_received(&texts.db, &received, now).await?;
        return Ok(());
    };
    let rules = &loaded.rules;
    let client = rules.client.as_str();
    let advanced = m.opt_out_type.as_deref().filter(|t| !t.is_empty());
    // OFF, ON and STATUS are commands only from a phone the rules list for an assistant.
    let duty = rules
        .assistants
        .iter()
        .find(|a| a.phone.as_str() == m.from)
        .zip(keywords::duty_command(&m.body).filter(|_| advanced.is_none()));
    let keyword = match duty {
        Some(_) => None,
        None => advanced.map_or_else(
            || keywords::classify_with(&m.body, &rules.messaging.opt_in_keywords),
            keywords::from_opt_out_type,
        ),
    };
    let txn = texts.db.begin().await.map_err(StoreError::from)?;
    let received = messages::Received {
        message_sid: &m.message_sid,
        client: Some(client),
        from: &m.from,
        to: &m.to,
        body: &m.body,
        media_urls: &m.media_urls,
        media_types: &m.media_types,
        keyword: duty.map(|(_, c)| c.as_str()).or(keyword.map(Keyword::as_str)),
    };
    let new = messages::store_received(&txn, &received, now).await?;
    if new {
        let told = webhooks::events::Received {
            message_sid: &m.message_sid,
            from: &m.from,
            to: &m.to,
            body: &m.body,
            media_urls: &m.media_urls,
            keyword: received.keyword,
        };
        webhooks::emit(&txn, client, &webhooks::events::message_received(&told), now).await?;
    }
    let reply = match (new, duty) {
        (false, _) => None,
        (true, Some((assistant, command))) => Some(duty_reply(&txn, rules, assistant, command, now).await?),
        (true, None) => {
            let texted = messages::Change {
                source: "keyword",
                by: m.body.trim(),
            };
            match keyword {
                Some(Keyword::Stop) => messages::set_opt_out(&txn, client, &m.from, true, texted, now).await?,
                Some(Keyword::Start) => messages::set_opt_out(&txn, client, &m.from, false, texted, now).await?,
                _ => {}
            }
            let template = match keyword {
                // Twilio itself confirms STOP and START; with Advanced Opt-Out it answered HELP too.
                Some(Keyword::Stop | Keyword::Start) => None,
                Some(Keyword::Help) if advanced.is_none() => Some(&rules.messaging.help),
                Some(Keyword::Help) => None,
                None => auto_reply(&txn, rules, &m.from, now).await?,
            };
            template.map(|template| {
                let vars = Vars {
                    caller: m.from.clone(),
                    client: rules.name.clone(),
                    ..Vars::default()
                };
                templates::render(template, &vars).unwrap_or_else(|_| template.clone())
            })
        }
    };
    if let Some(body) = reply {
        let message = outbox::NewMessage {
            client,
            dedupe_key: format!("reply:{}", m.message_sid),
            purpose: if duty.is_some() {
                "duty"
            } else {
                conversations::AUTOMATIC_REPLY
            },
            call_sid: None,
            recording_sid: None,
            assistant: duty.map(|(a, _)| a.id.as_str()),
            to: &m.from,
            from: &m.to,
            body: &body,
            send_at: now,
            kind: "sms",
            media_urls: &[],
            subject: None,
        };
        outbox::enqueue(&txn, &message, now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    texts.outbound.wake.notify_one();
    info!(client, from = %mask(&m.from), keyword = keyword.map(Keyword::as_str), "text received");
    Ok(())
}

/// The automatic reply a text gets, if any: none to the client's own assistants, nor to a
/// conversation that got one within `auto_reply_every_hours`; while closed, the closed text
/// when there is one.
async fn auto_reply<'r>(
    db: &impl ConnectionTrait,
    rules: &'r Rules,
    from: &str,
    now: DateTime<Utc>,
) -> Result<Option<&'r String>, StoreError> {
    let sms = &rules.messaging;
    if rules.assistants.iter().any(|a| a.phone.as_str() == from) {
        return Ok(None);
    }
    let closed = sms
        .auto_reply_closed
        .as_ref()
        .filter(|_| !rules.hours.status_at(rules.timezone, now).open);
    let Some(text) = closed.or(sms.auto_reply.as_ref()) else {
        return Ok(None);
    };
    let every = chrono::Duration::hours(i64::from(sms.auto_reply_every_hours));
    if sms.auto_reply_every_hours > 0
        && conversations::replied_since(db, rules.client.as_str(), from, now - every).await?
    {
        return Ok(None);
    }
    Ok(Some(text))
}

/// Carries out an assistant's duty command (audited with their name) and words the answer.
async fn duty_reply(
    db: &impl ConnectionTrait,
    rules: &Rules,
    assistant: &Assistant,
    command: DutyCommand,
    now: DateTime<Utc>,
) -> Result<String, StoreError> {
    let client = rules.client.as_str();
    let id = assistant.id.as_str();
    let on_duty = match command {
        DutyCommand::Off | DutyCommand::On => {
            let on = command == DutyCommand::On;
            let by = duty::ChangedBy {
                name: &assistant.name,
                address: None,
                how: Some("by text"),
            };
            duty::set_audited(db, client, id, on, &by, now).await?;
            on
        }
        DutyCommand::Status => !duty::off_duty(db, client).await?.iter().any(|a| a == id),
    };
    let (name, business) = (&assistant.name, &rules.name);
    let shift = assistant.shifts.as_ref().map(|s| s.status_at(rules.timezone, now));
    Ok(match (command, on_duty) {
        (DutyCommand::Status, true) => match shift {
            Some(s) if !s.open => {
                let next = s.next_open.map_or_else(
                    || "no shift ahead".to_owned(),
                    |t| format!("your next shift starts {}", LocalTime::of(rules).weekday_and_time(t)),
                );
                format!("{name}, you are on duty for {business}, but outside your shifts: {next}.")
            }
            _ => format!("{name}, you are on duty for {business}: calls ring you. Text OFF to stop them."),
        },
        (DutyCommand::Status, false) => {
            format!("{name}, you are off duty for {business}: calls do not ring you. Text ON to take them again.")
        }
        (_, true) => format!(
            "{name}, you are on duty for {business} again: calls ring you from the next one. Text OFF to stop them."
        ),
        (_, false) => format!("{name}, you are off duty for {business}: calls will not ring you until you text ON."),
    })
}

/// A delivery status of a message we sent, with its price when Twilio gave one.
///
/// # Errors
/// When the database fails.
pub async fn delivery_status(
    texts: &Texts,
    message_sid: &str,
    status: &str,
    error_code: Option<i64>,
    price: Option<&str>,
    recipient: &str,
    sender: &str,
) -> Result<(), StoreError> {
    let now = texts.clock.now();
    // One transaction: the status and the opt-out it reports are stored together or not at
    // all, so Twilio's retry of a failed callback finds neither half done.
    let txn = texts.db.begin().await.map_err(StoreError::from)?;
    messages::record_status(&txn, message_sid, status, error_code, price, now).await?;
    if let Some(loaded) = texts.registry.by_number(sender) {
        let client = loaded.rules.client.as_str();
        // Twilio may report an opt-out asynchronously, as a failed delivery.
        if error_code == Some(21610) {
            messages::set_opt_out(&txn, client, recipient, true, messages::REPORTED_BY_TWILIO, now).await?;
        }
        let event = webhooks::events::message_status(message_sid, status, error_code, recipient, sender);
        webhooks::emit(&txn, client, &event, now).await?;
    }
    txn.commit().await.map_err(StoreError::from)?;
    texts.outbound.wake.notify_one();
    Ok(())
}
