//! The figures page's charts, drawn on the server as SVG in the page's own markup: calls a
//! day by outcome (stacked bars), busy hours of the week (a heat map) and each assistant's
//! answer rate (bars). Each is an image with a title and a summary in words for screen
//! readers, axis labels in words, and every mark carries its number in a `<title>` and
//! `data-` attributes. Sized by its `viewBox` to the width of the page, so one drawing fits
//! a phone and a desktop; colours come from the stylesheet (the page's CSP allows no inline
//! style). Pure: figures in, markup out.

use chrono::NaiveDate;
use maud::{html, Markup};

use crate::admin::stats::{AssistantStats, DayCount, WeekdayHours};
use crate::routing::day_name;
use crate::routing::schedule::WEEKDAYS;

/// Drawing units across every chart: text is sized in these units too, so it scales with
/// the chart (the stylesheet picks the sizes).
const WIDTH: f64 = 400.0;

/// What became of a day's calls, in words, with its CSS class and where [`DayCount`] has it.
pub struct Outcome {
    pub count: fn(&DayCount) -> u64,
    pub words: &'static str,
    pub class: &'static str,
}

/// Every outcome, bottom of a bar first.
pub const OUTCOMES: [Outcome; 7] = [
    Outcome {
        count: |d| d.answered,
        words: "Answered",
        class: "answered",
    },
    Outcome {
        count: |d| d.voicemail,
        words: "Voicemail",
        class: "voicemail",
    },
    Outcome {
        count: |d| d.awaiting_callback,
        words: "Waiting for a call back",
        class: "awaiting-callback",
    },
    Outcome {
        count: |d| d.missed,
        words: "Missed",
        class: "missed",
    },
    Outcome {
        count: |d| d.blocked,
        words: "Blocked",
        class: "blocked",
    },
    Outcome {
        count: |d| d.not_finished,
        words: "Not finished",
        class: "not-finished",
    },
    Outcome {
        count: |d| d.outbound,
        words: "Placed by the office",
        class: "outbound",
    },
];

/// The frame every chart shares: an image named by its title and described by `summary`.
fn frame(id: &str, title: &str, summary: &str, height: f64, body: Markup) -> Markup {
    html! {
        svg.chart id=(id) xmlns="http://www.w3.org/2000/svg" viewBox={ "0 0 " (WIDTH) " " (height) }
            role="img" aria-labelledby={ (id) "-title " (id) "-desc" } {
            title id={ (id) "-title" } { (title) }
            desc id={ (id) "-desc" } { (summary) }
            (body)
        }
    }
}

/// A round step for an axis from 0 to at least `max`, with at most five steps: (step, top).
pub fn axis(max: u64) -> (u64, u64) {
    let max = max.max(1);
    let mut magnitude = 1;
    loop {
        for step in [magnitude, magnitude * 2, magnitude * 5] {
            if max.div_ceil(step) <= 5 {
                return (step, max.div_ceil(step) * step);
            }
        }
        magnitude *= 10;
    }
}

/// A short day label: `Tue 3`, or `3 Nov` when days are far apart.
fn day_label(date: NaiveDate, with_weekday: bool) -> String {
    if with_weekday {
        date.format("%a %-d").to_string()
    } else {
        date.format("%-d %b").to_string()
    }
}

/// A day's outcomes with calls, bottom first: (calls below, calls, words, class).
fn stacked(day: &DayCount) -> Vec<(u64, u64, &'static str, &'static str)> {
    let mut below = 0;
    let mut segments = Vec::new();
    for Outcome { count, words, class } in OUTCOMES {
        let n = count(day);
        if n > 0 {
            segments.push((below, n, words, class));
        }
        below += n;
    }
    segments
}

/// Calls a day as stacked bars, one bar a local day, coloured by outcome.
pub fn calls_by_day(days: &[DayCount], zone: &str, summary: &str) -> Markup {
    let (left, right, top, bottom) = (44.0, 6.0, 10.0, 46.0);
    let height = 240.0;
    let (plot_w, plot_h) = (WIDTH - left - right, height - top - bottom);
    let (step, max) = axis(days.iter().map(|d| d.calls).max().unwrap_or(0));
    let y = |v: u64| top + plot_h - v as f64 / max as f64 * plot_h;
    let slot = plot_w / days.len().max(1) as f64;
    let bar = (slot * 0.75).max(1.0);
    let label_every = days.len().div_ceil(6).max(1);
    let short = days.len() <= 7;
    let body = html! {
        g.grid {
            @for tick in (0..=max).step_by(step as usize) {
                line x1=(left) x2=(WIDTH - right) y1=(y(tick)) y2=(y(tick)) {}
                text.tick x=(left - 4.0) y=(y(tick) + 4.0) text-anchor="end" { (tick) }
            }
        }
        @for (i, day) in days.iter().enumerate() {
            @let x = left + i as f64 * slot + (slot - bar) / 2.0;
            @let when = day.date.format("%a %-d %b").to_string();
            g.day data-day=(day.date) data-calls=(day.calls) {
                @for (below, n, words, class) in stacked(day) {
                    rect class={ "bar outcome-" (class) } x=(x) width=(bar) y=(y(below + n)) height=(y(below) - y(below + n))
                        data-outcome=(class) data-calls=(n) {
                        title { (when) ": " (n) " " (words.to_lowercase()) }
                    }
                }
                @if (days.len() - 1 - i) % label_every == 0 {
                    text.tick x=(x + bar / 2.0) y=(top + plot_h + 16.0) text-anchor="middle" { (day_label(day.date, short)) }
                }
            }
        }
        line.axis x1=(left) x2=(WIDTH - right) y1=(top + plot_h) y2=(top + plot_h) {}
        text.axis-label x=(left + plot_w / 2.0) y=(height - 6.0) text-anchor="middle" { "Day (" (zone) ")" }
        text.axis-label transform={ "translate(11 " (top + plot_h / 2.0) ") rotate(-90)" } text-anchor="middle" { "Calls" }
    };
    frame("calls-by-day", "Calls a day by outcome", summary, height, body)
}

/// How dark a heat map cell is, from 0 (no calls) to 4 (the busiest hours).
pub fn heat_level(calls: u64, max: u64) -> u64 {
    if calls == 0 || max == 0 {
        0
    } else {
        (calls * 4).div_ceil(max).clamp(1, 4)
    }
}

/// The calls each shade stands for when the busiest hour had `max`: (level, first count,
/// last count), shades that no count takes left out.
pub fn heat_ranges(max: u64) -> Vec<(u64, u64, u64)> {
    (1..=4u64)
        .map(|level| (level, (level - 1) * max / 4 + 1, level * max / 4))
        .filter(|(_, from, to)| from <= to)
        .collect()
}

/// Busy hours of the week: weekdays down, local hours across, darker for more calls.
pub fn busy_hours(week: &[WeekdayHours], zone: &str, summary: &str) -> Markup {
    let (left, right, top) = (60.0, 4.0, 6.0);
    let (cell_w, cell_h) = ((WIDTH - left - right) / 24.0, 18.0);
    let grid_h = cell_h * 7.0;
    let height = top + grid_h + 46.0;
    let max = week.iter().flat_map(|d| d.hours.iter().copied()).max().unwrap_or(0);
    let body = html! {
        @for (row, (day, words)) in week.iter().zip(WEEKDAYS.map(day_name)).enumerate() {
            @let y = top + row as f64 * cell_h;
            text.tick x=(left - 5.0) y=(y + cell_h / 2.0 + 4.0) text-anchor="end" { (&words[..3]) }
            @for (hour, calls) in day.hours.iter().enumerate() {
                rect class={ "cell heat-" (heat_level(*calls, max)) } x=(left + hour as f64 * cell_w) y=(y)
                    width=(cell_w - 1.0) height=(cell_h - 1.0)
                    data-weekday=(day.weekday) data-hour=(hour) data-calls=(calls) {
                    title { (words) "s " (format!("{hour:02}:00")) " to " (format!("{:02}:00", (hour + 1) % 24)) ": " (calls) " calls" }
                }
            }
        }
        @for hour in (0..24).step_by(6) {
            text.tick x=(left + hour as f64 * cell_w) y=(top + grid_h + 16.0) text-anchor="start" { (format!("{hour:02}:00")) }
        }
        text.axis-label x=(left + 12.0 * cell_w) y=(height - 6.0) text-anchor="middle" { "Hour of the day (" (zone) ")" }
        text.axis-label transform={ "translate(11 " (top + grid_h / 2.0) ") rotate(-90)" } text-anchor="middle" { "Day of the week" }
    };
    frame("busy-hours", "Busy hours of the week", summary, height, body)
}

/// Each assistant rung in the period: the share of those calls they answered as a bar,
/// with the counts and mean time to answer in words above it.
pub fn answer_rates(assistants: &[&AssistantStats], summary: &str) -> Markup {
    let (left, right, top, row_h) = (4.0, 8.0, 4.0, 46.0);
    let plot_w = WIDTH - left - right;
    let rows_h = row_h * assistants.len() as f64;
    let height = top + rows_h + 44.0;
    let x = |share: f64| left + share.clamp(0.0, 1.0) * plot_w;
    let body = html! {
        g.grid {
            @for pct in [0u32, 25, 50, 75, 100] {
                @let at = x(f64::from(pct) / 100.0);
                line x1=(at) x2=(at) y1=(top) y2=(top + rows_h) {}
                text.tick x=(at) y=(top + rows_h + 16.0)
                    text-anchor=(match pct { 0 => "start", 100 => "end", _ => "middle" }) { (pct) "%" }
            }
        }
        @for (i, a) in assistants.iter().enumerate() {
            @let y = top + i as f64 * row_h;
            g.assistant data-assistant=(a.assistant) data-rung=(a.rung) data-answered=(a.answered) {
                text.name x=(left) y=(y + 15.0) { (a.name) }
                text.tick x=(WIDTH - right) y=(y + 15.0) text-anchor="end" {
                    (a.answered) " of " (a.rung)
                    @if let Some(wait) = a.mean_seconds_to_answer { ", after " (seconds(wait)) }
                }
                rect.bar.rate x=(left) y=(y + 22.0) width=(x(a.answer_rate) - left) height="16" data-rate=(a.answer_rate) {
                    title { (a.name) " answered " (percent(a.answer_rate)) " of the calls that rang them" }
                }
            }
        }
        text.axis-label x=(left + plot_w / 2.0) y=(height - 6.0) text-anchor="middle" { "Share of the calls that rang them, answered" }
    };
    frame("answer-rates", "Answer rate and time to answer", summary, height, body)
}

/// `0.75` as `75%`.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A short wait in words: `8 s`, `1 min 5 s`.
pub fn seconds(s: f64) -> String {
    let s = s.round().max(0.0) as u64;
    match s / 60 {
        0 => format!("{s} s"),
        m => format!("{m} min {} s", s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_are_round_with_at_most_five_steps() {
        assert_eq!(axis(0), (1, 1));
        assert_eq!(axis(4), (1, 4));
        assert_eq!(axis(7), (2, 8));
        assert_eq!(axis(23), (5, 25));
        assert_eq!(axis(480), (100, 500));
    }

    #[test]
    fn the_four_shades_cover_every_count_once() {
        assert_eq!(heat_level(0, 9), 0);
        assert_eq!(heat_level(9, 9), 4);
        assert_eq!(heat_ranges(9), [(1, 1, 2), (2, 3, 4), (3, 5, 6), (4, 7, 9)]);
        assert_eq!(heat_ranges(2), [(2, 1, 1), (4, 2, 2)]);
        for max in 1..50 {
            for n in 1..=max {
                let level = heat_level(n, max);
                let covering: Vec<_> = heat_ranges(max)
                    .into_iter()
                    .filter(|(_, a, b)| (*a..=*b).contains(&n))
                    .collect();
                assert_eq!(covering.len(), 1, "{n} of {max}");
                assert_eq!(covering[0].0, level, "{n} of {max}");
            }
        }
    }

    #[test]
    fn waits_read_in_seconds_and_minutes() {
        assert_eq!(seconds(8.4), "8 s");
        assert_eq!(seconds(65.0), "1 min 5 s");
        assert_eq!(percent(0.755), "76%");
    }
}
