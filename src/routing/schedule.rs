//! Business hours: whether a client is open at a given instant, in its IANA time zone.
//!
//! Owns the hours model (weekly windows, holidays, special days), the `"HH:MM-HH:MM"`
//! window syntax, and [`Hours::status_at`]. Pure: no clock, no I/O, no logging. The
//! instant is always an argument, so every schedule case is a plain unit test.
//!
//! Semantics (DESIGN.md, "Semantics that must be exact"):
//! - A window belongs to the local date it starts on. That date's effective rule
//!   (special day, then holiday, then weekday) decides whether the window exists,
//!   including its part past midnight: a holiday on the next day does not cut it.
//! - Each window occurrence becomes a span of instants `[start, end)`. A local time in
//!   a DST gap maps to the transition instant (the first instant whose local time is
//!   at or after it), so a window starting in the gap opens when the clock jumps. A
//!   local time in a repeat maps to its earliest instant for a start and its latest for
//!   an end, so "until 01:30" stays open through both 01:30s. Away from transitions
//!   this is exactly a naive wall-clock comparison.
//! - Spans that overlap or touch count as one opening when reporting `until`.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, MappedLocalTime, NaiveDate, NaiveDateTime, TimeDelta, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use serde::Serialize;

/// How far `next_open` and `until` look ahead. A year and a bit covers any annual
/// holiday pattern; past it we answer "never opens" / "no close in sight".
pub const HORIZON_DAYS: i64 = 400;

const DAY_SECS: u32 = 86_400;

/// Days looked at around an instant's local date: its own rules first, then yesterday's
/// overnight windows; the outer two only matter where a transition straddles midnight.
const AROUND: [i64; 4] = [0, -1, 1, -2];

mod window;

/// The days of the week in the order rule files, hours and figures list them, Monday first
/// (`[hours]`'s `weekly` is indexed in this order).
pub const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

pub use window::{Window, WindowEnd, WindowError};

/// A client's opening hours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hours {
    /// Index 0 = Monday … 6 = Sunday; empty = closed that weekday.
    pub weekly: [Vec<Window>; 7],
    /// Holidays: closed all day (a special day on the same date wins).
    pub closed: BTreeSet<NaiveDate>,
    /// Special days replace the weekday's windows; an empty list = closed that day.
    pub special: BTreeMap<NaiveDate, Vec<Window>>,
}

/// Which rule decided a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DayKind {
    Weekday(Weekday),
    Holiday,
    Special,
}

/// The answer to "are we open at this instant", with enough context to explain it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenStatus {
    pub open: bool,
    /// `now` in the business's zone.
    pub local: NaiveDateTime,
    /// The day whose rule decided: for an overnight window from yesterday, yesterday.
    pub day: NaiveDate,
    /// Which rule decided for `day`.
    pub kind: DayKind,
    /// The window we are in, when open.
    pub window: Option<Window>,
    /// When open: the instant the current opening closes (touching or overlapping
    /// windows chained). `None` while open means no close within [`HORIZON_DAYS`].
    pub until: Option<DateTime<Utc>>,
    /// When closed: the next instant it opens; `None` if not within [`HORIZON_DAYS`].
    pub next_open: Option<DateTime<Utc>>,
}

/// A window on one day that has started, with the instant it closes and the wall-clock
/// time that instant was resolved from.
#[derive(Debug, Clone, Copy)]
struct Occurrence {
    day: NaiveDate,
    kind: DayKind,
    window: Window,
    end: DateTime<Utc>,
    local_end: NaiveDateTime,
}

/// A window on one day that starts after the instant looked at. Its end stays local:
/// resolving it costs a time-zone lookup that only the earliest candidate pays.
#[derive(Debug, Clone, Copy)]
struct Upcoming {
    day: NaiveDate,
    start: DateTime<Utc>,
    end: NaiveDateTime,
}

/// How one window near an instant relates to it.
enum Nearby {
    Contains(Occurrence),
    Upcoming(Upcoming),
    Past,
}

impl Hours {
    /// The rule for `date` and its windows: a special day beats a holiday, which beats
    /// the weekday.
    #[must_use]
    pub fn effective(&self, date: NaiveDate) -> (DayKind, &[Window]) {
        if let Some(windows) = self.special.get(&date) {
            return (DayKind::Special, windows);
        }
        if self.closed.contains(&date) {
            return (DayKind::Holiday, &[]);
        }
        let weekday = date.weekday();
        let index = weekday.num_days_from_monday() as usize;
        (DayKind::Weekday(weekday), &self.weekly[index])
    }

    /// Whether any weekly or special window exists at all.
    #[must_use]
    pub fn has_open_window(&self) -> bool {
        self.weekly
            .iter()
            .chain(self.special.values())
            .any(|windows| !windows.is_empty())
    }

    /// Whether the business is open at `now`, in zone `tz`.
    #[must_use]
    pub fn status_at(&self, tz: Tz, now: DateTime<Utc>) -> OpenStatus {
        let local = now.with_timezone(&tz).naive_local();
        let today = local.date();
        // The next opening is searched from the same days the open check looks at, so
        // the starts still ahead are kept rather than looked up in the zone again.
        let mut upcoming = Vec::new();
        for nearby in self.nearby(tz, local, now) {
            match nearby {
                Nearby::Contains(current) => {
                    return OpenStatus {
                        open: true,
                        local,
                        day: current.day,
                        kind: current.kind,
                        window: Some(current.window),
                        until: self.chain_end(tz, current.end, current.local_end, now),
                        next_open: None,
                    }
                }
                Nearby::Upcoming(next) => upcoming.push(next),
                Nearby::Past => {}
            }
        }
        OpenStatus {
            open: false,
            local,
            day: today,
            kind: self.effective(today).0,
            window: None,
            until: None,
            next_open: self.next_open_after(tz, now, today, &upcoming),
        }
    }

    /// Every span on the days around the local date of `t` (`local`), in [`AROUND`]
    /// order, as it relates to `t`. Each side of a span costs a time-zone lookup, and
    /// one side is enough to rule a span out: an end at or before `t` makes it past, a
    /// start after `t` upcoming. So the side looked up first is the one that, going by
    /// the wall clock, most likely settles it: the end of a span that ended by `local`,
    /// the start of any other. Both are looked up only for a span that holds `t`, or
    /// where a transition made the wall clock mislead.
    fn nearby(&self, tz: Tz, local: NaiveDateTime, t: DateTime<Utc>) -> impl Iterator<Item = Nearby> + '_ {
        AROUND
            .into_iter()
            .filter_map(move |k| shift(local.date(), k))
            .flat_map(move |d| {
                let (kind, windows) = self.effective(d);
                windows.iter().filter_map(move |w| {
                    let (local_start, local_end) = w.local_span(d)?;
                    let end = if local_end <= local {
                        let end = to_instant(tz, local_end, Edge::End);
                        if end <= t {
                            return Some(Nearby::Past);
                        }
                        Some(end)
                    } else {
                        None
                    };
                    let start = to_instant(tz, local_start, Edge::Start);
                    if start > t {
                        return Some(Nearby::Upcoming(Upcoming {
                            day: d,
                            start,
                            end: local_end,
                        }));
                    }
                    let end = end.unwrap_or_else(|| to_instant(tz, local_end, Edge::End));
                    // A span a DST gap swallowed has `end <= start`, so it contains nothing.
                    Some(if t < end {
                        Nearby::Contains(Occurrence {
                            day: d,
                            kind,
                            window: *w,
                            end,
                            local_end,
                        })
                    } else {
                        Nearby::Past
                    })
                })
            })
    }

    /// Follows spans that overlap or touch `end` until one closes for good; `local_end`
    /// is the wall-clock time `end` was resolved from.
    ///
    /// A later local time never resolves to an earlier instant ([`to_instant`] is
    /// monotone for starts and for ends), so a span whose local end is at or before
    /// `local_end` closes by `end` and cannot hold it. Only spans that end later are
    /// looked up in the zone: on a day of one window, that is tomorrow's start, where
    /// looking up every span around `end` took five to seven lookups.
    fn chain_end(
        &self,
        tz: Tz,
        mut end: DateTime<Utc>,
        mut local_end: NaiveDateTime,
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let limit = now.checked_add_signed(TimeDelta::days(HORIZON_DAYS))?;
        while end <= limit {
            let day = end.with_timezone(&tz).date_naive();
            let later = AROUND
                .into_iter()
                .filter_map(|k| shift(day, k))
                .flat_map(|d| self.effective(d).1.iter().filter_map(move |w| w.local_span(d)))
                .filter(|&(_, span_end)| span_end > local_end)
                .filter(|&(start, _)| to_instant(tz, start, Edge::Start) <= end)
                .map(|(_, span_end)| (to_instant(tz, span_end, Edge::End), span_end))
                .filter(|&(instant, _)| end < instant)
                .max();
            match later {
                Some((instant, span_end)) => (end, local_end) = (instant, span_end),
                None => return Some(end),
            }
        }
        None
    }

    /// The earliest span start after `now`, searching day by day up to the horizon.
    /// `upcoming` holds the spans starting after `now` on the days [`Hours::nearby`]
    /// looked at (the two before `today` to the one after), in window order per day.
    fn next_open_after(
        &self,
        tz: Tz,
        now: DateTime<Utc>,
        today: NaiveDate,
        upcoming: &[Upcoming],
    ) -> Option<DateTime<Utc>> {
        let mut best = Earliest::default();
        let tomorrow = shift(today, 1);
        for day in (-2..=HORIZON_DAYS).map_while(|k| shift(today, k)) {
            // A later day's windows start later by the wall clock, and a later local time
            // never resolves to an earlier instant: none can open before the one found.
            if best.found.is_some() {
                break;
            }
            if tomorrow.is_some_and(|last| day <= last) {
                for span in upcoming.iter().filter(|span| span.day == day) {
                    best.offer(tz, *span);
                }
                continue;
            }
            for (start, end) in self.effective(day).1.iter().filter_map(|w| w.local_span(day)) {
                let start = to_instant(tz, start, Edge::Start);
                if start > now {
                    best.offer(tz, Upcoming { day, start, end });
                }
            }
        }
        best.found
    }
}

/// The earliest opening seen so far.
#[derive(Default)]
struct Earliest {
    found: Option<DateTime<Utc>>,
}

impl Earliest {
    /// Takes `span` if it starts earlier and really opens. Only such a candidate pays
    /// for its end: a span a DST gap swallowed never opens.
    fn offer(&mut self, tz: Tz, span: Upcoming) {
        if self.found.is_some_and(|t| span.start >= t) {
            return;
        }
        if span.start < to_instant(tz, span.end, Edge::End) {
            self.found = Some(span.start);
        }
    }
}

fn shift(day: NaiveDate, days: i64) -> Option<NaiveDate> {
    day.checked_add_signed(TimeDelta::days(days))
}

/// The instant a local day begins: its midnight, or where a DST change skips midnight, the
/// first instant of the day.
pub fn day_start(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    to_instant(tz, day.and_time(chrono::NaiveTime::MIN), Edge::Start)
}

/// Which side of a window a local time is, deciding how a repeated time maps.
#[derive(Debug, Clone, Copy)]
enum Edge {
    Start,
    End,
}

/// Maps a local time to an instant: in a repeat the earliest for a start and the latest
/// for an end (wall-clock "until 01:30" covers both 01:30s); in a gap the transition.
fn to_instant(tz: Tz, local: NaiveDateTime, edge: Edge) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => t.to_utc(),
        MappedLocalTime::Ambiguous(a, b) => match edge {
            Edge::Start => a.min(b).to_utc(),
            Edge::End => a.max(b).to_utc(),
        },
        MappedLocalTime::None => transition_after(tz, local),
    }
}

/// For a local time inside a DST gap, the first instant whose local time is at or after
/// it: the instant the clock jumps. chrono-tz does not expose transitions, so bracket the
/// gap with valid local times and bisect on whole seconds (offsets are whole seconds).
fn transition_after(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    // 15-minute steps for up to two days: real gaps are 30 minutes to a whole day.
    let step = TimeDelta::minutes(15);
    let valid = |sign: i32| {
        (1..=192).find_map(|i| {
            let probe = local.checked_add_signed(step * (sign * i))?;
            let mapped = tz.from_local_datetime(&probe);
            if sign < 0 {
                mapped.latest()
            } else {
                mapped.earliest()
            }
        })
    };
    let (Some(before), Some(after)) = (valid(-1), valid(1)) else {
        // No zone has a gap this long; reading the time as UTC keeps us total.
        return local.and_utc();
    };
    let (mut lo, mut hi) = (before.to_utc(), after.to_utc());
    while hi - lo > TimeDelta::seconds(1) {
        let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
        if mid.with_timezone(&tz).naive_local() >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    hi
}

#[cfg(test)]
mod tests;
