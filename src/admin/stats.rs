//! Per-client figures over a period: calls and how they ended, day by day, incoming and
//! placed, how long answered calls lasted, answer rate and time to answer per assistant,
//! calls by local hour of each weekday, messages, their cost and who was texted most.
//! Pure: the database counts the calls and texts (`store::stats`); this puts the counts
//! together in the client's time zone.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc, Weekday};
use serde::Serialize;
use utoipa::ToSchema;

use crate::routing::schedule::WEEKDAYS;
use crate::routing::Rules;
use crate::store::stats::{CallFigures, MessageFigures, QuarterCount, QUARTER_HOUR};

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Stats {
    pub calls: u64,
    pub answered: u64,
    pub missed: u64,
    pub voicemails: u64,
    /// Calls from numbers on the block list: recorded, nobody rung.
    pub blocked: u64,
    /// Callers who asked to be called back and hung up, whose call back has not reached
    /// them yet: owed a call, not missed (a call back given up counts as missed).
    pub awaiting_callback: u64,
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
    /// Calls from callers (Twilio's `inbound`).
    pub inbound: u64,
    /// Calls placed by the business through Switchboard (`outbound-api`, `outbound-dial`).
    pub outbound: u64,
    /// The mean length of answered calls, in seconds, from the call coming in to its end
    /// as Twilio reported it; absent when no answered call has a reported length.
    pub mean_answered_call_seconds: Option<f64>,
    /// Every hour of the week: seven weekdays, Monday first, of 24 local hours each.
    pub by_hour_of_week: Vec<WeekdayHours>,
    /// Every local day of the period, first day first, with its calls by outcome.
    pub by_day: Vec<DayCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssistantStats {
    /// The assistant's id in the rules.
    pub assistant: String,
    pub answered: u64,
    /// From the call coming in to the assistant answering.
    pub mean_seconds_to_answer: Option<f64>,
    /// Their name in the client's current rules (the id for someone no longer listed).
    pub name: String,
    /// Calls that rang them at least once.
    pub rung: u64,
    /// answered / rung, 0 when none rang them.
    pub answer_rate: f64,
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

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WeekdayHours {
    /// `mon` … `sun`, as in the rule files.
    pub weekday: String,
    /// Calls in each local hour of that weekday, from 0 to 23.
    pub hours: Vec<u64>,
}

/// One local day's calls by what became of them; the seven add up to `calls`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DayCount {
    #[schema(value_type = String, format = Date)]
    pub date: NaiveDate,
    pub calls: u64,
    pub answered: u64,
    pub voicemail: u64,
    pub missed: u64,
    /// Calls from numbers on the block list.
    pub blocked: u64,
    /// Callers still waiting for the call back they asked for.
    pub awaiting_callback: u64,
    /// Callers' calls with no outcome yet: still ringing or on the line, or never routed.
    pub not_finished: u64,
    /// Calls placed by the business.
    pub outbound: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MessageStats {
    pub sent: u64,
    pub delivered: u64,
    pub failed: u64,
    pub segments: u64,
    /// What Twilio charged where it reported a price, in the account's currency, as an
    /// exact decimal (`"0.1027"`): Twilio reports prices as negative amounts, usually some
    /// time after sending (Switchboard asks for them); this is their sum, made positive.
    #[schema(example = "0.1027")]
    pub cost: Option<String>,
    /// The numbers sent the most texts in the period, most first (at most ten).
    pub top_recipients: Vec<RecipientCount>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RecipientCount {
    /// E.164.
    pub number: String,
    /// Texts sent to it.
    pub texts: u64,
}

/// The figures of calls that came in from `since` (inclusive) to `until` (exclusive),
/// counted as `calls` and `messages`, in the zone of `rules`.
pub fn compute(
    rules: &Rules,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    calls: &CallFigures,
    messages: &MessageFigures,
) -> Stats {
    let count = |outcome: &str| {
        (calls.outcomes.iter())
            .filter(|(o, _)| o.as_deref() == Some(outcome))
            .map(|(_, n)| n)
            .sum::<u64>()
    };
    let total: u64 = calls.outcomes.iter().map(|(_, n)| n).sum();
    let answered = count("answered");
    let outbound: u64 = (calls.quarter_hours.iter())
        .filter(|q| q.outbound)
        .map(|q| q.calls)
        .sum();
    let (timed, seconds) = calls.answered_length;
    let local = Local::new(rules, since, until, &calls.quarter_hours);
    let by_hour: Vec<HourCount> = (0u32..24)
        .map(|hour| HourCount {
            hour,
            calls: local.week.iter().map(|day| day[hour as usize]).sum(),
        })
        .collect();
    let mut busiest: Vec<HourCount> = by_hour.iter().filter(|h| h.calls > 0).cloned().collect();
    busiest.sort_by(|a, b| b.calls.cmp(&a.calls).then(a.hour.cmp(&b.hour)));
    busiest.truncate(5);
    let by_weekday = (WEEKDAYS.iter().zip(&local.week))
        .map(|(day, hours)| WeekdayCount {
            weekday: weekday_key(*day),
            calls: hours.iter().sum(),
        })
        .collect();
    let by_hour_of_week = (WEEKDAYS.iter().zip(&local.week))
        .map(|(day, hours)| WeekdayHours {
            weekday: weekday_key(*day),
            hours: hours.to_vec(),
        })
        .collect();
    Stats {
        calls: total,
        answered,
        missed: count("missed"),
        voicemails: count("voicemail"),
        blocked: count("blocked"),
        awaiting_callback: count("awaiting_callback"),
        answer_rate: ratio(answered, total),
        assistants: assistants(rules, calls),
        busiest_hours: busiest,
        by_hour,
        by_weekday,
        messages: MessageStats::from(messages),
        inbound: total.saturating_sub(outbound),
        outbound,
        mean_answered_call_seconds: (timed > 0).then(|| seconds as f64 / timed as f64),
        by_hour_of_week,
        by_day: local.days,
    }
}

fn weekday_key(day: Weekday) -> String {
    day.to_string().to_lowercase()
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Calls by local weekday and hour, and by local day and outcome.
struct Local {
    week: [[u64; 24]; 7],
    days: Vec<DayCount>,
}

impl Local {
    fn new(rules: &Rules, since: DateTime<Utc>, until: DateTime<Utc>, quarters: &[QuarterCount]) -> Self {
        let tz = rules.timezone;
        let first = since.with_timezone(&tz).date_naive();
        let last = (until - Duration::nanoseconds(1))
            .with_timezone(&tz)
            .date_naive()
            .max(first);
        let mut days: Vec<DayCount> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .map(|date| DayCount {
                date,
                calls: 0,
                answered: 0,
                voicemail: 0,
                missed: 0,
                blocked: 0,
                awaiting_callback: 0,
                not_finished: 0,
                outbound: 0,
            })
            .collect();
        let mut week = [[0u64; 24]; 7];
        for q in quarters {
            let Some(at) = DateTime::from_timestamp(q.quarter * QUARTER_HOUR, 0).map(|t| t.with_timezone(&tz)) else {
                continue;
            };
            week[at.weekday().num_days_from_monday() as usize][at.hour() as usize] += q.calls;
            let index = usize::try_from((at.date_naive() - first).num_days()).ok();
            let Some(day) = index.and_then(|i| days.get_mut(i)) else {
                continue;
            };
            day.calls += q.calls;
            *match (q.outbound, q.outcome.as_deref()) {
                (true, _) => &mut day.outbound,
                (false, Some("answered")) => &mut day.answered,
                (false, Some("voicemail")) => &mut day.voicemail,
                (false, Some("missed")) => &mut day.missed,
                (false, Some("blocked")) => &mut day.blocked,
                (false, Some("awaiting_callback")) => &mut day.awaiting_callback,
                (false, _) => &mut day.not_finished,
            } += q.calls;
        }
        Self { week, days }
    }
}

/// Everyone who was rung or answered, by id, with their name in the current rules.
fn assistants(rules: &Rules, calls: &CallFigures) -> Vec<AssistantStats> {
    #[derive(Default)]
    struct Tally {
        answered: u64,
        rung: u64,
        mean_wait: Option<f64>,
    }
    let mut per: BTreeMap<&str, Tally> = BTreeMap::new();
    for (assistant, n) in &calls.answered_by {
        per.entry(assistant).or_default().answered += n;
    }
    for r in &calls.rings {
        let tally = per.entry(&r.assistant).or_default();
        tally.rung = r.calls;
        tally.mean_wait = (r.answered_legs > 0).then(|| r.wait_seconds / r.answered_legs as f64);
    }
    per.into_iter()
        .map(|(id, t)| AssistantStats {
            assistant: id.to_owned(),
            answered: t.answered,
            mean_seconds_to_answer: t.mean_wait,
            name: (rules.assistants.iter())
                .find(|a| a.id.as_str() == id)
                .map_or_else(|| id.to_owned(), |a| a.name.clone()),
            rung: t.rung,
            answer_rate: ratio(t.answered, t.rung).min(1.0),
        })
        .collect()
}

impl From<&MessageFigures> for MessageStats {
    fn from(m: &MessageFigures) -> Self {
        Self {
            sent: m.sent,
            delivered: m.delivered,
            failed: m.failed,
            segments: m.segments,
            cost: m.cost_micros.map(crate::messaging::price::decimal),
            top_recipients: (m.top_recipients.iter())
                .map(|(number, texts)| RecipientCount {
                    number: number.clone(),
                    texts: *texts,
                })
                .collect(),
        }
    }
}
