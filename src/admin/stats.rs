//! Per-client figures over a period: calls and how they ended, answer rate and time
//! to answer per assistant, busiest hours, messages and their cost. Pure: it counts
//! the rows it is given.

use std::collections::{BTreeMap, HashMap};

use chrono::Timelike;
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::calls::CallRow;
use crate::store::legs::LegRow;
use crate::store::messages::StatusRow;
use crate::store::outbox::OutboxRow;

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    pub calls: u64,
    pub answered: u64,
    pub missed: u64,
    pub voicemails: u64,
    /// answered / calls, 0 when there were none.
    pub answer_rate: f64,
    pub assistants: Vec<AssistantStats>,
    /// Local hours of the day, busiest first (at most five).
    pub busiest_hours: Vec<HourCount>,
    pub messages: MessageStats,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssistantStats {
    pub assistant: String,
    pub answered: u64,
    /// From the call coming in to the assistant answering.
    pub mean_seconds_to_answer: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HourCount {
    pub hour: u32,
    pub calls: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MessageStats {
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub segments: u64,
    /// What Twilio charged where it reported a price, in the account's currency
    /// (Twilio reports prices as negative amounts; this is their sum, made positive).
    pub cost: Option<f64>,
}

pub fn compute(tz: Tz, calls: &[CallRow], legs: &[LegRow], messages: &[OutboxRow], statuses: &[StatusRow]) -> Stats {
    let count = |outcome: &str| calls.iter().filter(|c| c.outcome.as_deref() == Some(outcome)).count() as u64;
    let (answered, missed, voicemails) = (count("answered"), count("missed"), count("voicemail"));
    let started: HashMap<&str, &CallRow> = calls.iter().map(|c| (c.call_sid.as_str(), c)).collect();
    let mut per_assistant: BTreeMap<String, (u64, Vec<f64>)> = BTreeMap::new();
    for c in calls.iter().filter(|c| c.outcome.as_deref() == Some("answered")) {
        if let Some(a) = &c.answered_by {
            per_assistant.entry(a.clone()).or_default().0 += 1;
        }
    }
    for leg in legs {
        let (Some(a), Some(at), Some(call)) = (&leg.assistant_id, leg.answered_at, started.get(leg.call_sid.as_str()))
        else {
            continue;
        };
        let seconds = (at - call.started_at).num_milliseconds() as f64 / 1000.0;
        per_assistant.entry(a.clone()).or_default().1.push(seconds.max(0.0));
    }
    let assistants = per_assistant
        .into_iter()
        .map(|(assistant, (answered, waits))| AssistantStats {
            assistant,
            answered,
            mean_seconds_to_answer: (!waits.is_empty()).then(|| waits.iter().sum::<f64>() / waits.len() as f64),
        })
        .collect();
    let mut hours = [0u64; 24];
    for c in calls {
        hours[c.started_at.with_timezone(&tz).hour() as usize] += 1;
    }
    let mut busiest: Vec<HourCount> = (0u32..24)
        .zip(hours)
        .filter(|(_, n)| *n > 0)
        .map(|(hour, calls)| HourCount { hour, calls })
        .collect();
    busiest.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.hour.cmp(&b.hour)));
    busiest.truncate(5);
    Stats {
        calls: calls.len() as u64,
        answered,
        missed,
        voicemails,
        answer_rate: if calls.is_empty() {
            0.0
        } else {
            answered as f64 / calls.len() as f64
        },
        assistants,
        busiest_hours: busiest,
        messages: message_stats(messages, statuses),
    }
}

fn message_stats(messages: &[OutboxRow], statuses: &[StatusRow]) -> MessageStats {
    let by_sid: HashMap<&str, &StatusRow> = statuses.iter().map(|s| (s.message_sid.as_str(), s)).collect();
    let status_of = |m: &OutboxRow| {
        m.message_sid
            .as_deref()
            .and_then(|sid| by_sid.get(sid))
            .map(|s| s.status.as_str())
    };
    let prices: Vec<f64> = messages
        .iter()
        .filter_map(|m| by_sid.get(m.message_sid.as_deref()?)?.price.as_deref()?.parse().ok())
        .collect();
    MessageStats {
        sent: messages.iter().filter(|m| m.state == "sent").count() as u64,
        delivered: messages.iter().filter(|m| status_of(m) == Some("delivered")).count() as u64,
        failed: messages
            .iter()
            .filter(|m| m.state == "failed" || matches!(status_of(m), Some("failed" | "undelivered")))
            .count() as u64,
        segments: messages
            .iter()
            .filter_map(|m| m.segments)
            .map(|s| u64::try_from(s).unwrap_or(0))
            .sum(),
        cost: (!prices.is_empty()).then(|| prices.iter().map(|p| p.abs()).sum()),
    }
}
