//! Texts in: storage, STOP/START/HELP, auto-replies; delivery statuses of ours.

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const PATIENT: &str = "+12125550188";

async fn text(app: &TestApp, sid: &str, body: &str, extra: &[(&str, &str)]) -> Answer {
    let mut params = vec![
        ("MessageSid", sid),
        ("SmsSid", sid),
        ("From", PATIENT),
        ("To", ACME),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    params.extend_from_slice(extra);
    app.post("/twilio/sms", &params).await
}

async fn spawn(fake: &FakeTwilio) -> TestApp {
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(fake, &app);
    app
}

#[tokio::test]
async fn a_text_is_stored_and_gets_the_auto_reply_once() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let sid = "SM0000000000000000000000000000b001";
    for _ in 0..2 {
        let answer = text(&app, sid, "Can I move my appointment?", &[]).await;
        answer.assert_twiml();
        assert_eq!(answer.body, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response />");
    }
    app.drain_outbox().await;
    let sent = fake.accepted();
    assert_eq!(sent.len(), 1, "a retried webhook replies once");
    assert_eq!((sent[0].to.as_str(), sent[0].from.as_str()), (PATIENT, ACME));
    assert!(sent[0].body.starts_with("Thanks for texting Acme Dental."));
    let stored = switchboard::store::messages::received(&app.db, sid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.body, "Can I move my appointment?");
}

#[tokio::test]
async fn mms_media_urls_are_kept() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    let sid = "MM0000000000000000000000000000b002";
    text(
        &app,
        sid,
        "",
        &[
            ("NumMedia", "2"),
            ("MediaUrl0", "https://api.twilio.com/m/0"),
            ("MediaContentType0", "image/jpeg"),
            ("MediaUrl1", "https://api.twilio.com/m/1"),
        ],
    )
    .await;
    let stored = switchboard::store::messages::received(&app.db, sid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.media_urls.as_deref(),
        Some(r#"["https://api.twilio.com/m/0","https://api.twilio.com/m/1"]"#)
    );
}

#[tokio::test]
async fn stop_silences_every_message_and_start_brings_them_back() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    text(&app, "SM0000000000000000000000000000b003", " stop ", &[]).await;
    text(&app, "SM0000000000000000000000000000b004", "Hello?", &[]).await;
    app.drain_outbox().await;
    assert!(
        fake.accepted().is_empty(),
        "nothing goes to an opted-out number: {:?}",
        fake.accepted()
    );

    text(&app, "SM0000000000000000000000000000b005", "START", &[]).await;
    text(&app, "SM0000000000000000000000000000b006", "Hello again", &[]).await;
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test]
async fn help_answers_the_clients_help_text_unless_twilio_already_did() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    text(&app, "SM0000000000000000000000000000b007", "help", &[]).await;
    text(
        &app,
        "SM0000000000000000000000000000b008",
        "HELP",
        &[("OptOutType", "HELP")],
    )
    .await;
    app.drain_outbox().await;
    let sent = fake.accepted();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.starts_with("Acme Dental, 123 Main St"), "{}", sent[0].body);
}

#[tokio::test]
async fn delivery_statuses_never_go_back_and_may_come_before_the_send_answer() {
    let app = spawn_app().await;
    let sid = "SM0000000000000000000000000000b009";
    let status = |s: &'static str| {
        [
            ("MessageSid", sid),
            ("MessageStatus", s),
            ("To", PATIENT),
            ("From", ACME),
        ]
    };
    assert_eq!(app.post("/twilio/sms/status", &status("delivered")).await.status, 204);
    assert_eq!(app.post("/twilio/sms/status", &status("sent")).await.status, 204);
    assert_eq!(app.post("/twilio/sms/status", &status("delivered")).await.status, 204);
    let row = switchboard::store::messages::status(&app.db, sid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, "delivered");
}

#[tokio::test]
async fn an_asynchronous_21610_records_the_opt_out() {
    let app = spawn_app().await;
    let params = [
        ("MessageSid", "SM0000000000000000000000000000b010"),
        ("MessageStatus", "failed"),
        ("ErrorCode", "21610"),
        ("To", PATIENT),
        ("From", ACME),
    ];
    app.post("/twilio/sms/status", &params).await;
    assert!(
        switchboard::store::messages::is_opted_out(&app.db, "acme-dental", PATIENT)
            .await
            .unwrap()
    );
}

#[tokio::test]
async fn local_mode_delivers_to_the_log_and_the_database() {
    let app = spawn_app().await;
    text(&app, "SM0000000000000000000000000000b011", "hi", &[]).await;
    app.drain_outbox().await;
    let rows = app.outbox("acme-dental").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].state, "sent");
    assert!(rows[0].message_sid.as_deref().unwrap().starts_with("SMlocal"));
}

#[tokio::test]
async fn texts_received_page_newest_first_and_export_for_the_clients_a_token_may_see() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    // Five at the same moment, so the pages part ties by the message's id.
    let sids: Vec<String> = (1..=5)
        .map(|n| format!("SM0000000000000000000000000000c00{n}"))
        .collect();
    for sid in &sids {
        text(&app, sid, &format!("text {sid}"), &[]).await.assert_twiml();
    }
    app.advance(60);
    let harbor = [
        ("MessageSid", "SM0000000000000000000000000000c009"),
        ("From", PATIENT),
        ("To", "+442079460123"),
        ("Body", "A leak"),
        ("NumMedia", "0"),
    ];
    app.post("/twilio/sms", &harbor).await.assert_twiml();
    let token = app.admin_token(Some("acme-dental")).await;

    let mut seen = Vec::new();
    let mut url = "/api/messages/received?limit=2".to_owned();
    loop {
        let (status, page) = app.api("GET", &url, Some(&token), None).await;
        assert_eq!(status, 200, "{page}");
        let texts = page["texts"].as_array().unwrap();
        assert!(texts.len() <= 2);
        seen.extend(texts.iter().map(|t| t["message_sid"].as_str().unwrap().to_owned()));
        match page["next"].as_str() {
            Some(next) => url = format!("/api/messages/received?limit=2&cursor={next}"),
            None => break,
        }
    }
    let newest_first: Vec<String> = sids.iter().rev().cloned().collect();
    assert_eq!(
        seen, newest_first,
        "every text of the token's client once, none of another's"
    );

    let (status, _) = app
        .api(
            "GET",
            "/api/messages/received?client=harbor-plumbing",
            Some(&token),
            None,
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = app
        .api("GET", "/api/messages/received?cursor=not-a-cursor", Some(&token), None)
        .await;
    assert_eq!(status, 400);
    assert!(
        body["error"]["message"].as_str().unwrap().contains("first page"),
        "{body}"
    );

    let global = app.admin_token(None).await;
    let (status, csv) = app
        .api("GET", "/api/messages/received?format=csv", Some(&global), None)
        .await;
    assert_eq!(status, 200);
    let csv = csv.as_str().unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "message_sid,client,from,to,body,media,keyword,received_at");
    assert_eq!(lines.len(), 7, "{csv}");
    assert!(
        lines[1].starts_with("SM0000000000000000000000000000c009,harbor-plumbing,+12125550188,+442079460123,A leak,")
    );
}

/// A text to Acme from `from`.
async fn text_from(app: &TestApp, sid: &str, from: &str, body: &str) {
    let params = [
        ("MessageSid", sid),
        ("From", from),
        ("To", ACME),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    app.post("/twilio/sms", &params).await.assert_twiml();
}

#[tokio::test]
async fn an_assistant_texts_off_on_and_status_from_their_own_phone_and_is_answered() {
    const MARIA: &str = "+12125550111";
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 10, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(&fake, &app);
    let reply = |n: usize| {
        let sent = fake.accepted();
        assert_eq!(sent.len(), n, "{sent:?}");
        assert_eq!(sent[n - 1].to, MARIA);
        sent[n - 1].body.clone()
    };

    text_from(&app, "SM0000000000000000000000000000d001", MARIA, " off ").await;
    app.drain_outbox().await;
    assert_eq!(
        reply(1),
        "Maria Lopez, you are off duty for Acme Dental: calls will not ring you until you text ON."
    );
    let call = app.call("CA0000000000000000000000000000d101", ACME).await;
    assert_eq!(call.dialled(), ["+12125550112"], "John first while Maria is off duty");
    // Twilio retrying the webhook changes nothing and answers nothing more.
    text_from(&app, "SM0000000000000000000000000000d001", MARIA, " off ").await;
    text_from(&app, "SM0000000000000000000000000000d002", MARIA, "Status").await;
    app.drain_outbox().await;
    assert!(reply(2).starts_with("Maria Lopez, you are off duty for Acme Dental: calls do not ring you."));
    text_from(&app, "SM0000000000000000000000000000d003", MARIA, "ON").await;
    app.drain_outbox().await;
    assert!(reply(3).starts_with("Maria Lopez, you are on duty for Acme Dental again"));
    let call = app.call("CA0000000000000000000000000000d102", ACME).await;
    assert_eq!(call.dialled(), [MARIA]);

    let token = app.admin_token(None).await;
    let (_, audit) = app
        .api("GET", "/api/audit?action=assistant.duty", Some(&token), None)
        .await;
    let entries: Vec<(&str, &str)> = audit
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["actor"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert_eq!(
        entries,
        [
            ("Maria Lopez", "maria on duty (by text)"),
            ("Maria Lopez", "maria off duty (by text)")
        ]
    );
}

#[tokio::test]
async fn off_from_a_number_that_is_no_assistants_is_an_ordinary_text() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    text_from(&app, "SM0000000000000000000000000000d004", PATIENT, "OFF").await;
    app.drain_outbox().await;
    let sent = fake.accepted();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].body.starts_with("Thanks for texting Acme Dental."),
        "the auto-reply: {sent:?}"
    );
    let token = app.admin_token(None).await;
    let (_, client) = app.api("GET", "/api/clients/acme-dental", Some(&token), None).await;
    assert!(
        client["assistants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["on_duty"] == true),
        "{client}"
    );
}

/// Acme's rules with its `[sms]` section given these extra lines.
async fn with_sms_settings(app: &TestApp, lines: &str) {
    let global = app.admin_token(None).await;
    let rules = std::fs::read_to_string(example_rules().join("acme-dental.toml"))
        .unwrap()
        .replace("[sms]\n", &format!("[sms]\n{lines}\n"));
    let (status, body) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&global),
            Some(serde_json::Value::String(rules)),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn the_auto_reply_goes_once_per_conversation_per_period_and_never_to_the_clients_assistants() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    with_sms_settings(&app, "auto_reply_every_hours = 2").await;
    app.clock.set(new_york(2026, 12, 1, 10, 0));
    text(&app, "SM0000000000000000000000000000e001", "Hello?", &[]).await;
    app.advance(60 * 60);
    text(&app, "SM0000000000000000000000000000e002", "Anyone there?", &[]).await;
    text_from(
        &app,
        "SM0000000000000000000000000000e003",
        "+12125550111",
        "Running late",
    )
    .await;
    app.drain_outbox().await;
    assert_eq!(
        fake.accepted().len(),
        1,
        "one reply in two hours: {:?}",
        fake.accepted()
    );

    app.advance(61 * 60);
    text(&app, "SM0000000000000000000000000000e004", "Hello again", &[]).await;
    app.drain_outbox().await;
    let to: Vec<String> = fake.accepted().into_iter().map(|m| m.to).collect();
    assert_eq!(
        to,
        [PATIENT, PATIENT],
        "a new period, a new reply; none to Maria's phone"
    );
}

#[tokio::test]
async fn while_closed_the_auto_reply_says_the_closed_text() {
    let fake = FakeTwilio::start().await;
    let app = spawn(&fake).await;
    with_sms_settings(
        &app,
        "auto_reply_closed = \"{client} is closed now: we answer from 9 tomorrow.\"",
    )
    .await;
    app.clock.set(new_york(2026, 12, 1, 21, 0));
    text(&app, "SM0000000000000000000000000000e005", "Hello?", &[]).await;
    app.drain_outbox().await;
    assert_eq!(
        fake.accepted()[0].body,
        "Acme Dental is closed now: we answer from 9 tomorrow."
    );
    app.clock.set(new_york(2026, 12, 2, 10, 0));
    text_from(&app, "SM0000000000000000000000000000e006", "+12125550199", "Hello?").await;
    app.drain_outbox().await;
    assert!(
        fake.accepted()[1].body.starts_with("Thanks for texting Acme Dental."),
        "{:?}",
        fake.accepted()
    );
}
