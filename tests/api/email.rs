//! E-mail alerts, through the outbox to a real SMTP server on loopback (aiosmtpd), beside the
//! texts to a fake Twilio over HTTP.

use std::time::Duration;

use switchboard::store::outbox;

use crate::alerts::share_clock;
use crate::console;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;
use crate::smtp_sink::{Behaviour, Email, SmtpSink};

const MARIA_EMAIL: &str = "maria@acme.test";
const JOHN_EMAIL: &str = "john@acme.test";

/// Acme's example rules, with Maria told by text and e-mail and John by e-mail only.
fn rules_with_email() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in std::fs::read_dir(example_rules()).unwrap() {
        let path = file.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if path.ends_with("acme-dental.toml") {
            for (phone, channels, email) in [
                ("+12125550111", "[\"sms\", \"email\"]", MARIA_EMAIL),
                ("+12125550112", "[\"email\"]", JOHN_EMAIL),
            ] {
                let line = format!("phone = \"{phone}\"\n");
                assert!(text.contains(&line), "the example still has {phone}");
                text = text.replace(&line, &format!("{line}email = \"{email}\"\nalerts = {channels}\n"));
            }
        }
        std::fs::write(dir.path().join(path.file_name().unwrap()), text).unwrap();
    }
    dir
}

struct Setup {
    app: TestApp,
    fake: FakeTwilio,
    smtp: SmtpSink,
    _rules: tempfile::TempDir,
}

/// The app at 8 p.m. in New York (Acme is closed), texting through the fake Twilio and
/// e-mailing through the SMTP server; `None` when aiosmtpd is not installed.
async fn setup(test: &str, behaviour: &Behaviour) -> Option<Setup> {
    let smtp = SmtpSink::start(test, behaviour)?;
    let fake = FakeTwilio::start().await;
    let rules = rules_with_email();
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        twilio: Some(fake.url.clone()),
        rules_dir: rules.path().to_owned(),
        smtp: Some(smtp.url()),
        ..Options::default()
    })
    .await;
    share_clock(&fake, &app);
    Some(Setup {
        app,
        fake,
        smtp,
        _rules: rules,
    })
}

fn to<'a>(emails: &'a [Email], address: &str) -> Vec<&'a Email> {
    emails.iter().filter(|e| e.to == [address]).collect()
}

#[tokio::test]
async fn a_voicemail_is_emailed_whole_with_its_link_once_per_assistant_and_texted_as_before() {
    let Some(Setup { app, fake, smtp, .. }) = setup("voicemail e-mail", &Behaviour::default()).await else {
        return;
    };
    let (call, rec) = (
        "CA0000000000000000000000000000e001",
        "RE0000000000000000000000000000e001",
    );
    let (_, status, transcription) = voicemail(&app, call, rec, "95").await;
    // Longer than three text segments: the text is trimmed, the e-mail keeps every word.
    let words = "Hi, it is Sam Patel about the crown on my lower left molar. ".repeat(12);
    let said = words.trim_end();
    // Twilio sends its callbacks again when it is unsure: still one message per channel.
    for _ in 0..3 {
        let recording = [
            ("CallSid", call),
            ("RecordingSid", rec),
            ("RecordingStatus", "completed"),
        ];
        app.post(&status, &recording).await;
        transcript(&app, &transcription, call, rec, said).await;
        app.drain_outbox().await;
    }
    app.advance(120);
    app.drain_outbox().await;

    let emails = smtp.wait_for(2, Duration::from_secs(5)).await;
    assert_eq!(emails.len(), 2, "one e-mail each to Maria and John: {emails:#?}");
    let maria = to(&emails, MARIA_EMAIL)[0];
    let caller = switchboard::phone::written(CALLER, ACME);
    assert_eq!(maria.subject, format!("Voicemail from {caller} for Acme Dental"));
    assert_eq!(maria.from, "alerts@switchboard.test");
    assert!(maria.body.contains(said), "the whole transcript: {}", maria.body);
    let link = maria
        .body
        .split_whitespace()
        .find(|w| w.starts_with(&format!("{PUBLIC_URL}/l/")))
        .unwrap_or_else(|| panic!("a link in {}", maria.body))
        .to_owned();
    let john = to(&emails, JOHN_EMAIL)[0];
    assert!(!john.body.contains(&link), "each assistant's link is their own");

    // The link opens the call, without signing in.
    let (http, base) = app.raw();
    let page = http.get(link.replace(PUBLIC_URL, &base)).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Sam Patel"));

    // Maria's text still goes, trimmed to fit; John asked for e-mail only.
    let texts: Vec<_> = fake.accepted();
    let [text] = texts.as_slice() else {
        panic!("one text, to Maria: {texts:#?}")
    };
    assert_eq!(text.to, "+12125550111");
    assert!(text.body.contains("...\""), "{}", text.body);

    let rows = app.outbox("acme-dental").await;
    let row = rows
        .iter()
        .find(|r| r.kind == "email" && r.to_number == MARIA_EMAIL)
        .unwrap();
    assert_eq!(
        (row.state.as_str(), row.message_sid.as_deref()),
        (outbox::SENT, Some(maria.message_id.as_str())),
        "the row keeps the Message-ID the server received"
    );

    // The call's page lists each alert in words, with its channel and how it went.
    let token = app.admin_token(None).await;
    let (session, _) = console::sign_in(&app, &token).await;
    let (status, page) = console::get(&app, &format!("/admin/calls/{call}"), Some(&session)).await;
    assert_eq!(status, 200);
    for shown in [
        "Voicemail alert with its transcript (e-mail)",
        "Voicemail alert with its transcript (text)",
        MARIA_EMAIL,
        "Accepted by the mail server",
        "(212) 555-0111",
    ] {
        assert!(page.contains(shown), "{shown} in the call's page");
    }
    assert!(!page.contains(">voicemail_transcript<"), "no raw purposes");
}

#[tokio::test]
async fn a_busy_server_is_tried_again_and_a_refused_address_is_given_up_at_once() {
    let behaviour = Behaviour {
        fail_first: 2,
        refuse: vec![JOHN_EMAIL],
        ..Behaviour::default()
    };
    let Some(Setup { app, smtp, .. }) = setup("e-mail retries", &behaviour).await else {
        return;
    };
    let (call, rec) = (
        "CA0000000000000000000000000000e002",
        "RE0000000000000000000000000000e002",
    );
    voicemail(&app, call, rec, "1").await;
    app.drain_outbox().await;
    let email = |rows: &[outbox::OutboxRow], address: &str| {
        rows.iter()
            .find(|r| r.kind == "email" && r.to_number == address)
            .cloned()
            .unwrap()
    };
    let rows = app.outbox("acme-dental").await;
    let john = email(&rows, JOHN_EMAIL);
    assert_eq!((john.state.as_str(), john.attempts), (outbox::FAILED, 1));
    assert!(
        john.last_error.as_deref().unwrap_or_default().contains("550"),
        "{john:?}"
    );
    let maria = email(&rows, MARIA_EMAIL);
    assert_eq!(maria.state, outbox::PENDING, "451: tried again later");
    assert!(smtp.received().is_empty());

    for _ in 0..10 {
        app.advance(60);
        app.drain_outbox().await;
    }
    let received = smtp.wait_for(1, Duration::from_secs(5)).await;
    assert_eq!(to(&received, MARIA_EMAIL).len(), 1, "{received:#?}");
    let maria = email(&app.outbox("acme-dental").await, MARIA_EMAIL);
    assert_eq!((maria.state.as_str(), maria.attempts), (outbox::SENT, 3));
    assert_eq!(smtp.received().len(), 1, "nothing more");
}

#[tokio::test]
async fn a_missed_call_and_the_daily_summary_reach_those_who_chose_e_mail() {
    let Some(Setup {
        app,
        smtp,
        _rules: rules,
        ..
    }) = setup("missed-call e-mail", &Behaviour::default()).await
    else {
        return;
    };
    let call = "CA0000000000000000000000000000e003";
    hang_up_during_greeting(&app, call).await;
    app.advance(60);
    app.drain_outbox().await;
    let received = smtp.wait_for(2, Duration::from_secs(5)).await;
    let caller = switchboard::phone::written(CALLER, ACME);
    let john = to(&received, JOHN_EMAIL);
    assert_eq!(john.len(), 1, "{received:#?}");
    assert_eq!(john[0].subject, format!("Missed call from {caller} for Acme Dental"));
    assert!(john[0].body.contains(&format!("{PUBLIC_URL}/l/")), "{}", john[0].body);

    let token = app.admin_token(None).await;
    let text = std::fs::read_to_string(rules.path().join("acme-dental.toml")).unwrap();
    let with_summary = text.replace(
        "transcript_wait_seconds = 30\n",
        "transcript_wait_seconds = 30\ndaily_summary = { at = \"18:00\", to = [\"john\"] }\n",
    );
    assert_ne!(text, with_summary);
    let rules = serde_json::Value::String(with_summary);
    let (status, body) = app
        .api("PUT", "/api/clients/acme-dental/rules", Some(&token), Some(rules))
        .await;
    assert_eq!(status, 200, "{body}");
    let mut sent = switchboard::messaging::summary::Sent::default();
    switchboard::messaging::summary::send_due(&app.db, &app.state.registry, &mut sent, app.clock_now())
        .await
        .unwrap();
    app.drain_outbox().await;
    let received = smtp.wait_for(3, Duration::from_secs(5)).await;
    let summary = to(&received, JOHN_EMAIL)
        .into_iter()
        .find(|e| e.subject.starts_with("Acme Dental: the calls of"))
        .unwrap_or_else(|| panic!("the summary by e-mail: {received:#?}"));
    assert_eq!(summary.subject, "Acme Dental: the calls of Tuesday 1 December");
    assert_eq!(
        summary.body.trim_end(),
        "Acme Dental today: 1 call, 1 missed, 0 voicemails not handled yet."
    );
}

#[tokio::test]
async fn e_mails_are_paced_at_the_relays_rate() {
    let Some(smtp) = SmtpSink::start("e-mail pacing", &Behaviour::default()) else {
        return;
    };
    let rules = rules_with_email();
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        rules_dir: rules.path().to_owned(),
        smtp: Some(smtp.url()),
        settings: |s| s.emails_per_second = 2,
        ..Options::default()
    })
    .await;
    // Three voicemails: six e-mails, to Maria and John.
    for n in 0..3 {
        let (call, rec) = (format!("CA{n:032x}"), format!("RE{n:032x}"));
        voicemail(&app, &call, &rec, "1").await;
    }
    let started = std::time::Instant::now();
    app.drain_outbox().await;
    let took = started.elapsed();
    assert_eq!(smtp.wait_for(6, Duration::from_secs(5)).await.len(), 6);
    // Two at once, then one every half second: the last four wait 2 s in all.
    assert!(
        took >= Duration::from_millis(1800),
        "six e-mails at 2 a second took {took:?}"
    );
}
