//! The daily summary (`[alerts] daily_summary`): once a day, after the set local time, the
//! day's calls, missed calls, callers still waiting for a call back and the voicemails
//! nobody has handled yet, sent through the outbox to the assistants the rules name, by the
//! channels each chose. Keyed by client, day and assistant, so a restart or a second
//! process never sends it twice.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};

use super::alerts::{self, Alert};
use crate::routing::Rules;
use crate::rules::registry::Registry;
use crate::store::calls::{CallFilter, Outcome};
use crate::store::{self, Db, StoreError};

/// The most voicemails of one day looked at for "not handled yet".
const DAY_VOICEMAILS: u64 = 1000;

/// Which clients' summaries this process has queued, by their local day: the database is
/// asked once a day per client, not every tick.
#[derive(Debug, Default)]
pub struct Sent(HashSet<(String, NaiveDate)>);

/// Queues every summary due at `now`; returns how many messages were queued.
///
/// # Errors
/// On database failure.
pub async fn send_due(db: &Db, registry: &Registry, sent: &mut Sent, now: DateTime<Utc>) -> Result<usize, StoreError> {
    // Days that have ended in every zone are forgotten, so the set stays a day or two big.
    let forgotten = now.date_naive() - chrono::Days::new(2);
    sent.0.retain(|(_, day)| *day > forgotten);
    let mut queued = 0;
    for loaded in registry.clients() {
        let rules = &loaded.rules;
        let Some(summary) = &rules.messaging.daily_summary else {
            continue;
        };
        let local = now.with_timezone(&rules.timezone);
        let day = local.date_naive();
        if local.time() < summary.at || sent.0.contains(&(rules.client.to_string(), day)) {
            continue;
        }
        let body = text(db, rules, day, now).await?;
        for id in &summary.to {
            let Some(assistant) = rules.assistant(id) else {
                continue;
            };
            let alert = Alert {
                key: format!("summary:{}:{day}:{id}", rules.client),
                purpose: "summary",
                call_sid: None,
                recording_sid: None,
                text: body.clone(),
                subject: format!("{}: the calls of {}", rules.name, day.format("%A %-d %B")),
                email: body.clone(),
                from: rules.numbers.first().map_or("", |n| n.as_str()),
                send_at: now,
            };
            queued += alerts::send_to(db, rules.client.as_str(), assistant, &alert, now).await?;
        }
        sent.0.insert((rules.client.to_string(), day));
    }
    Ok(queued)
}

/// "Acme Dental today: 14 calls, 3 missed, 1 waiting for a call back, 2 voicemails not
/// handled yet."
async fn text(db: &Db, rules: &Rules, day: NaiveDate, now: DateTime<Utc>) -> Result<String, StoreError> {
    let since = crate::routing::schedule::day_start(rules.timezone, day);
    let client = rules.client.as_str();
    let figures = store::stats::call_figures(db, client, since, now + chrono::Duration::seconds(1)).await?;
    let count = |outcome: Option<&str>| -> u64 {
        figures
            .outcomes
            .iter()
            .filter(|(o, _)| outcome.is_none() || o.as_deref() == outcome)
            .map(|(_, n)| n)
            .sum()
    };
    let calls = count(None);
    if calls == 0 {
        return Ok(format!("{} today: no calls.", rules.name));
    }
    let filter = CallFilter {
        clients: Some(vec![client.to_owned()]),
        outcome: Some(Outcome::Voicemail.as_str().to_owned()),
        since: Some(since),
        ..CallFilter::default()
    };
    let voicemails = store::calls::list(db, &filter, DAY_VOICEMAILS).await?;
    let sids: Vec<String> = voicemails.iter().map(|c| c.call_sid.clone()).collect();
    let handled = store::handling::of_calls(db, sids.clone())
        .await?
        .into_iter()
        .filter(|h| h.handled_at.is_some())
        .count();
    let open = sids.len().saturating_sub(handled);
    let plural = |n: u64, one: &str, many: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {many}")
        }
    };
    // Said only when there are some, so a day without call backs reads as it always has.
    let owed = match count(Some(Outcome::AwaitingCallback.as_str())) {
        0 => String::new(),
        n => format!(", {n} waiting for a call back"),
    };
    Ok(format!(
        "{} today: {}, {} missed{owed}, {} not handled yet.",
        rules.name,
        plural(calls, "call", "calls"),
        count(Some(Outcome::Missed.as_str())),
        plural(open as u64, "voicemail", "voicemails"),
    ))
}
