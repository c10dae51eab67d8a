//! The console's voicemail inbox, over real HTTP with a session: each voicemail in words,
//! with its player or the reason it cannot play, marked handled from the list, and only
//! the clients the admin may see.

use reqwest::StatusCode;

use crate::console::{base, client, csrf, get, sign_in};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const LATE: &str = "CA00000000000000000000000000000b01";
const FAILED: &str = "CA00000000000000000000000000000b02";

/// Two voicemails at Acme after hours: one written out, one Twilio could not transcribe.
async fn two_voicemails(app: &TestApp) {
    let (_, _, transcription) = voicemail(app, LATE, "RE00000000000000000000000000000b01", "74").await;
    transcript(
        app,
        &transcription,
        LATE,
        "RE00000000000000000000000000000b01",
        "Running late, see you at 3.",
    )
    .await;
    let (_, _, transcription) = voicemail(app, FAILED, "RE00000000000000000000000000000b02", "9").await;
    let failed = [
        ("CallSid", FAILED),
        ("RecordingSid", "RE00000000000000000000000000000b02"),
        ("TranscriptionStatus", "failed"),
    ];
    assert_eq!(app.post(&transcription, &failed).await.status, 204);
}

#[tokio::test]
async fn the_inbox_shows_each_voicemail_in_words_and_marks_it_handled_from_the_list() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    two_voicemails(&app).await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (status, page) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    let caller = switchboard::phone::written(CALLER, ACME);
    for shown in [
        caller.as_str(),
        &format!("href=\"tel:{CALLER}\""),
        "Tue 1 Dec 2026, 8:00 PM EST",
        "1:14",
        "Running late, see you at 3.",
        "Twilio could not write this message out",
        "Acme Dental",
        "New",
        &format!("src=\"/admin/calls/{LATE}/recording\""),
    ] {
        assert!(page.contains(shown), "{shown:?} in the inbox");
    }
    assert!(
        page.find(FAILED) < page.find(LATE),
        "newest first: the second voicemail comes first"
    );

    let r = client()
        .post(format!("{}/admin/calls/{LATE}/handled", base(&app)))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("handled", "true"),
            ("back", "/admin/voicemails"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/admin/voicemails");
    let (_, page) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert!(page.contains("Handled"), "the badge follows");
    assert!(page.contains("Mark as not handled"));

    // Anywhere but a console page, the form goes back to the call.
    let r = client()
        .post(format!("{}/admin/calls/{FAILED}/handled", base(&app)))
        .header("cookie", &session)
        .form(&[
            ("csrf", csrf(&page).as_str()),
            ("handled", "true"),
            ("back", "https://evil.example/admin/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], &format!("/admin/calls/{FAILED}#follow-up"));
}

#[tokio::test]
async fn another_clients_admin_sees_none_of_acmes_voicemails() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    two_voicemails(&app).await;
    let harbor = app.admin_token(Some("harbor-plumbing")).await;
    let (session, _) = sign_in(&app, &harbor).await;
    let (status, page) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("No voicemails yet.") && !page.contains("Running late"),
        "{page}"
    );
    let (status, _) = get(&app, "/admin/voicemails?client=acme-dental", Some(&session)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_a_twilio_account_the_inbox_says_why_a_voicemail_cannot_play() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    two_voicemails(&app).await;
    let token = app.admin_token(Some("acme-dental")).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, page) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert!(
        page.contains("stays in Acme Dental's Twilio account, and this server has no Twilio account to fetch it with"),
        "{page}"
    );
    assert!(!page.contains("<audio"), "no player that cannot play");
    assert!(
        page.contains("Running late, see you at 3."),
        "the transcript still shows"
    );
}

#[tokio::test]
async fn a_voicemail_that_will_never_be_written_out_says_why() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    voicemail(&app, FAILED, "RE00000000000000000000000000000b02", "1").await;
    voicemail(&app, LATE, "RE00000000000000000000000000000b01", "60").await;
    let token = app.admin_token(None).await;
    let (session, _) = sign_in(&app, &token).await;
    let (_, soon) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert!(
        soon.contains("No transcript: this message was too short to transcribe."),
        "{soon}"
    );
    assert!(soon.contains("The written version is not ready yet."), "{soon}");
    app.advance(86_400);
    let (session, _) = sign_in(&app, &token).await;
    let (_, later) = get(&app, "/admin/voicemails", Some(&session)).await;
    assert!(!later.contains("not ready yet"), "{later}");
    assert!(later.contains("No transcript: Twilio did not send one."), "{later}");
}
