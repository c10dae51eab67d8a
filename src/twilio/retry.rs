//! When to try a Twilio request again: exponential backoff with full jitter, `Retry-After`
//! parsing, and the attempt limit (docs/twilio.md, "Retry-After and backoff").
//!
//! Pure policy: the caller passes the attempt number, the random draw and the current time, so
//! every rule is a table test. It must not sleep, read a clock or decide *whether* an error is
//! worth retrying; `rest::SendError` says that.

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, Utc};

/// Attempts per notification before the outbox gives up. The eleven waits between them add up to
/// at most about 18.5 minutes of backoff (about 9 on average with full jitter), longer if Twilio
/// sends `Retry-After`: enough to ride out a short incident, short enough that an alert is not
/// delivered hours after the call it reports.
pub const MAX_ATTEMPTS: u32 = 12;

/// The wait after the first failure, before jitter, unless `SWITCHBOARD_OUTBOX_BACKOFF_MS` says
/// otherwise.
pub const BASE: Duration = Duration::from_secs(1);
/// No backoff waits longer than this, however many attempts have failed.
const CAP: Duration = Duration::from_secs(5 * 60);
/// A `Retry-After` longer than this is treated as this: the alert would be stale by then anyway,
/// and a bogus header must not park a notification for days.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(60 * 60);

/// Full jitter ("Exponential Backoff and Jitter", AWS architecture blog, 2015):
/// `jitter * min(CAP, base * 2^attempt)`. `attempt` counts from 0 for the wait after the first
/// failure; `jitter` is a uniform draw from [0, 1] (clamped there; NaN counts as 0).
pub fn backoff(base: Duration, attempt: u32, jitter: f64) -> Duration {
    let ceiling = base.saturating_mul(2u32.saturating_pow(attempt)).min(CAP);
    let jitter = if jitter.is_nan() { 0.0 } else { jitter.clamp(0.0, 1.0) };
    ceiling.mul_f64(jitter)
}

/// The delay a `Retry-After` header asks for (RFC 9110 §10.2.3): delta-seconds or an HTTP-date
/// in any of the three formats recipients must accept. A date in the past, or a negative number
/// (invalid, but seen), means "now": zero. Anything over an hour is capped at an hour. `None`
/// when the value is neither form.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    let delay = match seconds(value) {
        Some(secs) => Duration::from_secs(secs.max(0).unsigned_abs()),
        None => http_date(value)?
            .signed_duration_since(now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    };
    Some(delay.min(RETRY_AFTER_CAP))
}

/// How long to wait before attempt `attempt + 1`: the backoff, or longer if Twilio asked for it.
pub fn next_attempt(base: Duration, attempt: u32, retry_after: Option<Duration>, jitter: f64) -> Duration {
    backoff(base, attempt, jitter).max(retry_after.unwrap_or(Duration::ZERO))
}

/// An optional '-' then digits; too many digits saturate rather than fail, since they only ever
/// mean "a very long time".
fn seconds(value: &str) -> Option<i64> {
    let digits = value.strip_prefix('-').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.parse::<i64>().unwrap_or(i64::MAX);
    Some(if value.starts_with('-') { -magnitude } else { magnitude })
}

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), then the obsolete RFC 850
/// (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`) forms.
fn http_date(value: &str) -> Option<DateTime<Utc>> {
    if let Ok(date) = DateTime::parse_from_rfc2822(value) {
        return Some(date.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(value, format).ok())
        .map(|naive| naive.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 10, 12, 0, 0).unwrap()
    }

    #[test]
    fn backoff_doubles_from_one_second_up_to_five_minutes_scaled_by_jitter() {
        let cases = [
            (0, 1.0, Duration::from_secs(1)),
            (1, 1.0, secs(2)),
            (3, 1.0, secs(8)),
            (8, 1.0, secs(256)),
            (9, 1.0, secs(300)),
            (40, 1.0, secs(300)),
            (u32::MAX, 1.0, secs(300)),
            (3, 0.5, secs(4)),
            (9, 0.25, secs(75)),
            (5, 0.0, Duration::ZERO),
        ];
        for (attempt, jitter, expected) in cases {
            assert_eq!(
                backoff(BASE, attempt, jitter),
                expected,
                "attempt {attempt}, jitter {jitter}"
            );
        }
    }

    #[test]
    fn twelve_attempts_wait_at_most_about_eighteen_and_a_half_minutes_between_them() {
        let worst: Duration = (0..MAX_ATTEMPTS - 1).map(|attempt| backoff(BASE, attempt, 1.0)).sum();
        assert_eq!(worst, secs(1111));
    }

    #[test]
    fn a_shorter_base_scales_every_wait_but_not_the_cap() {
        let base = Duration::from_millis(100);
        assert_eq!(backoff(base, 0, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(base, 4, 0.5), Duration::from_millis(800));
        assert_eq!(backoff(base, 30, 1.0), secs(300));
    }

    #[test]
    fn jitter_outside_zero_to_one_is_clamped_and_nan_waits_nothing() {
        assert_eq!(backoff(BASE, 2, 7.0), secs(4));
        assert_eq!(backoff(BASE, 2, -1.0), Duration::ZERO);
        assert_eq!(backoff(BASE, 2, f64::NAN), Duration::ZERO);
        assert_eq!(backoff(BASE, 2, f64::INFINITY), secs(4));
    }

    #[test]
    fn retry_after_reads_seconds_and_every_http_date_form() {
        let cases = [
            ("0", Some(Duration::ZERO)),
            ("1", Some(secs(1))),
            (" 120 ", Some(secs(120))),
            ("3600", Some(secs(3600))),
            ("Tue, 10 Mar 2026 12:00:30 GMT", Some(secs(30))),
            ("Tuesday, 10-Mar-26 12:01:00 GMT", Some(secs(60))),
            ("Tue Mar 10 12:00:05 2026", Some(secs(5))),
            ("Tue, 10 Mar 2026 13:00:00 +0100", Some(Duration::ZERO)),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now()), expected, "{value:?}");
        }
    }

    #[test]
    fn retry_after_in_the_past_or_negative_is_zero_and_absurd_values_are_capped_at_an_hour() {
        let hour = Some(secs(3600));
        let cases = [
            ("-5", Some(Duration::ZERO)),
            ("Mon, 09 Mar 2026 12:00:00 GMT", Some(Duration::ZERO)),
            ("3601", hour),
            ("99999999999999999999999", hour),
            ("Fri, 01 Jan 2100 00:00:00 GMT", hour),
        ];
        for (value, expected) in cases {
            assert_eq!(parse_retry_after(value, now()), expected, "{value:?}");
        }
    }

    #[test]
    fn retry_after_that_is_neither_seconds_nor_a_date_is_ignored() {
        for value in ["", "soon", "1.5", "+5", "-", "10s", "2026-03-10T12:00:30Z"] {
            assert_eq!(parse_retry_after(value, now()), None, "{value:?}");
        }
    }

    #[test]
    fn the_next_attempt_waits_for_the_longer_of_retry_after_and_backoff() {
        let cases = [
            (0, None, 1.0, secs(1)),
            (4, Some(secs(1)), 1.0, secs(16)),
            (0, Some(secs(30)), 1.0, secs(30)),
            (6, Some(secs(30)), 0.0, secs(30)),
            (10, Some(Duration::ZERO), 1.0, secs(300)),
        ];
        for (attempt, retry_after, jitter, expected) in cases {
            assert_eq!(
                next_attempt(BASE, attempt, retry_after, jitter),
                expected,
                "{attempt} {retry_after:?}"
            );
        }
    }
}
