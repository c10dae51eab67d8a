//! One opening window, `"HH:MM-HH:MM"` in local time: its syntax, parsing and display.
//! An end at or before the start runs past midnight into the next day.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::DAY_SECS;

/// Why a window string was rejected. Messages are shown to admins as they are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("expected HH:MM-HH:MM, got {0:?}")]
    Malformed(String),
    #[error("hour out of range in {0:?}: use 00-23, or 24:00 as an end")]
    HourOutOfRange(String),
    #[error("minute out of range in {0:?}: use 00-59")]
    MinuteOutOfRange(String),
    #[error("empty window {0}: use 00:00-24:00 for a whole day")]
    Empty(String),
}

/// The end of a [`Window`]. `NaiveTime` cannot hold 24:00, and "until midnight" must
/// stay distinguishable from "until 00:00" when printed back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WindowEnd {
    /// A clock time; at or before the start it is on the next day (overnight).
    At(NaiveTime),
    /// 24:00: the end of the day the window starts on.
    EndOfDay,
}

impl WindowEnd {
    fn secs(self) -> u32 {
        match self {
            WindowEnd::At(t) => t.num_seconds_from_midnight(),
            WindowEnd::EndOfDay => DAY_SECS,
        }
    }
}

/// A local wall-clock window "HH:MM-HH:MM". `end <= start` means it runs past midnight
/// into the next day; it still belongs to the day it starts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Window {
    pub start: NaiveTime,
    pub end: WindowEnd,
}

impl Window {
    /// A window from `start` to `end`.
    ///
    /// # Errors
    /// [`WindowError::Empty`] when `end` equals `start`: a whole day is `00:00-24:00`.
    pub fn new(start: NaiveTime, end: WindowEnd) -> Result<Self, WindowError> {
        let window = Window { start, end };
        if end == WindowEnd::At(start) {
            return Err(WindowError::Empty(window.to_string()));
        }
        Ok(window)
    }

    /// True when part of the window falls on the next day.
    #[must_use]
    pub fn is_overnight(&self) -> bool {
        self.end_offset() > DAY_SECS
    }

    /// The window's local start and end on `day`; `None` only at the end of the calendar.
    /// Built from dates and times rather than by adding seconds: this runs for every
    /// window looked at in a decision.
    pub(super) fn local_span(&self, day: NaiveDate) -> Option<(NaiveDateTime, NaiveDateTime)> {
        let end = match self.end {
            WindowEnd::At(t) if t > self.start => day.and_time(t),
            WindowEnd::At(t) => day.succ_opt()?.and_time(t),
            WindowEnd::EndOfDay => day.succ_opt()?.and_time(NaiveTime::MIN),
        };
        Some((day.and_time(self.start), end))
    }

    /// Seconds from the start day's midnight to the end; past 86 400 when overnight.
    pub fn end_offset(&self) -> u32 {
        let (start, end) = (self.start.num_seconds_from_midnight(), self.end.secs());
        if end > start {
            end
        } else {
            end + DAY_SECS
        }
    }
}

impl FromStr for Window {
    type Err = WindowError;

    fn from_str(s: &str) -> Result<Self, WindowError> {
        let (start, end) = s.split_once('-').ok_or_else(|| WindowError::Malformed(s.to_owned()))?;
        let (start, end) = (start.trim(), end.trim());
        let start = match parse_hh_mm(start, s)? {
            (24, _) => return Err(WindowError::HourOutOfRange(start.to_owned())),
            (h, m) => hm(h, m),
        };
        let end = match parse_hh_mm(end, s)? {
            (24, _) => WindowEnd::EndOfDay,
            (h, m) => WindowEnd::At(hm(h, m)),
        };
        Window::new(start, end)
    }
}

/// Parses "HH:MM" (two digits each) into numbers, allowing only 24:00 past 23:59.
fn parse_hh_mm(part: &str, whole: &str) -> Result<(u32, u32), WindowError> {
    let two_digits = |x: &str| x.len() == 2 && x.bytes().all(|b| b.is_ascii_digit());
    let (h, m) = part
        .split_once(':')
        .filter(|(h, m)| two_digits(h) && two_digits(m))
        .and_then(|(h, m)| Some((h.parse::<u32>().ok()?, m.parse::<u32>().ok()?)))
        .ok_or_else(|| WindowError::Malformed(whole.to_owned()))?;
    if h > 24 || (h == 24 && m != 0) {
        return Err(WindowError::HourOutOfRange(part.to_owned()));
    }
    if m > 59 {
        return Err(WindowError::MinuteOutOfRange(part.to_owned()));
    }
    Ok((h, m))
}

/// A time from an hour and minute already checked by `parse_hh_mm`.
fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-", self.start.format("%H:%M"))?;
        match self.end {
            WindowEnd::At(t) => write!(f, "{}", t.format("%H:%M")),
            WindowEnd::EndOfDay => f.write_str("24:00"),
        }
    }
}

// Windows travel as their string form in rule files and in the `simulate` output.
impl Serialize for Window {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Window {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}
