//! What an assistant does from their own phone, in a real browser at phone width.

use crate::browser::with_browser;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const MARIA: &str = "+12125550111";
const JOHN: &str = "+12125550112";
const MP3: &[u8] = b"ID3\x04\x00fake mp3 frames \xff\xfb\x90\x00";

/// The app at 8 p.m. in New York, after Acme's hours, on the fake Twilio and its clock.
async fn after_hours(fake: &FakeTwilio) -> TestApp {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let clock = app.clock.clone();
    fake.set_clock(move || switchboard::clock::Clock::now(&*clock));
    app
}

#[tokio::test]
async fn an_assistant_opens_a_voicemail_from_the_alert_plays_it_and_marks_it_handled() {
    let fake = FakeTwilio::start().await;
    let app = after_hours(&fake).await;
    let (call, rec) = (
        "CA00000000000000000000000000000f21",
        "RE00000000000000000000000000000f21",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "14").await;
    fake.add_recording(rec, MP3);
    transcript(&app, &transcription, call, rec, "Running late, see you at 3.").await;
    app.drain_outbox().await;
    let maria = fake.call_link_to(MARIA);
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "call link", move |b, app| async move {
        b.client.set_window_size(390, 900).await.unwrap();
        b.goto(&maria).await;
        assert!(b.text("h1").await.starts_with("Voicemail from"));
        assert_eq!(b.text("blockquote.transcript").await, "Running late, see you at 3.");
        let src = b.find("audio").await.attr("src").await.unwrap().unwrap();
        let (http, base) = app.raw();
        let audio = http.get(format!("{base}{src}")).send().await.unwrap();
        assert_eq!(audio.status(), 200);
        assert_eq!(audio.headers()["content-type"], "audio/mpeg");
        assert_eq!(audio.bytes().await.unwrap().as_ref(), MP3);
        b.screenshot("call-link").await;
        b.client.set_window_size(390, 900).await.unwrap();
        b.click("form[action$='/handled'] button").await;
        assert!(b.text("#handled-h + p").await.starts_with("Handled by Maria Lopez"));

        b.sign_in(&token).await;
        b.goto(&format!("/admin/calls/{call}")).await;
        assert!(b.text("#follow-up-h + p").await.starts_with("Handled by Maria Lopez"));

        let tampered = format!("{}x", &maria[..maria.len() - 1]);
        b.goto(&tampered).await;
        assert!(b.text("main").await.contains("This link does not work"));
        let (status, _) = app
            .api("DELETE", &format!("/api/calls/{call}/links"), Some(&token), None)
            .await;
        assert_eq!(status, 200);
        b.goto(&maria).await;
        assert!(b.text("main").await.contains("This link does not work"), "withdrawn");
        b.screenshot("call-link-refused").await;
        assert!(!b.text("main").await.contains("Running late"));
    })
    .await;
}

#[tokio::test]
async fn an_expired_call_link_is_refused_in_the_browser() {
    let fake = FakeTwilio::start().await;
    let app = after_hours(&fake).await;
    let (call, rec) = (
        "CA00000000000000000000000000000f22",
        "RE00000000000000000000000000000f22",
    );
    voicemail(&app, call, rec, "3").await;
    app.advance(31);
    app.drain_outbox().await;
    let john = fake.call_link_to(JOHN);
    with_browser(app, "expired call link", move |b, app| async move {
        b.goto(&john).await;
        assert!(b.text("h1").await.starts_with("Voicemail from"));
        app.advance(8 * 86_400);
        b.goto(&john).await;
        assert!(b.text("main").await.contains("This link does not work"), "expired");
    })
    .await;
}

#[tokio::test]
async fn the_voicemail_inbox_plays_a_message_and_the_today_page_shows_it_heard() {
    let fake = FakeTwilio::start().await;
    let app = after_hours(&fake).await;
    let (call, rec) = (
        "CA00000000000000000000000000000f23",
        "RE00000000000000000000000000000f23",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "74").await;
    fake.add_recording(rec, MP3);
    transcript(&app, &transcription, call, rec, "Running late, see you at 3.").await;
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "voicemail inbox", move |b, app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental").await;
        b.click("nav a[href='/admin/voicemails?client=acme-dental']").await;
        assert_eq!(
            b.text("article.voicemail blockquote.transcript").await,
            "Running late, see you at 3."
        );
        assert!(b.text("article.voicemail header").await.contains("New"));
        b.screenshot("voicemails").await;
        // The player's source, fetched with the browser's session (the page's policy keeps
        // its own scripts from fetching anything).
        let src = b
            .find("article.voicemail audio")
            .await
            .attr("src")
            .await
            .unwrap()
            .unwrap();
        let session: Vec<String> = b
            .client
            .get_all_cookies()
            .await
            .unwrap()
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect();
        let (http, base) = app.raw();
        let audio = http
            .get(format!("{base}{src}"))
            .header("cookie", session.join("; "))
            .send()
            .await
            .unwrap();
        assert_eq!(audio.status(), 200);
        assert_eq!(audio.headers()["content-type"], "audio/mpeg");
        assert_eq!(audio.bytes().await.unwrap().as_ref(), MP3);
        b.goto("/admin/clients/acme-dental").await;
        assert!(
            b.text("#voicemails ~ ul").await.contains("Heard"),
            "playing it marked it heard"
        );
        b.goto("/admin/voicemails?client=acme-dental").await;
        b.click("article.voicemail form[action$='/handled'] button").await;
        assert_eq!(b.path().await, "/admin/voicemails");
        assert!(b.text("article.voicemail header").await.contains("Handled"));
    })
    .await;
}
