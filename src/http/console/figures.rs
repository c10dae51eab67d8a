//! One client's figures over the last 7, 30 or 90 local days: calls a day by outcome, busy
//! hours of the week, each assistant's answer rate and time to answer, and the texts sent,
//! as charts (`charts`) with the same numbers beside them in words and tables.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use maud::{html, Markup};
use serde::Deserialize;

use super::charts::{self, OUTCOMES};
use super::layout::{self, Place, Tab};
use super::session::Session;
use super::{length, Page};
use crate::admin;
use crate::admin::history;
use crate::admin::stats::{AssistantStats, Stats};
use crate::http::state::AppState;
use crate::http::Error;
use crate::locale::zone_words;
use crate::phone;
use crate::routing::day_name;
use crate::routing::schedule::day_start;
use crate::routing::schedule::WEEKDAYS;
use crate::routing::Rules;

/// The periods offered, in local days ending today.
const PERIODS: [i64; 3] = [7, 30, 90];
const DEFAULT_DAYS: i64 = 30;

#[derive(Deserialize)]
pub struct Period {
    days: Option<String>,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<Period>,
) -> Result<Response, Page> {
    let days = match q.days.as_deref().filter(|d| !d.is_empty()) {
        None => DEFAULT_DAYS,
        Some(d) => d
            .parse()
            .ok()
            .filter(|n| PERIODS.contains(n))
            .ok_or_else(|| Error::BadRequest(format!("Figures cover the last 7, 30 or 90 days, not “{d}”.")))?,
    };
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let rules = &loaded.rules;
    let tz = rules.timezone;
    let now = state.clock.now();
    let first = now.with_timezone(&tz).date_naive() - Duration::days(days - 1);
    // `until` is exclusive: a call that came in this very second counts.
    let until = now + Duration::seconds(1);
    let stats = history::stats(
        &state.db,
        &state.registry,
        &session.actor,
        &id,
        day_start(tz, first),
        until,
    )
    .await?;
    let zone = zone_words(tz);
    let body = html! {
        h1 { "Figures" }
        nav.periods aria-label="Period" {
            @for n in PERIODS {
                a href={ "/admin/clients/" (id) "/figures?days=" (n) } aria-current=[(n == days).then_some("page")] { "Last " (n) " days" }
            }
        }
        p.muted {
            (rules.name) ", from " (first.format("%A %-d %B %Y")) " to today. Days and hours are " (zone) " (" (tz.name()) ")."
        }
        (in_short(&stats, days))
        (calls_by_day(&stats, days, &zone))
        (busy_hours(&stats, &zone))
        (assistants(&stats))
        (texts(&stats, rules))
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Figures,
    };
    Ok(layout::page(&format!("Figures · {}", rules.name), Some(&session), place, body).into_response())
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn in_short(stats: &Stats, days: i64) -> Markup {
    html! {
        section.card aria-labelledby="in-short" {
            h2 #in-short { "In short" }
            dl.figures {
                div { dt { "Calls" } dd { (stats.calls) } }
                div { dt { "From callers" } dd #inbound { (stats.inbound) } }
                div { dt { "Placed by the office" } dd #outbound { (stats.outbound) } }
                div {
                    dt { "Answered" }
                    dd {
                        (stats.answered)
                        @if stats.inbound > 0 {
                            " " span.muted.small { (charts::percent(ratio(stats.answered, stats.inbound))) " of callers" }
                        }
                    }
                }
            }
            p #mean-length {
                @match stats.mean_answered_call_seconds {
                    Some(s) => { "An answered call lasted " strong { (length(s.round() as i32)) } " (minutes:seconds) on average." }
                    None => { "No answered call with a known length in the last " (days) " days." }
                }
            }
        }
    }
}

fn calls_by_day(stats: &Stats, days: i64, zone: &str) -> Markup {
    let count = |figure: fn(&admin::stats::DayCount) -> u64| stats.by_day.iter().map(figure).sum::<u64>();
    let busiest = stats.by_day.iter().max_by_key(|d| (d.calls, std::cmp::Reverse(d.date)));
    let mut parts: Vec<String> = OUTCOMES
        .iter()
        .map(|o| (count(o.count), o.words))
        .filter(|(n, _)| *n > 0)
        .map(|(n, words)| format!("{n} {}", words.to_lowercase()))
        .collect();
    if let Some(b) = busiest.filter(|b| b.calls > 0) {
        parts.push(format!(
            "the busiest day was {} with {}",
            b.date.format("%A %-d %B"),
            plural(b.calls, "call", "calls")
        ));
    }
    let summary = format!(
        "{} in the last {days} days: {}.",
        plural(stats.calls, "call", "calls"),
        parts.join(", ")
    );
    html! {
        section.card #calls-a-day aria-labelledby="calls-a-day-h" {
            h2 #calls-a-day-h { "Calls a day" }
            @if stats.calls == 0 {
                p.empty { "No calls in the last " (days) " days." }
            } @else {
                p { (summary) }
                (charts::calls_by_day(&stats.by_day, zone, &summary))
                ul.legend {
                    @for o in OUTCOMES {
                        li { span class={ "swatch outcome-" (o.class) } {} (o.words) }
                    }
                }
                details {
                    summary { "The numbers, day by day" }
                    p.muted { "Days without calls are left out." }
                    div.wide {
                        table.numbers {
                            thead { tr { th { "Day" } @for o in OUTCOMES { th { (o.words) } } th { "Calls" } } }
                            tbody {
                                @for d in stats.by_day.iter().filter(|d| d.calls > 0) {
                                    tr {
                                        th scope="row" { (d.date.format("%a %-d %b")) }
                                        @for o in OUTCOMES { td { ((o.count)(d)) } }
                                        td { (d.calls) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn busy_hours(stats: &Stats, zone: &str) -> Markup {
    let max = (stats.by_hour_of_week.iter())
        .flat_map(|d| d.hours.iter().copied())
        .max()
        .unwrap_or(0);
    let busiest = (stats.by_hour_of_week.iter().zip(WEEKDAYS.map(day_name)))
        .flat_map(|(d, words)| d.hours.iter().enumerate().map(move |(h, n)| (*n, words, h)))
        .filter(|(n, _, _)| *n == max && max > 0)
        .map(|(_, words, h)| format!("{words}s {h:02}:00 to {:02}:00", (h + 1) % 24))
        .collect::<Vec<_>>();
    let summary = format!(
        "The busiest hour of the week was {}, with {}.",
        busiest.join(" and "),
        plural(max, "call", "calls")
    );
    html! {
        section.card #busy-hours-card aria-labelledby="busy-hours-h" {
            h2 #busy-hours-h { "Busy hours of the week" }
            @if stats.calls == 0 {
                p.empty { "No calls in this period, so no busy hours to show." }
            } @else {
                p { (summary) }
                (charts::busy_hours(&stats.by_hour_of_week, zone, &summary))
                ul.legend {
                    li { span class="swatch heat-0" {} "No calls" }
                    @for (level, from, to) in charts::heat_ranges(max) {
                        li {
                            span class={ "swatch heat-" (level) } {}
                            @if from == to { (plural(from, "call", "calls")) } @else { (from) "–" (to) " calls" }
                        }
                    }
                }
                details {
                    summary { "The numbers, hour by hour" }
                    div.wide {
                        table.numbers {
                            thead { tr { th { "Day" } @for h in 0..24 { th scope="col" { (format!("{h:02}")) } } } }
                            tbody {
                                @for (d, words) in stats.by_hour_of_week.iter().zip(WEEKDAYS.map(day_name)) {
                                    tr { th scope="row" { (words) } @for n in &d.hours { td { (n) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn assistants(stats: &Stats) -> Markup {
    let mut rung: Vec<&AssistantStats> = stats.assistants.iter().filter(|a| a.rung > 0).collect();
    rung.sort_by(|a, b| a.name.cmp(&b.name));
    let summary = rung
        .iter()
        .map(|a| {
            let wait = a
                .mean_seconds_to_answer
                .map(|w| format!(", after {} on average", charts::seconds(w)))
                .unwrap_or_default();
            format!(
                "{} answered {} of {} ({}){wait}",
                a.name,
                a.answered,
                plural(a.rung, "call", "calls"),
                charts::percent(a.answer_rate)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        section.card #assistants-card aria-labelledby="assistants-h" {
            h2 #assistants-h { "Answer rate and time to answer" }
            @if rung.is_empty() {
                p.empty { "No assistant was rung in this period." }
            } @else {
                p { (summary) "." }
                (charts::answer_rates(&rung, &summary))
                div.scroll {
                    table {
                        thead { tr { th { "Assistant" } th { "Calls that rang them" } th { "Answered" } th { "Answer rate" } th { "Mean time to answer" } } }
                        tbody {
                            @for a in &rung {
                                tr {
                                    td data-label="" { strong { (a.name) } }
                                    td data-label="Calls that rang them" { (a.rung) }
                                    td data-label="Answered" { (a.answered) }
                                    td data-label="Answer rate" { (charts::percent(a.answer_rate)) }
                                    td data-label="Mean time to answer" { (a.mean_seconds_to_answer.map(charts::seconds).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn texts(stats: &Stats, rules: &Rules) -> Markup {
    let m = &stats.messages;
    let home = rules.numbers.first().map_or("", |n| n.as_str());
    let who = |number: &str| {
        (rules.assistants.iter())
            .find(|a| a.phone.as_str() == number)
            .map(|a| a.name.clone())
    };
    html! {
        section.card #texts aria-labelledby="texts-h" {
            h2 #texts-h { "Texts sent" }
            dl.figures {
                div { dt { "Sent" } dd { (m.sent) } }
                div { dt { "Delivered" } dd { (m.delivered) } }
                div { dt { "Failed" } dd { (m.failed) } }
            }
            @if m.top_recipients.is_empty() {
                p.empty { "No texts were sent in this period." }
            } @else {
                h3 { "Numbers texted most" }
                div.scroll {
                    table #top-recipients {
                        thead { tr { th { "Number" } th { "Who" } th { "Texts" } } }
                        tbody {
                            @for r in &m.top_recipients {
                                tr {
                                    td data-label="Number" { span.number { (phone::written(&r.number, home)) } }
                                    td data-label="Who" { (who(&r.number).unwrap_or_default()) }
                                    td data-label="Texts" { (r.texts) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
