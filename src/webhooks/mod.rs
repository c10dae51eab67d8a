//! Outgoing webhooks: what happened (a call completed, a voicemail, its transcript, a text
//! received, a text's delivery status) told to the endpoints a client subscribed, signed as
//! the Standard Webhooks specification says. Twilio's webhooks *to us* are `twilio::webhooks`.
//!
//! Owns the event types, their payloads, and emitting them: one outbox row per subscribed
//! endpoint, written in the transaction of what it reports, with a dedupe key per event and
//! endpoint so a retried callback never emits twice. Sending is [`delivery`]'s; the
//! endpoints' SQL is `store::webhooks`; what admins do with them is `admin::webhooks`.

pub mod address;
pub mod delivery;
pub mod events;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::ConnectionTrait;
use secrecy::SecretString;
use serde_json::json;
use url::{Host, Url};

use crate::store::{outbox, webhooks, StoreError};

pub use delivery::{Sender, TurnOff};
pub use events::{Event, EventType};

/// Queues `event` for each of the client's endpoints that take it, on `db` (the
/// transaction of what it reports). Returns how many were queued.
///
/// # Errors
/// On database failure.
pub async fn emit(
    db: &impl ConnectionTrait,
    client: &str,
    event: &Event,
    now: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let endpoints = webhooks::subscribed(db, client, event.kind.as_str()).await?;
    if endpoints.is_empty() {
        return Ok(0);
    }
    let payload = payload(event, now);
    let webhook_id = new_id("msg_");
    let mut queued = 0;
    for endpoint in &endpoints {
        let delivery = outbox::NewWebhook {
            client,
            endpoint: &endpoint.id,
            dedupe_key: format!("webhook:{}:{}:{}", endpoint.id, event.kind.as_str(), event.key),
            event: event.kind.as_str(),
            webhook_id: &webhook_id,
            payload: &payload,
        };
        queued += usize::from(outbox::enqueue_webhook(db, &delivery, now).await?);
    }
    Ok(queued)
}

/// The body every endpoint receives: the Standard Webhooks shape (`type`, `timestamp`,
/// `data`).
fn payload(event: &Event, now: DateTime<Utc>) -> String {
    json!({
        "type": event.kind.as_str(),
        "timestamp": rfc3339(now),
        "data": event.data,
    })
    .to_string()
}

/// Times in payloads: RFC 3339 in UTC, to the second.
pub fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A random id with `prefix`: 20 letters and digits.
pub fn new_id(prefix: &str) -> String {
    use rand::distr::{Alphanumeric, SampleString};
    format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), 20))
}

/// A new signing secret as the specification writes it: `whsec_` and base64 of 24 random
/// bytes.
pub fn new_secret() -> SecretString {
    SecretString::from(format!("whsec_{}", STANDARD.encode(rand::random::<[u8; 24]>())))
}

/// What an endpoint's secret is sealed for: its client and itself, so a sealed value copied
/// to another row does not open.
pub fn secret_context(client: &str, endpoint: &str) -> String {
    format!("webhook:{client}/{endpoint}")
}

/// The longest URL an endpoint may have.
const URL_MAX: usize = 2000;

/// Why an endpoint's URL cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadUrl {
    /// Not a URL an endpoint can have, whatever it leads to.
    #[error("{0}")]
    Malformed(String),
    /// It leads off the public internet ([`address`]).
    #[error("{0}")]
    Private(String),
}

/// Checks an endpoint's URL as written: https, with a host and no user or password in it,
/// and not an address off the public internet (names are checked by [`address::check`]
/// and at each delivery). Plain http only to this machine, and that only when
/// `allow_loopback` (`SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK`, for tests and development).
///
/// # Errors
/// Why the URL cannot be used, in words.
pub fn check_url(text: &str, allow_loopback: bool) -> Result<Url, BadUrl> {
    let malformed = |why: String| BadUrl::Malformed(why);
    let text = text.trim();
    if text.len() > URL_MAX {
        return Err(malformed(format!("the URL is longer than {URL_MAX} characters")));
    }
    let url = Url::parse(text).map_err(|e| malformed(format!("`{text}` is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(malformed(
            "the URL must not carry a user name or password; put a token in the path or query".into(),
        ));
    }
    let loopback = match url.host() {
        None => return Err(malformed("the URL has no host".into())),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
    };
    if let Some(why) = address::literal_refusal(&url, allow_loopback) {
        return Err(BadUrl::Private(why));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback && allow_loopback => Ok(url),
        _ => Err(malformed("the URL must start with https://".into())),
    }
}

/// The URL as it may be shown in the audit log and the console's words: without its query,
/// where receivers often put a token.
pub fn shown_url(url: &str) -> String {
    match Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::new(),
    }
}

/// The events a list names, each once, in the order of [`EventType::ALL`].
///
/// # Errors
/// An unknown name, or none at all.
pub fn parse_events(names: &[String]) -> Result<Vec<EventType>, String> {
    if names.is_empty() {
        return Err(format!("name at least one event: {}", EventType::names().join(", ")));
    }
    let asked = names
        .iter()
        .map(|n| EventType::parse(n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(EventType::ALL.into_iter().filter(|e| asked.contains(e)).collect())
}

/// Events as stored: separated by commas.
pub fn events_text(events: &[EventType]) -> String {
    events.iter().map(|e| e.as_str()).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_are_taken_unless_loopback_is_allowed() {
        assert!(check_url("https://crm.example.com/hooks?token=1", false).is_ok());
        assert!(check_url("http://crm.example.com/hooks", false).is_err());
        assert!(check_url("http://crm.example.com/hooks", true).is_err());
        assert!(matches!(
            check_url("http://127.0.0.1:8080/hooks", false),
            Err(BadUrl::Private(_))
        ));
        assert!(check_url("http://localhost/hooks", false).is_err());
        assert!(check_url("http://127.0.0.1:8080/hooks", true).is_ok());
        assert!(check_url("http://[::1]:8080/hooks", true).is_ok());
        assert!(check_url("https://user:pw@crm.example.com/", false).is_err());
        assert!(check_url("ftp://crm.example.com/", false).is_err());
        assert!(matches!(check_url("not a url", false), Err(BadUrl::Malformed(_))));
    }

    #[test]
    fn private_addresses_are_refused_even_when_loopback_is_allowed() {
        for url in [
            "https://10.0.0.5/hooks",
            "https://169.254.169.254/latest/meta-data",
            "https://[fd00::1]/hooks",
            "https://[::ffff:192.168.0.1]/hooks",
        ] {
            assert!(matches!(check_url(url, true), Err(BadUrl::Private(_))), "{url}");
        }
    }

    #[test]
    fn events_are_named_once_in_a_fixed_order() {
        let names = [
            "message.status".to_owned(),
            "call.completed".to_owned(),
            "call.completed".to_owned(),
        ];
        let events = parse_events(&names).unwrap();
        assert_eq!(events_text(&events), "call.completed,message.status");
        assert!(parse_events(&[]).is_err());
        let e = parse_events(&["call.done".to_owned()]).unwrap_err();
        assert!(e.contains("call.completed"), "{e}");
    }

    #[test]
    fn a_new_secret_is_what_the_specification_reads() {
        use secrecy::ExposeSecret;
        let secret = new_secret();
        let text = secret.expose_secret();
        assert!(text.starts_with("whsec_"));
        assert_eq!(STANDARD.decode(&text[6..]).unwrap().len(), 24);
        assert!(standardwebhooks::Webhook::new(text).is_ok());
    }

    #[test]
    fn a_shown_url_leaves_out_its_query() {
        assert_eq!(
            shown_url("https://crm.example.com/h?token=s3cret"),
            "https://crm.example.com/h"
        );
    }
}
