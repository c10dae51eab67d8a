//! The link in each alert that opens its call for the assistant, without signing in: the
//! call's page, its recording, "mark as handled" (shared with the console and the API,
//! audited with the assistant's name), and every way a link stops working.

use serde_json::json;

use crate::alerts::spawn_after_hours;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const MARIA: &str = "+12125550111";
const JOHN: &str = "+12125550112";
const CALL: &str = "CA0000000000000000000000000000f001";
const VOICEMAIL: &str = "RE0000000000000000000000000000f001";
const MP3: &[u8] = b"ID3\x04\x00fake mp3 frames \xff\xfb\x90\x00";

/// A voicemail on `CALL` with its transcript, its alerts sent; the path of the link each of
/// Maria and John got.
async fn voicemail_with_alerts(app: &TestApp, fake: &FakeTwilio) -> (String, String) {
    let (_, _, transcription) = voicemail(app, CALL, VOICEMAIL, "14").await;
    fake.add_recording(VOICEMAIL, MP3);
    transcript(
        app,
        &transcription,
        CALL,
        VOICEMAIL,
        "Hi, it's Sam. Please call me back about Friday.",
    )
    .await;
    app.drain_outbox().await;
    (fake.call_link_to(MARIA), fake.call_link_to(JOHN))
}

/// GET `path` without any token: status, Content-Type and the body.
async fn open(app: &TestApp, path: &str) -> (u16, String, Vec<u8>) {
    let (http, base) = app.raw();
    let response = http.get(format!("{base}{path}")).send().await.unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, content_type, response.bytes().await.unwrap().to_vec())
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let (status, _, body) = open(app, path).await;
    (status, String::from_utf8(body).unwrap())
}

#[tokio::test]
async fn an_alerts_link_opens_its_call_plays_it_and_marks_it_handled_for_that_assistant() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (maria, john) = voicemail_with_alerts(&app, &fake).await;
    assert_ne!(maria, john, "each assistant has a link of their own");
    assert!(maria.len() >= "/l/".len() + 22, "128 bits at least: {maria}");

    let (status, shown) = page(&app, &maria).await;
    assert_eq!(status, 200, "{shown}");
    assert!(
        shown.contains("Voicemail from <span class=\"number\">+1 555-765-4321</span>"),
        "{shown}"
    );
    assert!(shown.contains("Please call me back about Friday."), "{shown}");
    assert!(shown.contains(&format!("href=\"tel:{CALLER}\"")), "{shown}");
    assert!(
        shown.contains("Tue 1 Dec 2026, 8:00 PM EST"),
        "local time with its zone: {shown}"
    );
    assert!(shown.contains("Nobody has listened to it"), "{shown}");
    assert!(shown.contains("for Maria Lopez"), "{shown}");

    let (status, content_type, audio) = open(&app, &format!("{maria}/recording")).await;
    assert_eq!((status, content_type.as_str()), (200, "audio/mpeg"));
    assert_eq!(audio, MP3);
    let (_, shown) = page(&app, &maria).await;
    assert!(shown.contains("Listened to by <strong>Maria Lopez</strong>"), "{shown}");

    let (http, base) = app.raw();
    let marked = http
        .post(format!("{base}{maria}/handled"))
        .form(&[("handled", "true")])
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), 200, "redirected to the page");
    assert!(marked
        .text()
        .await
        .unwrap()
        .contains("Handled by <strong>Maria Lopez</strong>"));

    let admin = app.admin_token(None).await;
    let (_, call) = app.api("GET", &format!("/api/calls/{CALL}"), Some(&admin), None).await;
    assert_eq!(call["handling"]["handled_by"], "Maria Lopez", "{call}");
    assert_eq!(call["handling"]["heard_by"], "Maria Lopez", "{call}");
    let (_, audit) = app
        .api("GET", "/api/audit?action=call.handled", Some(&admin), None)
        .await;
    assert_eq!(audit[0]["actor"], "Maria Lopez", "{audit}");
    assert_eq!(audit[0]["client"], "acme-dental", "{audit}");

    // John's link shows the same state: one call, one follow-up.
    let (_, shown) = page(&app, &john).await;
    assert!(shown.contains("Handled by <strong>Maria Lopez</strong>"), "{shown}");
    assert!(shown.contains("for John Park"), "{shown}");
}

#[tokio::test]
async fn a_missed_calls_alert_carries_a_link_too() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let call = "CA0000000000000000000000000000f002";
    hang_up_during_greeting(&app, call).await;
    app.advance(60);
    app.drain_outbox().await;
    let link = fake.call_link_to(MARIA);
    let (status, shown) = page(&app, &link).await;
    assert_eq!(status, 200, "{shown}");
    assert!(
        shown.contains("Missed call from <span class=\"number\">+1 555-765-4321</span>"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_tampered_expired_or_withdrawn_link_opens_nothing() {
    let fake = FakeTwilio::start().await;
    let app = spawn_after_hours(&fake).await;
    let (maria, john) = voicemail_with_alerts(&app, &fake).await;

    let last = maria.chars().last().unwrap();
    let tampered = format!("{}{}", &maria[..maria.len() - 1], if last == 'A' { 'B' } else { 'A' });
    for path in [
        tampered.clone(),
        format!("{tampered}/recording"),
        "/l/".to_owned() + "x",
    ] {
        let (status, shown) = page(&app, &path).await;
        assert_eq!(status, 404, "{path}");
        assert!(shown.contains("This link does not work"), "{shown}");
        assert!(!shown.contains("555-0199"), "nothing of the call: {shown}");
    }

    // Another client's token cannot withdraw Acme's links; Acme's can.
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let url = format!("/api/calls/{CALL}/links");
    assert_eq!(app.api("DELETE", &url, Some(&harbor), None).await.0, 404);
    let acme = app.admin_token(Some("acme-dental")).await;
    let (status, revoked) = app.api("DELETE", &url, Some(&acme), None).await;
    assert_eq!((status, revoked["revoked"].as_u64()), (200, Some(4)), "{revoked}");
    for path in [&maria, &john] {
        assert_eq!(page(&app, path).await.0, 404, "withdrawn: {path}");
    }
    let (status, _) = app
        .api(
            "PUT",
            &format!("/api/calls/{CALL}/handled"),
            Some(&harbor),
            Some(json!({ "handled": true })),
        )
        .await;
    assert_eq!(status, 404, "another client's call");

    // A new voicemail's links work for seven days, then stop.
    let call = "CA0000000000000000000000000000f003";
    let recording = "RE0000000000000000000000000000f003";
    voicemail(&app, call, recording, "3").await;
    app.advance(31);
    app.drain_outbox().await;
    let fresh = fake.call_link_to(MARIA);
    assert_eq!(page(&app, &fresh).await.0, 200);
    app.advance(7 * 86_400 - 60);
    assert_eq!(page(&app, &fresh).await.0, 200, "still within seven days");
    app.advance(120);
    assert_eq!(page(&app, &fresh).await.0, 404, "expired");
}
