//! Recordings streamed to admins from the fake Twilio, with the client's own account when it has
//! one, and never another client's.

use serde_json::json;
use switchboard::store::recordings::{record_recording, RecordingUpdate};

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const KEY: &str = "5c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba1";
const ACME_SID: &str = "AC22222222222222222222222222222222";
const ACME_TOKEN: &str = "7f3e9c1b5d2a4f6e8c0b1a2d3c4e5f60";
const CALL: &str = "CA0000000000000000000000000000b001";
const VOICEMAIL: &str = "RE0000000000000000000000000000b001";
const MP3: &[u8] = b"ID3\x04\x00fake mp3 frames \xff\xfb\x90\x00";

/// The app on the fake, with Acme's call `CALL` and its voicemail `VOICEMAIL` on record.
async fn app_with_voicemail(fake: &FakeTwilio) -> TestApp {
    let options = Options {
        twilio: Some(fake.url.clone()),
        secret_key: Some(KEY),
        ..Options::default()
    };
    let app = spawn_with(options).await;
    app.call(CALL, ACME).await;
    let voicemail = RecordingUpdate {
        recording_sid: VOICEMAIL,
        call_sid: CALL,
        kind: "voicemail",
        ..Default::default()
    };
    record_recording(&app.db, &voicemail, app.clock_now()).await.unwrap();
    fake.add_recording(VOICEMAIL, MP3);
    app
}

/// GET `path` with `token`: status, Content-Type and the raw body.
async fn download(app: &TestApp, path: &str, token: &str) -> (u16, String, Vec<u8>) {
    let (http, base) = app.raw();
    let response = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        content_type.unwrap_or_default(),
        response.bytes().await.unwrap().to_vec(),
    )
}

#[tokio::test]
async fn a_calls_voicemail_streams_as_mp3_with_the_clients_own_account() {
    let fake = FakeTwilio::with_accounts(&[(TEST_ACCOUNT_SID, TEST_TOKEN), (ACME_SID, ACME_TOKEN)]).await;
    let app = app_with_voicemail(&fake).await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let credentials = json!({ "account_sid": ACME_SID, "auth_token": ACME_TOKEN });
    let path = "/api/clients/acme-dental/twilio-account";
    assert_eq!(app.api("PUT", path, Some(&admin), Some(credentials)).await.0, 200);

    let by_call = download(&app, &format!("/api/calls/{CALL}/recording"), &admin).await;
    let by_sid = download(&app, &format!("/api/twilio/recordings/{VOICEMAIL}"), &admin).await;

    assert_eq!(by_call, (200, "audio/mpeg".to_owned(), MP3.to_vec()));
    assert_eq!(by_sid, by_call);
    let fetched_by = (ACME_SID.to_owned(), VOICEMAIL.to_owned());
    assert_eq!(fake.recording_fetches(), [fetched_by.clone(), fetched_by]);
}

#[tokio::test]
async fn without_an_account_of_its_own_the_client_uses_the_servers() {
    let fake = FakeTwilio::with_accounts(&[(TEST_ACCOUNT_SID, TEST_TOKEN)]).await;
    let app = app_with_voicemail(&fake).await;
    let admin = app.admin_token(None).await;

    let (status, _, body) = download(&app, &format!("/api/twilio/recordings/{VOICEMAIL}"), &admin).await;

    assert_eq!((status, body.as_slice()), (200, MP3));
    assert_eq!(
        fake.recording_fetches(),
        [(TEST_ACCOUNT_SID.to_owned(), VOICEMAIL.to_owned())]
    );
}

#[tokio::test]
async fn another_clients_token_and_unknown_sids_get_404_and_nothing_is_fetched() {
    let fake = FakeTwilio::start().await;
    let app = app_with_voicemail(&fake).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let global = app.admin_token(None).await;

    let paths = [
        (format!("/api/calls/{CALL}/recording"), &harbor),
        (format!("/api/twilio/recordings/{VOICEMAIL}"), &harbor),
        (
            "/api/calls/CA0000000000000000000000000000b999/recording".to_owned(),
            &global,
        ),
        (
            "/api/twilio/recordings/RE0000000000000000000000000000b999".to_owned(),
            &global,
        ),
    ];
    for (path, token) in paths {
        let (status, _, body) = download(&app, &path, token).await;
        assert_eq!(status, 404, "{path}: {}", String::from_utf8_lossy(&body));
    }
    assert!(fake.recording_fetches().is_empty());
}

#[tokio::test]
async fn in_local_mode_without_any_account_a_recording_is_409_saying_why() {
    let app = spawn_app().await;
    app.call(CALL, ACME).await;
    let voicemail = RecordingUpdate {
        recording_sid: VOICEMAIL,
        call_sid: CALL,
        kind: "voicemail",
        ..Default::default()
    };
    record_recording(&app.db, &voicemail, app.clock_now()).await.unwrap();
    let admin = app.admin_token(None).await;

    let (status, body) = app
        .api("GET", &format!("/api/calls/{CALL}/recording"), Some(&admin), None)
        .await;

    assert_eq!(status, 409, "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("local mode"),
        "{body}"
    );
}
