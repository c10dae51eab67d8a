//! Per-client figures over a period: calls and how they ended, answer rate and time
//! to answer per assistant, calls by local hour and weekday, messages and their cost.
//! Pure: the database counts the calls and texts (`store::stats`); this puts the counts
//! together in the client's time zone.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Timelike, Weekday};
use chrono_tz::Tz;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::stats::{CallFigures, MessageFigures, QUARTER_HOUR};

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
    /// Every local hour of the day, from 0 to 23.
    pub by_hour: Vec<HourCount>,
    /// Every local weekday, Monday first.
    pub by_weekday: Vec<WeekdayCount>,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WeekdayCount {
    /// `mon` … `sun`, as in the rule files.
    pub weekday: String,
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

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub fn compute(tz: Tz, calls: &CallFigures, messages: &MessageFigures) -> Stats {
    let count = |outcome: &str| {
        (calls.outcomes.iter())
            .filter(|(o, _)| o.as_deref() == Some(outcome))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let total: u64 = calls.outcomes.iter().map(|(_, n)| n).sum();
    let answered = count("answered");
    let mut per_assistant: BTreeMap<&str, (u64, Option<f64>)> = BTreeMap::new();
    for (assistant, n) in &calls.answered_by {
        per_assistant.entry(assistant).or_default().0 += n;
    }
    for (assistant, legs, seconds) in &calls.waits {
        per_assistant.entry(assistant).or_default().1 = (*legs > 0).then(|| seconds / *legs as f64);
    }
    let assistants = per_assistant
        .into_iter()
        .map(|(assistant, (answered, mean))| AssistantStats {
            assistant: assistant.to_owned(),
            answered,
            mean_seconds_to_answer: mean,
        })
        .collect();
    let (mut hours, mut weekdays) = ([0u64; 24], [0u64; 7]);
    for (quarter, n) in &calls.quarter_hours {
        let Some(local) = DateTime::from_timestamp(quarter * QUARTER_HOUR, 0).map(|t| t.with_timezone(&tz)) else {
            continue;
        };
        hours[local.hour() as usize] += n;
        weekdays[local.weekday().num_days_from_monday() as usize] += n;
    }
    let by_hour: Vec<HourCount> = (0u32..24)
        .zip(hours)
        .map(|(hour, calls)| HourCount { hour, calls })
        .collect();
    let mut busiest: Vec<HourCount> = by_hour.iter().filter(|h| h.calls > 0).cloned().collect();
    busiest.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.hour.cmp(&b.hour)));
    busiest.truncate(5);
    let by_weekday = (WEEKDAYS.iter().zip(weekdays))
        .map(|(day, calls)| WeekdayCount {
            weekday: day.to_string().to_lowercase(),
            calls,
        })
        .collect();
    Stats {
        calls: total,
        answered,
        missed: count("missed"),
        voicemails: count("voicemail"),
        answer_rate: if total == 0 {
            0.0
        } else {
            answered as f64 / total as f64
        },
        assistants,
        busiest_hours: busiest,
        by_hour,
        by_weekday,
        messages: MessageStats::from(messages),
    }
}

impl From<&MessageFigures> for MessageStats {
    fn from(m: &MessageFigures) -> Self {
        Self {
            sent: m.sent,
            delivered: m.delivered,
            failed: m.failed,
            segments: m.segments,
            cost: m.cost,
        }
    }
}
