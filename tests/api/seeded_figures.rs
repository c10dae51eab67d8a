//! A few days of Acme's calls and texts at known instants, made through the normal webhooks
//! and the API, around the end of daylight saving time in New York (Sunday 1 November 2026,
//! when 01:00 to 02:00 comes twice): what the figures' API and browser tests count.
//!
//! In Acme's zone, from Saturday 31 October to Monday 2 November:
//! - Saturday 22:15 (already Sunday in UTC): a voicemail;
//! - Sunday 01:30 (summer time): a voicemail; 01:30 again (winter time): a caller who hung
//!   up, missed; 15:00: a call still at the greeting, not finished;
//! - Monday 10:00: Maria answers after 12 s, a 185 s call; 10:20: Maria does not answer,
//!   John answers 25 s after the call came in, a 95 s call; 14:00 a call the office placed;
//! - texts: three to one patient and one to another, sent through the API; each assistant
//!   gets an alert for each voicemail and the missed call.
//!
//! Outside those days: a voicemail on Friday 30 October 23:50 and a missed call on Tuesday
//! 3 November 00:10, where the clock is left.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

/// Saturday 31 October, 00:00 in New York.
pub const SINCE: &str = "2026-10-31T04:00:00Z";
/// Tuesday 3 November, 00:00 in New York.
pub const UNTIL: &str = "2026-11-03T05:00:00Z";
pub const PATIENT: &str = "+12125550177";
pub const OTHER_PATIENT: &str = "+13475550123";

fn at(instant: &str) -> DateTime<Utc> {
    instant.parse().unwrap()
}

/// Starts the app on Friday evening with the fake Twilio sending its texts.
pub async fn spawn(fake: &FakeTwilio) -> TestApp {
    let app = spawn_with(Options {
        at: at("2026-10-31T03:50:00Z"),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let clock = app.clock.clone();
    fake.set_clock(move || switchboard::clock::Clock::now(&*clock));
    app
}

/// A call during open hours that `takers` answer in turn: each either lets it ring for
/// the given seconds (`None`) or accepts it after them; then it ends after `seconds`.
async fn rung(app: &TestApp, call: &str, takers: &[(u64, bool)], seconds: &str) {
    let mut twiml = app.call(call, ACME).await;
    for (step, (wait, accepts)) in takers.iter().enumerate() {
        let screen = twiml.first("Number").attr("url").unwrap().to_owned();
        let action = twiml.first("Dial").attr("action").unwrap().to_owned();
        let child = format!("CA{}{step}", &call[3..]);
        app.advance(*wait as i64);
        if *accepts {
            let accept = [("CallSid", child.as_str()), ("ParentCallSid", call), ("Digits", "1")];
            app.post(&screen, &accept).await;
        }
        let result = if *accepts { "completed" } else { "no-answer" };
        twiml = app.dial_result(&action, call, ACME, result, &child).await;
    }
    let ended = [
        ("CallSid", call),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("Direction", "inbound"),
        ("CallDuration", seconds),
    ];
    assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
}

pub async fn seed(app: &TestApp, token: &str) {
    let clock = |instant: &str| app.clock.set(at(instant));
    // Friday 23:50, before the period.
    voicemail(
        app,
        "CA000000000000000000000000000fa001",
        "RE000000000000000000000000000fa001",
        "10",
    )
    .await;
    clock("2026-11-01T02:15:00Z");
    voicemail(
        app,
        "CA000000000000000000000000000fa002",
        "RE000000000000000000000000000fa002",
        "20",
    )
    .await;
    clock("2026-11-01T05:30:00Z");
    voicemail(
        app,
        "CA000000000000000000000000000fa003",
        "RE000000000000000000000000000fa003",
        "30",
    )
    .await;
    clock("2026-11-01T06:30:00Z");
    hang_up_during_greeting(app, "CA000000000000000000000000000fa004").await;
    clock("2026-11-01T20:00:00Z");
    app.call("CA000000000000000000000000000fa005", ACME)
        .await
        .assert_twiml();
    clock("2026-11-02T15:00:00Z");
    rung(app, "CA000000000000000000000000000fa006", &[(12, true)], "185").await;
    clock("2026-11-02T15:20:00Z");
    rung(
        app,
        "CA000000000000000000000000000fa007",
        &[(20, false), (5, true)],
        "95",
    )
    .await;
    clock("2026-11-02T19:00:00Z");
    let placed = [
        ("CallSid", "CA000000000000000000000000000fa008"),
        ("From", ACME),
        ("To", PATIENT),
        ("CallStatus", "completed"),
        ("Direction", "outbound-api"),
        ("CallDuration", "60"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &placed).await.status, 204);
    for (to, times) in [(PATIENT, 3), (OTHER_PATIENT, 1)] {
        for n in 0..times {
            let text = json!({ "client": "acme-dental", "to": to, "body": format!("Reminder {n}") });
            let (status, body) = app.api("POST", "/api/twilio/send-sms", Some(token), Some(text)).await;
            assert_eq!(status, 202, "{body}");
        }
    }
    // Past every alert's wait for a transcript: everything queued is sent.
    clock("2026-11-03T05:10:00Z");
    hang_up_during_greeting(app, "CA000000000000000000000000000fa009").await;
    app.drain_outbox().await;
}
