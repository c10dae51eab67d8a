//! Sending on a client's behalf through the admin API: texts, MMS, bulk, calls,
//! opt-in state, number checks, history, quota.

use serde_json::{json, Value};

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

async fn spawn(fake: &FakeTwilio) -> (TestApp, String) {
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(fake, &app);
    let token = app.admin_token(Some("acme-dental")).await;
    (app, token)
}

#[tokio::test]
async fn an_mms_is_queued_sent_with_its_media_and_audited() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let request = json!({ "client": "acme-dental", "to": "+12125550188", "body": "Your x-ray", "media_urls": ["https://example.com/xray.jpg"] });
    let (status, queued) = app
        .api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
        .await;
    assert_eq!(status, 202, "{queued}");
    app.drain_outbox().await;
    let sent = fake.accepted();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].body.as_str(), sent[0].from.as_str()), ("Your x-ray", ACME));
    assert_eq!(sent[0].media_urls, ["https://example.com/xray.jpg"]);
    let (_, audit) = app.api("GET", "/api/audit", Some(&token), None).await;
    assert_eq!(audit[0]["action"], "mms.send");
    assert!(
        !audit.to_string().contains("+12125550188"),
        "numbers are masked in the audit: {audit}"
    );
}

#[tokio::test]
async fn a_bad_number_or_body_is_refused_with_a_reason() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let (status, body) = app
        .api(
            "POST",
            "/api/twilio/send-sms",
            Some(&token),
            Some(json!({ "client": "acme-dental", "to": "555-0188", "body": "hi" })),
        )
        .await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("E.164"), "{body}");
    let (status, _) = app
        .api(
            "POST",
            "/api/twilio/send-sms",
            Some(&token),
            Some(json!({ "client": "acme-dental", "to": "+12125550188", "body": " " })),
        )
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn a_csv_bulk_send_fills_each_rows_variables_and_refuses_bad_rows_alone() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let csv = "to,name,time\n+12125550181,\"Lee, Ann\",9:00\nnot-a-number,Bo,10:00\n+12125550183,Cy,11:30\n";
    let url = format!(
        "http://127.0.0.1:{}/api/clients/acme-dental/send-bulk?template=Hi%20{{name}},%20see%20you%20at%20{{time}}.",
        app.port
    );
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(&token)
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 207, "some rows queued, one refused");
    let results: Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(
        (results["queued"].as_u64(), results["refused"].as_u64()),
        (Some(2), Some(1))
    );
    let queued: Vec<bool> = results["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].is_number())
        .collect();
    assert_eq!(queued, [true, false, true], "{results}");
    let refused = &results["rows"][1];
    assert_eq!(refused["row"], 3, "the CSV's line, its header being line 1: {results}");
    assert!(refused["error"].as_str().unwrap().starts_with("row 3: "), "{results}");
    app.drain_outbox().await;
    let bodies: Vec<String> = fake.accepted().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, ["Hi Lee, Ann, see you at 9:00.", "Hi Cy, see you at 11:30."]);
}

#[tokio::test]
async fn the_hourly_quota_answers_429_with_retry_after() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let recipients: Vec<Value> = (0..500)
        .map(|n| json!({ "to": format!("+1212555{:04}", 1000 + n) }))
        .collect();
    let (status, _) = app
        .api(
            "POST",
            "/api/clients/acme-dental/send-bulk",
            Some(&token),
            Some(json!({ "template": "Closed tomorrow.", "recipients": recipients })),
        )
        .await;
    assert_eq!(status, 202);
    let url = format!("http://127.0.0.1:{}/api/twilio/send-sms", app.port);
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(json!({ "client": "acme-dental", "to": "+12125550188", "body": "one more" }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((3500..=3600).contains(&retry_after), "{retry_after}");
}

#[tokio::test]
async fn click_to_call_rings_the_assistant_then_connects_with_the_business_caller_id() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let request = json!({ "client": "acme-dental", "assistant": "john", "to": "+12125550188" });
    let (status, body) = app
        .api("POST", "/api/twilio/make-call", Some(&token), Some(request))
        .await;
    assert_eq!(status, 202, "{body}");
    app.drain_outbox().await;
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].to.as_str(), calls[0].from.as_str()), ("+12125550112", ACME));
    assert!(
        calls[0].twiml.contains(&format!(
            "<Dial callerId=\"{ACME}\"><Number>+12125550188</Number></Dial>"
        )),
        "{}",
        calls[0].twiml
    );
    assert_eq!(
        calls[0].status_callback.as_deref(),
        Some(format!("{PUBLIC_URL}/twilio/voice/status").as_str())
    );

    // Its status callbacks keep it as an outbound call of the client, never a missed one.
    let sid = calls[0].sid.clone();
    let status = [
        ("CallSid", sid.as_str()),
        ("From", ACME),
        ("To", "+12125550112"),
        ("CallStatus", "completed"),
        ("Direction", "outbound-api"),
        ("CallDuration", "61"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &status).await.status, 204);
    let record = app.call_detail(&sid).await.call;
    assert_eq!(
        (record.client_id.as_deref(), record.direction.as_str(), record.outcome),
        (Some("acme-dental"), "outbound-api", None)
    );
}

#[tokio::test]
async fn a_notification_call_speaks_the_message() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let request = json!({ "to": "+12125550188", "message": "Your appointment is at 3 & ends at 4." });
    let (status, _) = app
        .api(
            "POST",
            "/api/clients/acme-dental/notify-call",
            Some(&token),
            Some(request),
        )
        .await;
    assert_eq!(status, 202);
    app.drain_outbox().await;
    assert!(
        fake.calls()[0]
            .twiml
            .contains("<Say loop=\"2\">Your appointment is at 3 &amp; ends at 4.</Say><Hangup/>"),
        "{}",
        fake.calls()[0].twiml
    );
}

#[tokio::test]
async fn calls_placed_for_a_client_speak_in_its_voice_and_language() {
    let fake = FakeTwilio::start().await;
    let (app, _) = spawn(&fake).await;
    let token = app.admin_token(Some("harbor-plumbing")).await;
    let notify = json!({ "to": "+12125550188", "message": "Your plumber is on the way." });
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/harbor-plumbing/notify-call",
            Some(&token),
            Some(notify),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    let click = json!({ "client": "harbor-plumbing", "assistant": "dev", "to": "+12125550188" });
    let (status, body) = app
        .api("POST", "/api/twilio/make-call", Some(&token), Some(click))
        .await;
    assert_eq!(status, 202, "{body}");
    app.drain_outbox().await;
    let calls = fake.calls();
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert!(
            call.twiml.contains("<Say voice=\"Polly.Amy\" language=\"en-GB\""),
            "{}",
            call.twiml
        );
    }
}

#[tokio::test]
async fn an_admin_can_read_and_set_opt_in_state_and_nothing_goes_to_an_opted_out_number() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let path = "/api/clients/acme-dental/opt-outs/+12125550188";
    assert_eq!(app.api("GET", path, Some(&token), None).await.1["opted_out"], false);
    assert_eq!(
        app.api("PUT", path, Some(&token), Some(json!({ "opted_out": true })))
            .await
            .0,
        200
    );
    assert_eq!(app.api("GET", path, Some(&token), None).await.1["opted_out"], true);
    let (status, refused) = app
        .api(
            "POST",
            "/api/twilio/send-sms",
            Some(&token),
            Some(json!({ "client": "acme-dental", "to": "+12125550188", "body": "hi" })),
        )
        .await;
    assert_eq!(status, 409, "refused at once: {refused}");
    app.drain_outbox().await;
    assert!(fake.accepted().is_empty());
    let (_, history) = app
        .api("GET", "/api/messages?client=acme-dental", Some(&token), None)
        .await;
    assert_eq!(history, json!([]), "nothing queued");
}

#[tokio::test]
async fn numbers_are_validated_and_normalised() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (status, n) = app
        .api(
            "POST",
            "/api/phone/validate",
            Some(&token),
            Some(json!({ "number": "(646) 555-0199", "country": "US" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (n["e164"].as_str(), n["country"].as_str()),
        (Some("+16465550199"), Some("US"))
    );
    assert_eq!(
        (n["valid"].as_bool(), n["possible"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(n["type"], "fixed_line_or_mobile", "{n}");
    assert_eq!(n["national"], "(646) 555-0199");
    assert_eq!(n["international"], "+1 646-555-0199");

    let (status, mobile) = app
        .api(
            "POST",
            "/api/phone/validate",
            Some(&token),
            Some(json!({ "number": "+44 7400 123456" })),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        (mobile["type"].as_str(), mobile["country"].as_str()),
        (Some("mobile"), Some("GB"))
    );
    let (_, toll_free) = app
        .api(
            "POST",
            "/api/phone/validate",
            Some(&token),
            Some(json!({ "number": "+1 800 555 0100" })),
        )
        .await;
    assert_eq!(toll_free["type"], "toll_free", "{toll_free}");

    for (number, country, says) in [
        ("call me", Some("US"), "not a phone number"),
        ("+1 212 555", None, "length"),
        ("212 555 0111", None, "its country"),
        ("212 555 0111", Some("XX"), "not a country code"),
    ] {
        let request = json!({ "number": number, "country": country });
        let (status, n) = app
            .api("POST", "/api/phone/validate", Some(&token), Some(request))
            .await;
        assert_eq!(status, 200, "a validator answers, it does not refuse: {n}");
        assert_eq!(n["valid"], false, "{number}: {n}");
        assert!(n["reason"].as_str().unwrap().contains(says), "{number}: {n}");
    }

    let (status, body) = app
        .api(
            "POST",
            "/api/phone/validate",
            Some(&token),
            Some(json!({ "country": "US" })),
        )
        .await;
    assert_eq!(status, 422, "a request without a number is still refused: {body}");
}

#[tokio::test]
async fn the_message_history_exports_as_csv() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    app.api(
        "POST",
        "/api/twilio/send-sms",
        Some(&token),
        Some(json!({ "client": "acme-dental", "to": "+12125550188", "body": "Hello, world" })),
    )
    .await;
    app.drain_outbox().await;
    let url = format!("http://127.0.0.1:{}/api/messages?format=csv", app.port);
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let text = response.text().await.unwrap();
    let mut lines = text.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("id,client,kind,purpose,to,from,body,state,delivery"));
    assert!(
        lines
            .next()
            .unwrap()
            .contains(",sms,api,+12125550188,+12125550100,\"Hello, world\",sent,queued,"),
        "{text}"
    );
}

#[tokio::test]
async fn a_scheduled_text_waits_for_its_time() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let at = (app.clock_now() + chrono::Duration::hours(1)).to_rfc3339();
    let request = json!({ "client": "acme-dental", "to": "+12125550188", "body": "Reminder", "send_at": at });
    assert_eq!(
        app.api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
            .await
            .0,
        202
    );
    app.drain_outbox().await;
    assert!(fake.accepted().is_empty());
    app.advance(3600);
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 1);
}

#[tokio::test]
async fn the_csv_export_holds_every_message_past_a_page_and_a_search_finds_a_recipient() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    let bulk = |first: u32, count: u32| {
        let recipients: Vec<Value> = (first..first + count)
            .map(|n| json!({ "to": format!("+1212555{n:04}") }))
            .collect();
        json!({ "template": "Closed tomorrow.", "recipients": recipients })
    };
    let url = "/api/clients/acme-dental/send-bulk";
    assert_eq!(app.api("POST", url, Some(&token), Some(bulk(1000, 500))).await.0, 202);
    app.advance(3601);
    assert_eq!(app.api("POST", url, Some(&token), Some(bulk(2000, 200))).await.0, 202);

    let url = format!("http://127.0.0.1:{}/api/messages?format=csv", app.port);
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 701, "one header and every message, not one page");
    assert!(lines[0].starts_with("id,"));
    let ids: Vec<i64> = lines[1..]
        .iter()
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first, none twice");

    let (_, found) = app
        .api("GET", "/api/messages?to=(212)%20555-2042", Some(&token), None)
        .await;
    let found = found.as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["to"], "+12125552042");
    let (_, ending) = app.api("GET", "/api/messages?to=2042", Some(&token), None).await;
    assert_eq!(ending.as_array().unwrap().len(), 1);
    let (status, body) = app.api("GET", "/api/messages?format=pdf", Some(&token), None).await;
    assert_eq!(status, 400);
    assert!(body["error"]["message"].as_str().unwrap().contains("csv"), "{body}");
}

#[tokio::test]
async fn a_clients_text_figures_count_what_became_of_each_text() {
    let fake = FakeTwilio::start().await;
    let (app, token) = spawn(&fake).await;
    for (to, body) in [
        ("+12125550181", "One"),
        ("+12125550182", "Two"),
        ("+12125550183", "Three"),
    ] {
        let request = json!({ "client": "acme-dental", "to": to, "body": body });
        assert_eq!(
            app.api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
                .await
                .0,
            202
        );
    }
    app.drain_outbox().await;
    let sent = fake.accepted();
    assert_eq!(sent.len(), 3);
    for (message, status) in sent.iter().zip(["delivered", "undelivered"]) {
        let params = [
            ("MessageSid", message.sid.as_str()),
            ("MessageStatus", status),
            ("To", &message.to),
            ("From", ACME),
        ];
        assert_eq!(app.post("/twilio/sms/status", &params).await.status, 204);
    }
    app.advance(60);
    let (status, stats) = app
        .api("GET", "/api/clients/acme-dental/stats", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{stats}");
    let texts = &stats["messages"];
    assert_eq!(
        (
            texts["sent"].as_u64(),
            texts["delivered"].as_u64(),
            texts["failed"].as_u64()
        ),
        (Some(3), Some(1), Some(1)),
        "{texts}"
    );
    assert_eq!(texts["segments"], 3, "{texts}");
    let (_, others) = app
        .api(
            "GET",
            "/api/clients/harbor-plumbing/stats",
            Some(&app.admin_token(None).await),
            None,
        )
        .await;
    assert_eq!(others["messages"]["sent"], 0, "another client's texts are not counted");
}
