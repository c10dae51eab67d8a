//! How people near a business write its times: in its zone, and on a 12-hour clock
//! ("2:30 PM") where their country's usual clock is one, else on a 24-hour clock ("14:30").
//!
//! The country is the region of the rules' `language` (`en-GB`), else that of the
//! business's first number. Which countries use a 12-hour clock is CLDR's time data
//! (`timeData`, the preferred hour cycle `h`), for the countries a business on Twilio is
//! likely to be in.

use chrono::{DateTime, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::routing::Rules;

/// Countries (ISO 3166) whose preferred clock is the 12-hour one in CLDR's time data.
const TWELVE_HOUR_COUNTRIES: &[&str] = &[
    "AE", "AS", "AU", "BD", "CA", "CO", "EG", "GU", "HK", "IN", "JO", "KR", "MP", "MY", "NZ", "PH", "PK", "PR", "SA",
    "SG", "TW", "US", "VI",
];

/// A business's zone and clock, to write its times as people there do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    pub tz: Tz,
    pub twelve_hour: bool,
}

impl LocalTime {
    /// For a client no longer served: UTC, on a 24-hour clock.
    pub const UTC: Self = Self {
        tz: Tz::UTC,
        twelve_hour: false,
    };

    pub fn of(rules: &Rules) -> Self {
        let country = (rules.speech.language.as_deref())
            .and_then(|l| l.split(['-', '_']).nth(1))
            .map(str::to_ascii_uppercase)
            .or_else(|| {
                let first = rules.numbers.first()?;
                let number = phonenumber::parse(None, first.as_str()).ok()?;
                number.country().id().map(|c| format!("{c:?}"))
            });
        Self {
            tz: rules.timezone,
            twelve_hour: country.is_some_and(|c| TWELVE_HOUR_COUNTRIES.contains(&c.as_str())),
        }
    }

    /// "Tue 1 Dec 2026, 2:30 PM EST" (or "…, 14:30 GMT"): an instant in full, with its zone.
    pub fn full(&self, t: DateTime<Utc>) -> String {
        let at = t.with_timezone(&self.tz);
        format!(
            "{}, {} {}",
            at.format("%a %-d %b %Y"),
            self.clock(at.time()),
            at.format("%Z")
        )
    }

    /// "Tue 1 Dec 2026, 2:30 PM EST": a time on the business's clock, with its zone ("…,
    /// 2:30 AM New York time" for a time the clocks skip, which has no abbreviation).
    pub fn naive_with_zone(&self, at: NaiveDateTime) -> String {
        self.instant(at).map_or_else(
            || format!("{} {}", self.naive(at), zone_words(self.tz)),
            |t| self.full(t),
        )
    }

    /// "Tue 2:30 PM": an instant within the coming week, for a text message.
    pub fn weekday_and_time(&self, t: DateTime<Utc>) -> String {
        let at = t.with_timezone(&self.tz);
        format!("{} {}", at.format("%a"), self.clock(at.time()))
    }

    /// "Tue 1 Dec 2026, 2:30 PM": a local time already in the business's zone.
    pub fn naive(&self, at: NaiveDateTime) -> String {
        format!("{}, {}", at.format("%a %-d %b %Y"), self.clock(at.time()))
    }

    /// The instant a time on the business's clock names: the earlier of the two in the hour
    /// the clocks go back; `None` for a time the clocks skip when they go forward.
    pub fn instant(&self, at: NaiveDateTime) -> Option<DateTime<Utc>> {
        use chrono::TimeZone;
        let local = self.tz.from_local_datetime(&at).earliest()?;
        Some(local.with_timezone(&Utc))
    }

    /// "2:30 PM" or "14:30".
    pub fn clock(&self, t: NaiveTime) -> String {
        if self.twelve_hour {
            t.format("%-I:%M %p").to_string()
        } else {
            t.format("%H:%M").to_string()
        }
    }
}

/// `New York time`: the zone as people say it.
pub fn zone_words(tz: Tz) -> String {
    let place = tz.name().rsplit('/').next().unwrap_or_default().replace('_', " ");
    format!("{place} time")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(extra: &str, number: &str) -> Rules {
        let text = format!(
            "client = \"c\"\nname = \"C\"\nnumbers = [\"{number}\"]\ntimezone = \"America/New_York\"\n{extra}\n\
             [open]\nthen = [\"voicemail\"]\n[voicemail]\ngreeting = \"Hi\"\n"
        );
        crate::routing::parse(&text).unwrap()
    }

    #[test]
    fn a_us_business_reads_a_12_hour_clock_and_a_british_one_a_24_hour_clock() {
        let at: DateTime<Utc> = "2026-12-01T19:05:00Z".parse().unwrap();
        let us = LocalTime::of(&rules("", "+12125550100"));
        assert!(us.twelve_hour);
        assert_eq!(us.full(at), "Tue 1 Dec 2026, 2:05 PM EST");
        assert_eq!(us.weekday_and_time(at), "Tue 2:05 PM");
        let uk = LocalTime::of(&rules("", "+442079460123"));
        assert!(!uk.twelve_hour);
        assert_eq!(uk.clock(NaiveTime::from_hms_opt(9, 5, 0).unwrap()), "09:05");
    }

    #[test]
    fn a_time_on_the_business_clock_is_written_with_its_zone_as_people_read_it() {
        let us = LocalTime::of(&rules("", "+12125550100"));
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(
            us.naive_with_zone(at("2026-12-01T10:00")),
            "Tue 1 Dec 2026, 10:00 AM EST"
        );
        assert_eq!(
            us.naive_with_zone(at("2026-03-08T02:30")),
            "Sun 8 Mar 2026, 2:30 AM New York time",
            "the hour the clocks skip"
        );
    }

    #[test]
    fn the_language_s_region_comes_before_the_number_s_country() {
        let british_language = rules("language = \"en-GB\"", "+12125550100");
        assert!(!LocalTime::of(&british_language).twelve_hour);
        let australian = rules("language = \"en-AU\"", "+442079460123");
        assert!(LocalTime::of(&australian).twelve_hour);
    }
}
