//! What admins do with a client's webhook endpoints: add one (its secret shown once), list,
//! change, remove, read the log of deliveries, and deliver one again. Tenancy is
//! `admin::client`'s; every change is audited, never with the secret.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::admin::{self, Actor, AdminError, Service};
use crate::locale::LocalTime;
use crate::store::outbox::{self, OutboxRow};
use crate::store::webhooks::{self as store, AttemptRow, EndpointRow, NewEndpoint};
use crate::webhooks::{self, address, BadUrl, EventType};

/// How an endpoint is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Working,
    /// On, and every attempt since `failing_since` failed.
    Failing,
    /// Turned off by Switchboard after failing for too long or too often.
    TurnedOffFailing,
    /// Turned off by an admin.
    TurnedOff,
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Working => "working",
            Self::Failing => "failing",
            Self::TurnedOffFailing => "turned_off_after_failing",
            Self::TurnedOff => "turned_off",
        }
    }
}

/// An endpoint as admins see it: never its secret.
#[derive(Debug, Clone)]
pub struct EndpointView {
    pub id: String,
    pub client: String,
    pub url: String,
    pub events: Vec<String>,
    pub enabled: bool,
    pub health: Health,
    /// The health in words, times in the client's zone: "Working", "Failing since 14:02 EST".
    pub state: String,
    pub failing_since: Option<DateTime<Utc>>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// One delivery (an event to an endpoint) with its attempts.
#[derive(Debug, Clone)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    /// The `webhook-id` header: the same on every attempt.
    pub webhook_id: String,
    /// `pending`, `delivered`, `failed` or `cancelled`.
    pub state: &'static str,
    pub created_at: DateTime<Utc>,
    /// When a pending delivery is tried next.
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub payload: serde_json::Value,
    pub attempts: Vec<AttemptRow>,
}

/// A page of deliveries, newest first, and where the next one starts.
#[derive(Debug, Clone)]
pub struct DeliveryPage {
    pub deliveries: Vec<DeliveryView>,
    pub next_before: Option<i64>,
}

/// What an admin changes; `None` leaves it.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

fn zone(service: &Service, client: &str) -> LocalTime {
    service
        .registry
        .current(client)
        .map_or(LocalTime::UTC, |l| LocalTime::of(&l.rules))
}

/// A time in words, as people near the business write it: the hour alone on the same day
/// as `now`, with the day otherwise.
fn when(t: DateTime<Utc>, tz: LocalTime, now: DateTime<Utc>) -> String {
    let local = t.with_timezone(&tz.tz);
    let zone = local.format("%Z");
    if local.date_naive() == now.with_timezone(&tz.tz).date_naive() {
        format!("{} {zone}", tz.clock(local.time()))
    } else {
        format!("{}, {} {zone}", local.format("%a %-d %b"), tz.clock(local.time()))
    }
}

/// The health of an endpoint and its words.
pub fn health(row: &EndpointRow, tz: LocalTime, now: DateTime<Utc>) -> (Health, String) {
    match (row.enabled, row.failing_since, row.disabled_reason.as_deref()) {
        (true, None, _) => (Health::Working, "Working".into()),
        (true, Some(since), _) => (Health::Failing, format!("Failing since {}", when(since, tz, now))),
        (false, since, Some(store::OFF_FAILING)) => {
            let hours = since.zip(row.disabled_at).map_or(0, |(s, d)| (d - s).num_hours());
            let unit = if hours == 1 { "hour" } else { "hours" };
            (
                Health::TurnedOffFailing,
                format!("Turned off after failing for {hours} {unit}"),
            )
        }
        (false, _, Some(store::OFF_FAILURES)) => (
            Health::TurnedOffFailing,
            format!(
                "Turned off after {} failed deliveries in a row",
                row.consecutive_failures
            ),
        ),
        (false, _, _) => (Health::TurnedOff, "Turned off by an admin".into()),
    }
}

fn view(service: &Service, row: EndpointRow) -> EndpointView {
    let now = service.clock.now();
    let (health, state) = health(&row, zone(service, &row.client_id), now);
    EndpointView {
        events: row
            .events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        id: row.id,
        client: row.client_id,
        url: row.url,
        enabled: row.enabled,
        health,
        state,
        failing_since: row.failing_since,
        disabled_at: row.disabled_at,
        created_at: row.created_at,
    }
}

/// The URL, if webhooks may go where it leads now.
async fn url(service: &Service, text: &str) -> Result<String, AdminError> {
    let allow_loopback = service.outbound.webhooks.allow_loopback;
    let url = webhooks::check_url(text, allow_loopback).map_err(|e| match e {
        BadUrl::Malformed(why) => AdminError::BadRequest(why),
        BadUrl::Private(why) => AdminError::Unprocessable(why),
    })?;
    address::check(&url, allow_loopback)
        .await
        .map_err(AdminError::Unprocessable)?;
    Ok(url.into())
}

fn events(names: &[String]) -> Result<Vec<EventType>, AdminError> {
    webhooks::parse_events(names).map_err(AdminError::BadRequest)
}

/// Adds an endpoint, on at once. The secret comes back here only: it is stored sealed.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a URL or events that cannot be used;
/// `Unprocessable` for a URL that leads off the public internet;
/// `NoSecretKey` when the secret could not be kept encrypted.
pub async fn create(
    service: &Service,
    actor: &Actor,
    client: &str,
    url_text: &str,
    event_names: &[String],
) -> Result<(EndpointView, SecretString), AdminError> {
    admin::client(&service.registry, actor, client)?;
    let url = url(service, url_text).await?;
    let events = webhooks::events_text(&self::events(event_names)?);
    let key = service.secret_key.as_ref().ok_or(AdminError::NoSecretKey)?;
    let id = webhooks::new_id("ep_");
    let secret = webhooks::new_secret();
    let sealed = key.seal(&webhooks::secret_context(client, &id), secret.expose_secret());
    let now = service.clock.now();
    let new = NewEndpoint {
        id: &id,
        client,
        url: &url,
        events: &events,
        secret_encrypted: &sealed,
    };
    store::create(&service.db, &new, now).await?;
    let detail = format!("webhook endpoint {id} to {} for {events}", webhooks::shown_url(&url));
    admin::audit(&service.db, actor, client, "webhook.create", detail, now).await?;
    Ok((show(service, actor, client, &id).await?, secret))
}

/// The client's endpoints, oldest first.
///
/// # Errors
/// `NotFound` for another client's.
pub async fn list(service: &Service, actor: &Actor, client: &str) -> Result<Vec<EndpointView>, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let rows = store::for_client(&service.db, client).await?;
    Ok(rows.into_iter().map(|r| view(service, r)).collect())
}

/// # Errors
/// `NotFound` for another client's, or an unknown endpoint.
pub async fn show(service: &Service, actor: &Actor, client: &str, id: &str) -> Result<EndpointView, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let row = store::find(&service.db, client, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    Ok(view(service, row))
}

/// Changes the URL, the events, or turns the endpoint on or off; turning it on forgets
/// its failures.
///
/// # Errors
/// `NotFound` for another client's or an unknown endpoint; `BadRequest` for a URL or
/// events that cannot be used; `Unprocessable` for a URL that leads off the public internet.
pub async fn update(
    service: &Service,
    actor: &Actor,
    client: &str,
    id: &str,
    change: &Change,
) -> Result<EndpointView, AdminError> {
    admin::client(&service.registry, actor, client)?;
    let stored = store::Change {
        url: match change.url.as_deref() {
            Some(u) => Some(url(service, u).await?),
            None => None,
        },
        events: change
            .events
            .as_deref()
            .map(events)
            .transpose()?
            .map(|e| webhooks::events_text(&e)),
        enabled: change.enabled,
    };
    let now = service.clock.now();
    if !store::update(&service.db, client, id, &stored, now).await? {
        return Err(AdminError::NotFound);
    }
    let mut said = Vec::new();
    if let Some(u) = &stored.url {
        said.push(format!("URL {}", webhooks::shown_url(u)));
    }
    if let Some(e) = &stored.events {
        said.push(format!("events {e}"));
    }
    if let Some(on) = stored.enabled {
        said.push(if on { "turned on" } else { "turned off" }.to_owned());
    }
    let detail = format!("webhook endpoint {id}: {}", said.join(", "));
    admin::audit(&service.db, actor, client, "webhook.update", detail, now).await?;
    show(service, actor, client, id).await
}

/// Removes the endpoint; what was still to be delivered to it is not.
///
/// # Errors
/// `NotFound` for another client's or an unknown endpoint.
pub async fn delete(service: &Service, actor: &Actor, client: &str, id: &str) -> Result<(), AdminError> {
    admin::client(&service.registry, actor, client)?;
    let row = store::find(&service.db, client, id)
        .await?
        .ok_or(AdminError::NotFound)?;
    if !store::delete(&service.db, client, id).await? {
        return Err(AdminError::NotFound);
    }
    let now = service.clock.now();
    let detail = format!("webhook endpoint {id} to {}", webhooks::shown_url(&row.url));
    admin::audit(&service.db, actor, client, "webhook.delete", detail, now).await?;
    Ok(())
}

async fn with_attempts(service: &Service, rows: Vec<OutboxRow>) -> Result<Vec<DeliveryView>, AdminError> {
    let mut attempts = store::attempts(&service.db, rows.iter().map(|r| r.id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (mine, rest): (Vec<_>, Vec<_>) = attempts.drain(..).partition(|a| a.delivery_id == r.id);
            attempts = rest;
            let pending = r.state == outbox::PENDING;
            DeliveryView {
                id: r.id,
                webhook_id: r.message_sid.unwrap_or_default(),
                state: match r.state.as_str() {
                    outbox::SENT => "delivered",
                    outbox::PENDING => "pending",
                    outbox::CANCELLED => "cancelled",
                    _ => "failed",
                },
                created_at: r.created_at,
                next_attempt_at: pending.then_some(r.send_at),
                last_error: r.last_error,
                payload: serde_json::from_str(&r.body).unwrap_or(serde_json::Value::Null),
                attempts: mine,
                event: r.purpose,
            }
        })
        .collect())
}

/// The deliveries to one endpoint, newest first, each with its attempts.
///
/// # Errors
/// `NotFound` for another client's or an unknown endpoint; `BadRequest` for a page size that
/// cannot be used.
pub async fn deliveries(
    service: &Service,
    actor: &Actor,
    client: &str,
    id: &str,
    before: Option<i64>,
    limit: u64,
) -> Result<DeliveryPage, AdminError> {
    show(service, actor, client, id).await?;
    let limit = admin::history::page_size(limit)?;
    let rows = outbox::webhook_deliveries(&service.db, id, before, limit + 1).await?;
    let (rows, more) = admin::history::page_of(rows, limit);
    let next_before = more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(DeliveryPage {
        deliveries: with_attempts(service, rows).await?,
        next_before,
    })
}

/// Delivers one event to the endpoint again, now, with the same `webhook-id` (so the
/// receiver can tell it has it already), with the usual retries.
///
/// # Errors
/// `NotFound` for another client's or an unknown endpoint or delivery; `Conflict` when the
/// endpoint is turned off or the delivery is being attempted right now.
pub async fn redeliver(
    service: &Service,
    actor: &Actor,
    client: &str,
    id: &str,
    delivery: i64,
) -> Result<DeliveryView, AdminError> {
    let endpoint = show(service, actor, client, id).await?;
    if !endpoint.enabled {
        return Err(AdminError::Conflict(
            "the endpoint is turned off: turn it on before delivering again".into(),
        ));
    }
    let row = outbox::webhook_delivery(&service.db, id, delivery)
        .await?
        .ok_or(AdminError::NotFound)?;
    let now = service.clock.now();
    if !outbox::deliver_again(&service.db, row.id, now).await? {
        return Err(AdminError::Conflict(
            "this delivery is being attempted right now; look again in a minute".into(),
        ));
    }
    service.outbound.wake.notify_one();
    let detail = format!(
        "webhook delivery {delivery} ({}) to endpoint {id} sent again",
        row.purpose
    );
    admin::audit(&service.db, actor, client, "webhook.redeliver", detail, now).await?;
    let row = outbox::webhook_delivery(&service.db, id, delivery)
        .await?
        .ok_or(AdminError::NotFound)?;
    with_attempts(service, vec![row])
        .await?
        .pop()
        .ok_or(AdminError::NotFound)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn endpoint() -> EndpointRow {
        let at = Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap();
        EndpointRow {
            id: "ep_1".into(),
            client_id: "acme-dental".into(),
            url: "https://crm.example.com/h".into(),
            events: "call.completed".into(),
            secret_encrypted: String::new(),
            enabled: true,
            failing_since: None,
            consecutive_failures: 0,
            disabled_at: None,
            disabled_reason: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn an_endpoints_health_is_told_in_words_in_the_clients_zone() {
        let tz = LocalTime {
            tz: chrono_tz::America::New_York,
            twelve_hour: true,
        };
        let now = Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap();
        let mut row = endpoint();
        assert_eq!(health(&row, tz, now).1, "Working");
        row.failing_since = Some(Utc.with_ymd_and_hms(2026, 12, 1, 19, 2, 0).unwrap());
        assert_eq!(
            health(&row, tz, now),
            (Health::Failing, "Failing since 2:02 PM EST".into())
        );
        let next_day = now + chrono::Duration::days(1);
        assert_eq!(health(&row, tz, next_day).1, "Failing since Tue 1 Dec, 2:02 PM EST");
        row.enabled = false;
        row.disabled_reason = Some(store::OFF_FAILING.into());
        row.disabled_at = row.failing_since.map(|t| t + chrono::Duration::hours(24));
        assert_eq!(health(&row, tz, now).1, "Turned off after failing for 24 hours");
        row.disabled_reason = Some(store::OFF_FAILURES.into());
        row.consecutive_failures = 5;
        assert_eq!(
            health(&row, tz, now),
            (
                Health::TurnedOffFailing,
                "Turned off after 5 failed deliveries in a row".into()
            )
        );
        row.disabled_reason = Some(store::OFF_ADMIN.into());
        assert_eq!(health(&row, tz, now).0, Health::TurnedOff);
    }
}
