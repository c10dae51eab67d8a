//! Voicemail and missed-call alerts through the outbox to a fake Twilio over HTTP.

use std::time::Duration;

use crate::fake_twilio::{FakeTwilio, Step};
use crate::helpers::*;

/// `CALLER` as the alerts write it: 555 is no area code, so libphonenumber gives it no
/// country and writes it in international form.
const CALLER_WRITTEN: &str = "+1 555-765-4321";
const MARIA: &str = "+12125550111";
const JOHN: &str = "+12125550112";

/// The app at 8 p.m. in New York, after Acme's hours, on the fake Twilio.
pub async fn spawn_after_hours(fake: &FakeTwilio) -> TestApp {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    share_clock(fake, &app);
    app
}

/// The fake stamps messages with the app's (test) time, as Twilio would with the real one.
pub fn share_clock(fake: &FakeTwilio, app: &TestApp) {
    let clock = app.clock.clone();
    fake.set_clock(move || switchboard::clock::Clock::now(&*clock));
}

fn bodies_to(fake: &FakeTwilio, to: &str) -> Vec<String> {
    fake.accepted()
        .into_iter()
        .filter(|m| m.to == to)
        .map(|m| m.body)
        .collect()
}

#[tokio::test]
async fn a_voicemail_alerts_each_assistant_once_and_the_late_transcript_follows() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let call = "CA0000000000000000000000000000a001";
    let rec = "RE0000000000000000000000000000a001";
    let (_, _, transcription) = voicemail(&app, call, rec, "14").await;

    app.drain_outbox().await;
    assert!(fake.accepted().is_empty(), "the alert waits for the transcript");
    app.advance(31);
    app.drain_outbox().await;
    let first = bodies_to(&fake, MARIA);
    assert_eq!(first.len(), 1);
    assert!(
        first[0].starts_with(&format!(
            "Voicemail for Acme Dental from {CALLER_WRITTEN} (14 s). Listen: {PUBLIC_URL}/l/"
        )),
        "{first:?}"
    );
    assert_eq!(bodies_to(&fake, JOHN).len(), 1);
    let sent = &fake.accepted()[0];
    assert_eq!(sent.from, ACME);
    assert_eq!(
        sent.status_callback.as_deref(),
        Some(format!("{PUBLIC_URL}/twilio/sms/status").as_str())
    );

    transcript(
        &app,
        &transcription,
        call,
        rec,
        "Hi, it's Sam. Please call me back about Friday.",
    )
    .await;
    app.drain_outbox().await;
    let maria = bodies_to(&fake, MARIA);
    assert_eq!(maria.len(), 2);
    assert!(
        maria[1].contains("\"Hi, it's Sam. Please call me back about Friday.\""),
        "{maria:?}"
    );
    assert_eq!(bodies_to(&fake, JOHN).len(), 2);
}

#[tokio::test]
async fn a_transcript_within_the_wait_makes_one_message() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (call, rec) = (
        "CA0000000000000000000000000000a002",
        "RE0000000000000000000000000000a002",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "9").await;
    app.advance(10);
    transcript(&app, &transcription, call, rec, "Running late, see you at 3.").await;
    app.drain_outbox().await;
    let maria = bodies_to(&fake, MARIA);
    assert_eq!(maria.len(), 1, "{maria:?}");
    assert!(
        maria[0].contains("(9 s): \"Running late, see you at 3.\" Listen:"),
        "{maria:?}"
    );
    app.advance(60);
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 2, "one message per assistant, nothing more");
}

#[tokio::test]
async fn the_same_callbacks_three_times_change_nothing() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (call, rec) = (
        "CA0000000000000000000000000000a003",
        "RE0000000000000000000000000000a003",
    );
    let (done, status, transcription) = voicemail(&app, call, rec, "20").await;
    let recording = [
        ("CallSid", call),
        ("RecordingSid", rec),
        ("RecordingStatus", "completed"),
        ("RecordingDuration", "20"),
    ];
    for _ in 0..3 {
        app.post(&done, &recording).await;
        app.post(&status, &recording).await;
        transcript(&app, &transcription, call, rec, "Hello there").await;
        app.drain_outbox().await;
    }
    app.advance(120);
    app.drain_outbox().await;
    assert_eq!(bodies_to(&fake, MARIA).len(), 1, "{:?}", fake.accepted());
    assert_eq!(bodies_to(&fake, JOHN).len(), 1);
    assert_eq!(app.outbox("acme-dental").await.len(), 2);
}

#[tokio::test]
async fn throttling_and_outages_are_retried_and_delivered_once() {
    let fake = FakeTwilio::start().await;
    fake.script(vec![
        Step::Status {
            status: 429,
            code: Some(20429),
            retry_after: Some("7"),
        },
        Step::Status {
            status: 503,
            code: None,
            retry_after: None,
        },
        Step::AcceptThenHang(Duration::from_secs(3)),
    ]);
    let app = spawn_after_hours(&fake).await;
    let (call, rec) = (
        "CA0000000000000000000000000000a004",
        "RE0000000000000000000000000000a004",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "5").await;
    transcript(&app, &transcription, call, rec, "Call me").await;

    app.drain_outbox().await; // maria: 429, john: 503
    let rows = app.outbox("acme-dental").await;
    assert!(rows.iter().all(|r| r.state == "pending" && r.attempts == 1), "{rows:?}");
    let maria = rows.iter().find(|r| r.to_number == MARIA).unwrap();
    assert!(
        maria.send_at >= app.clock_now() + chrono::Duration::seconds(7),
        "Retry-After is honoured"
    );

    app.advance(400);
    app.drain_outbox().await; // one of them: accepted, then the answer never comes (ambiguous); the other sent
    app.advance(400);
    app.drain_outbox().await; // the ambiguous one is found in Twilio's list, not sent again
    assert_eq!(bodies_to(&fake, MARIA).len(), 1, "{:?}", fake.accepted());
    assert_eq!(bodies_to(&fake, JOHN).len(), 1);
    let rows = app.outbox("acme-dental").await;
    assert!(rows.iter().all(|r| r.state == "sent"), "{rows:?}");
}

#[tokio::test]
async fn permanent_errors_are_not_retried_and_an_opt_out_is_recorded() {
    let fake = FakeTwilio::start().await;
    fake.script(vec![
        Step::Status {
            status: 400,
            code: Some(21211),
            retry_after: None,
        },
        Step::Status {
            status: 400,
            code: Some(21610),
            retry_after: None,
        },
    ]);
    let app = spawn_after_hours(&fake).await;
    voicemail(
        &app,
        "CA0000000000000000000000000000a005",
        "RE0000000000000000000000000000a005",
        "1",
    )
    .await;
    app.drain_outbox().await;
    app.advance(3600);
    app.drain_outbox().await;
    assert_eq!(fake.requests(), 2, "no retry");
    let rows = app.outbox("acme-dental").await;
    let codes: Vec<(String, Option<i64>)> = rows.iter().map(|r| (r.state.clone(), r.error_code)).collect();
    assert_eq!(
        codes,
        [("failed".to_owned(), Some(21211)), ("failed".to_owned(), Some(21610))]
    );
    assert!(switchboard::store::messages::is_opted_out(&app.db, "acme-dental", JOHN)
        .await
        .unwrap());
}

#[tokio::test]
async fn pending_alerts_survive_a_restart() {
    let fake = FakeTwilio::start().await;
    let database = crate::database::TestDb::new().await;
    let options = || Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        database: Some(database.url.clone()),
        ..Options::default()
    };
    let first = spawn_with(options()).await;
    voicemail(
        &first,
        "CA0000000000000000000000000000a006",
        "RE0000000000000000000000000000a006",
        "1",
    )
    .await;
    drop(first);
    let second = spawn_with(options()).await;
    second.advance(31);
    second.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 2);
}

#[tokio::test]
async fn a_missed_call_alerts_the_assistants_unless_a_voicemail_follows() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let status = |call: &'static str| {
        [
            ("CallSid", call),
            ("From", CALLER),
            ("To", ACME),
            ("CallStatus", "completed"),
            ("CallDuration", "4"),
        ]
    };
    // Hung up during the greeting.
    app.call("CA0000000000000000000000000000a007", ACME).await;
    app.post("/twilio/voice/status", &status("CA0000000000000000000000000000a007"))
        .await;
    // Final status first, voicemail callback after it.
    app.call("CA0000000000000000000000000000a008", ACME).await;
    app.post("/twilio/voice/status", &status("CA0000000000000000000000000000a008"))
        .await;
    let (done, ..) = ("/twilio/voice/voicemail?client=acme-dental&kind=voicemail", 0);
    app.post(
        done,
        &[
            ("CallSid", "CA0000000000000000000000000000a008"),
            ("From", CALLER),
            ("To", ACME),
            ("RecordingSid", "RE0000000000000000000000000000a008"),
            ("RecordingUrl", "https://x/RE0000000000000000000000000000a008"),
            ("RecordingDuration", "1"),
        ],
    )
    .await;

    app.advance(60);
    app.drain_outbox().await;
    let missed: Vec<String> = fake
        .accepted()
        .into_iter()
        .map(|m| m.body)
        .filter(|b| b.starts_with("Missed call"))
        .collect();
    assert_eq!(
        missed.len(),
        2,
        "one per assistant, only for the call without a voicemail: {:?}",
        fake.accepted()
    );
    assert!(
        missed[0].contains(CALLER_WRITTEN),
        "the caller written as people near the business write it: {}",
        missed[0]
    );
}

#[tokio::test]
async fn a_transcript_that_never_comes_is_marked_missing_and_nothing_waits_for_it() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (call, rec) = (
        "CA0000000000000000000000000000a009",
        "RE0000000000000000000000000000a009",
    );
    voicemail(&app, call, rec, "12").await;
    let pending = app.call_detail(call).await.recordings[0].transcription_status.clone();
    assert_eq!(pending.as_deref(), Some("pending"));
    app.advance(31);
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 2, "the alerts went out without the transcript");
    app.advance(15 * 60);
    assert_eq!(
        switchboard::messaging::worker::sweep(&app.state.worker).await.unwrap(),
        1
    );
    let status = app.call_detail(call).await.recordings[0].transcription_status.clone();
    assert_eq!(status.as_deref(), Some("missing"));
}

#[tokio::test]
async fn a_failed_transcript_releases_the_waiting_alert_at_once() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (call, rec) = (
        "CA0000000000000000000000000000a010",
        "RE0000000000000000000000000000a010",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "12").await;
    let failed = [
        ("CallSid", call),
        ("RecordingSid", rec),
        ("TranscriptionSid", "TR00000000000000000000000000000002"),
        ("TranscriptionStatus", "failed"),
        ("TranscriptionText", ""),
    ];
    assert_eq!(app.post(&transcription, &failed).await.status, 204);
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 2, "no 30 s wait for a transcript that failed");
    assert_eq!(
        app.call_detail(call).await.recordings[0]
            .transcription_status
            .as_deref(),
        Some("failed")
    );
}

#[tokio::test]
async fn the_daily_summary_is_texted_once_after_its_time_with_the_voicemails_not_handled() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 17, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    share_clock(&fake, &app);
    let token = app.admin_token(None).await;
    let text = std::fs::read_to_string(example_rules().join("acme-dental.toml")).unwrap();
    let edited = text.replace(
        "transcript_wait_seconds = 30\n",
        "transcript_wait_seconds = 30\ndaily_summary = { at = \"18:00\", to = [\"maria\"] }\n",
    );
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&token),
            Some(serde_json::Value::String(edited)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    // Two voicemails after closing (17:00), one of them handled.
    app.advance(3600 - 120);
    voicemail(
        &app,
        "CA0000000000000000000000000000a901",
        "RE0000000000000000000000000000a901",
        "9",
    )
    .await;
    voicemail(
        &app,
        "CA0000000000000000000000000000a902",
        "RE0000000000000000000000000000a902",
        "9",
    )
    .await;
    let handled = serde_json::json!({ "handled": true });
    let url = "/api/calls/CA0000000000000000000000000000a901/handled";
    assert_eq!(app.api("PUT", url, Some(&token), Some(handled)).await.0, 204);

    let mut sent = switchboard::messaging::summary::Sent::default();
    let registry = &app.state.registry;
    switchboard::messaging::summary::send_due(&app.db, registry, &mut sent, app.clock_now())
        .await
        .unwrap();
    assert_eq!(summaries(&app).await, 0, "17:58: not yet");
    app.advance(180);
    for _ in 0..2 {
        switchboard::messaging::summary::send_due(&app.db, registry, &mut sent, app.clock_now())
            .await
            .unwrap();
    }
    // Another process (a fresh `Sent`) does not queue it again.
    let mut other = switchboard::messaging::summary::Sent::default();
    switchboard::messaging::summary::send_due(&app.db, registry, &mut other, app.clock_now())
        .await
        .unwrap();
    assert_eq!(summaries(&app).await, 1, "once, to Maria");
    app.advance(60);
    app.drain_outbox().await;
    let texts = bodies_to(&fake, MARIA);
    let summary = texts
        .iter()
        .find(|b| b.contains("today"))
        .expect("the summary reached Twilio");
    assert_eq!(
        summary,
        "Acme Dental today: 2 calls, 0 missed, 1 voicemail not handled yet."
    );
    assert!(
        bodies_to(&fake, JOHN).iter().all(|b| !b.contains("today")),
        "only to those named"
    );
}

async fn summaries(app: &TestApp) -> usize {
    app.outbox("acme-dental")
        .await
        .into_iter()
        .filter(|m| m.purpose == "summary")
        .count()
}
