//! Outgoing webhooks to a real HTTP receiver on loopback: each event once per endpoint it
//! is subscribed to, signed as Standard Webhooks says (checked by the reference Python
//! package too), retried after failures, an endpoint failing for a day turned off and the
//! admin told, one delivery sent again on request, and the endpoints managed over the API.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use crate::helpers::*;
use crate::webhook_receiver::{verify_with_python, Receiver};

pub(crate) const KEY: &str = "5c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba1";
const CALL: &str = "CA0000000000000000000000000000e001";
const RECORDING: &str = "RE0000000000000000000000000000e001";
const PATIENT: &str = "+12125550188";
const ALL: [&str; 5] = [
    "call.completed",
    "voicemail.created",
    "transcript.ready",
    "message.received",
    "message.status",
];

pub(crate) async fn spawn_at(at: chrono::DateTime<chrono::Utc>) -> TestApp {
    spawn_with(Options {
        at,
        secret_key: Some(KEY),
        settings: |s| s.webhook_allow_loopback = true,
        ..Options::default()
    })
    .await
}

/// After hours, so a call to Acme goes to voicemail.
pub(crate) async fn spawn() -> TestApp {
    spawn_at(new_york(2026, 12, 1, 20, 0)).await
}

/// Adds an endpoint for Acme; returns its id and secret.
pub(crate) async fn endpoint(app: &TestApp, token: &str, url: &str, events: &[&str]) -> (String, String) {
    let (status, body) = app
        .api(
            "POST",
            "/api/clients/acme-dental/webhooks",
            Some(token),
            Some(json!({ "url": url, "events": events })),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    (
        body["id"].as_str().unwrap().to_owned(),
        body["secret"].as_str().unwrap().to_owned(),
    )
}

pub(crate) async fn text_in(app: &TestApp, sid: &str, body: &str) {
    let params = [
        ("MessageSid", sid),
        ("From", PATIENT),
        ("To", ACME),
        ("Body", body),
        ("NumMedia", "0"),
    ];
    assert_eq!(app.post("/twilio/sms", &params).await.status, 200);
}

async fn status_of(app: &TestApp, sid: &str, status: &str) {
    let params = [
        ("MessageSid", sid),
        ("MessageStatus", status),
        ("To", PATIENT),
        ("From", ACME),
    ];
    assert_eq!(app.post("/twilio/sms/status", &params).await.status, 204);
}

/// A voicemail, its transcript, the call's end, a text in and a delivery status: one of each
/// event, every callback posted again after the first were delivered, as Twilio does when it
/// retries.
async fn everything_happens(app: &TestApp) {
    let (done, _, transcription) = voicemail(app, CALL, RECORDING, "14").await;
    let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{RECORDING}");
    let recorded = [
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("RecordingSid", RECORDING),
        ("RecordingUrl", url.as_str()),
        ("RecordingDuration", "14"),
    ];
    let ended = [
        ("CallSid", CALL),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("CallDuration", "40"),
    ];
    for _ in 0..2 {
        assert_eq!(app.post(&done, &recorded).await.status, 200);
        transcript(
            app,
            &transcription,
            CALL,
            RECORDING,
            "Please call me back about my crown.",
        )
        .await;
        assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
        text_in(
            app,
            "SM0000000000000000000000000000e001",
            "Is the office open Saturday?",
        )
        .await;
        status_of(app, "SM0000000000000000000000000000e002", "delivered").await;
        app.drain_outbox().await;
    }
}

/// The signature as the `standardwebhooks` crate makes it for these headers and body.
fn signed_as_specified(secret: &str, r: &crate::webhook_receiver::Received) -> bool {
    let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
    let expected = standardwebhooks::Webhook::new(secret)
        .unwrap()
        .sign(r.header("webhook-id"), ts, r.body.as_bytes())
        .unwrap();
    r.header("webhook-signature") == expected
}

pub(crate) async fn deliveries(app: &TestApp, token: &str, endpoint: &str) -> Vec<Value> {
    let path = format!("/api/clients/acme-dental/webhooks/{endpoint}/deliveries");
    let (status, body) = app.api("GET", &path, Some(token), None).await;
    assert_eq!(status, 200, "{body}");
    body["deliveries"].as_array().unwrap().clone()
}

#[tokio::test]
async fn each_event_reaches_each_endpoint_subscribed_to_it_once_and_signed() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let helpdesk = Receiver::start().await;
    let (_, crm_secret) = endpoint(&app, &admin, &crm.url, &ALL).await;
    let (_, helpdesk_secret) = endpoint(&app, &admin, &helpdesk.url, &["message.received"]).await;

    everything_happens(&app).await;
    app.drain_outbox().await;

    let mut all: Vec<String> = ALL.iter().map(|e| (*e).to_owned()).collect();
    all.sort();
    assert_eq!(crm.delivered_types(), all);
    assert_eq!(helpdesk.delivered_types(), ["message.received"]);
    for r in crm.received() {
        assert!(signed_as_specified(&crm_secret, &r), "{r:?}");
        assert!(!signed_as_specified(&helpdesk_secret, &r));
        assert!(r.header("webhook-id").starts_with("msg_"), "{r:?}");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.json["timestamp"].as_str().unwrap().len(), 20, "{}", r.body);
    }
    let by_type = |t: &str| crm.received().into_iter().find(|r| r.event() == t).unwrap().json;
    let call = by_type("call.completed");
    assert_eq!(call["data"]["call_sid"], CALL);
    assert_eq!(call["data"]["from"], CALLER);
    assert_eq!(call["data"]["outcome"], "voicemail");
    assert_eq!(call["data"]["duration_seconds"], 40);
    assert_eq!(by_type("voicemail.created")["data"]["recording_sid"], RECORDING);
    assert_eq!(by_type("voicemail.created")["data"]["duration_seconds"], 14);
    assert_eq!(
        by_type("transcript.ready")["data"]["text"],
        "Please call me back about my crown."
    );
    assert_eq!(
        by_type("message.received")["data"]["body"],
        "Is the office open Saturday?"
    );
    assert_eq!(by_type("message.status")["data"]["status"], "delivered");
    // The event is the same one at both endpoints: one webhook-id.
    let id = |r: &Receiver| {
        r.received()
            .into_iter()
            .find(|r| r.event() == "message.received")
            .unwrap()
    };
    assert_eq!(id(&crm).header("webhook-id"), id(&helpdesk).header("webhook-id"));
    // Webhooks are not messages: the history of texts sent does not list them.
    let (_, sent) = app
        .api("GET", "/api/messages?client=acme-dental", Some(&admin), None)
        .await;
    assert!(!sent.to_string().contains("message.received"), "{sent}");
}

#[tokio::test]
async fn a_failing_endpoint_is_tried_again_with_back_off_until_it_answers() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["message.received"]).await;
    crm.fail_next(2);

    text_in(&app, "SM0000000000000000000000000000e101", "hello").await;
    app.drain_outbox().await;
    assert_eq!(crm.received().len(), 1);
    // Not again at once: it waits its back-off.
    app.drain_outbox().await;
    assert_eq!(crm.received().len(), 1);
    let (_, shown) = app
        .api(
            "GET",
            &format!("/api/clients/acme-dental/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(shown["health"], "failing", "{shown}");
    assert_eq!(shown["state"], "Failing since 8:00 PM EST", "{shown}");
    for _ in 0..2 {
        app.advance(301);
        app.drain_outbox().await;
    }

    let received = crm.received();
    let answers: Vec<u16> = received.iter().map(|r| r.answered).collect();
    assert_eq!(answers, [500, 500, 200]);
    assert!(received
        .iter()
        .all(|r| r.header("webhook-id") == received[0].header("webhook-id")));
    let log = deliveries(&app, &admin, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["state"], "delivered");
    let attempts = log[0]["attempts"].as_array().unwrap();
    let codes: Vec<i64> = attempts.iter().map(|a| a["status_code"].as_i64().unwrap()).collect();
    assert_eq!(codes, [500, 500, 200]);
    assert_eq!(
        attempts[0]["error"],
        "answered 500 Internal Server Error: receiver says so"
    );
    assert!(attempts[2]["error"].is_null());
    assert!(attempts.iter().all(|a| a["latency_ms"].as_i64().unwrap() >= 0));
    let (_, shown) = app
        .api(
            "GET",
            &format!("/api/clients/acme-dental/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(shown["state"], "Working", "{shown}");
}

#[tokio::test]
async fn an_endpoint_failing_for_a_day_is_turned_off_and_the_admin_is_told() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["message.received"]).await;
    let path = format!("/api/clients/acme-dental/webhooks/{id}");
    crm.fail_with(Some(503));

    text_in(&app, "SM0000000000000000000000000000e201", "one").await;
    app.drain_outbox().await;
    app.advance(12 * 3600);
    text_in(&app, "SM0000000000000000000000000000e202", "two").await;
    app.drain_outbox().await;
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["enabled"], true, "half a day of failures is not enough: {shown}");
    assert_eq!(shown["state"], "Failing since Tue 1 Dec, 8:00 PM EST", "{shown}");

    app.advance(12 * 3600);
    text_in(&app, "SM0000000000000000000000000000e203", "three").await;
    app.drain_outbox().await;
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["enabled"], false, "{shown}");
    assert_eq!(shown["health"], "turned_off_after_failing");
    assert_eq!(shown["state"], "Turned off after failing for 24 hours");
    let (_, audit) = app
        .api("GET", "/api/audit?client=acme-dental", Some(&admin), None)
        .await;
    let told = audit.to_string();
    assert!(told.contains("webhook.turned_off"), "{told}");
    assert!(!told.contains("t0ken"), "the URL's query stays out of the log: {told}");

    // Nothing more is sent to it, and what waited is not sent either.
    let before = crm.received().len();
    text_in(&app, "SM0000000000000000000000000000e204", "four").await;
    app.advance(3600);
    app.drain_outbox().await;
    assert_eq!(crm.received().len(), before);

    // Turned on again, it works from a clean slate.
    crm.fail_with(None);
    let (status, shown) = app
        .api("PATCH", &path, Some(&admin), Some(json!({ "enabled": true })))
        .await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["state"], "Working");
    text_in(&app, "SM0000000000000000000000000000e205", "five").await;
    app.drain_outbox().await;
    assert_eq!(crm.delivered_types(), ["message.received"]);
}

#[tokio::test]
async fn one_delivery_is_sent_again_on_request_with_the_same_webhook_id() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["message.received"]).await;
    text_in(&app, "SM0000000000000000000000000000e301", "hello").await;
    app.drain_outbox().await;
    let delivery = deliveries(&app, &admin, &id).await[0]["id"].as_i64().unwrap();

    let again = format!("/api/clients/acme-dental/webhooks/{id}/deliveries/{delivery}/redeliver");
    let (status, body) = app.api("POST", &again, Some(&admin), None).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["state"], "pending");
    app.drain_outbox().await;

    let received = crm.received();
    assert_eq!(received.len(), 2);
    assert_eq!(received[0].header("webhook-id"), received[1].header("webhook-id"));
    assert_eq!(received[0].body, received[1].body);
    let log = deliveries(&app, &admin, &id).await;
    assert_eq!(log[0]["attempts"].as_array().unwrap().len(), 2);
    assert_eq!(log[0]["state"], "delivered");

    let unknown = format!("/api/clients/acme-dental/webhooks/{id}/deliveries/999999/redeliver");
    assert_eq!(app.api("POST", &unknown, Some(&admin), None).await.0, 404);
    let path = format!("/api/clients/acme-dental/webhooks/{id}");
    app.api("PATCH", &path, Some(&admin), Some(json!({ "enabled": false })))
        .await;
    let (status, body) = app.api("POST", &again, Some(&admin), None).await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn endpoints_are_added_changed_and_removed_and_the_secret_is_shown_once() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let base = "/api/clients/acme-dental/webhooks";
    let add = |url: &str, events: Value| json!({ "url": url, "events": events });
    for (body, why) in [
        (add("http://crm.example.com/hooks", json!(["call.completed"])), "https"),
        (
            add("https://crm.example.com/hooks", json!(["call.done"])),
            "call.completed",
        ),
        (add("https://crm.example.com/hooks", json!([])), "at least one"),
        (
            add("https://user:pw@crm.example.com/", json!(["call.completed"])),
            "password",
        ),
    ] {
        let (status, answer) = app.api("POST", base, Some(&admin), Some(body)).await;
        assert_eq!(status, 400, "{answer}");
        assert!(answer.to_string().contains(why), "{answer}");
    }
    let (id, secret) = endpoint(&app, &admin, "https://crm.example.com/hooks?token=t0ken", &ALL).await;
    assert!(secret.starts_with("whsec_"), "{secret}");

    let (status, list) = app.api("GET", base, Some(&admin), None).await;
    assert_eq!(status, 200);
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["state"], "Working");
    assert!(
        !list.to_string().contains(&secret[6..]),
        "the secret is never shown again: {list}"
    );
    let stored = app.row("SELECT secret_encrypted FROM webhook_endpoints").await;
    let sealed: String = stored.try_get_by_index(0).unwrap();
    assert!(!sealed.contains(&secret[6..]), "the secret is stored sealed");

    let path = format!("{base}/{id}");
    let (status, changed) = app
        .api(
            "PATCH",
            &path,
            Some(&admin),
            Some(json!({ "events": ["message.status", "call.completed"] })),
        )
        .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["events"], json!(["call.completed", "message.status"]));
    let (status, _) = app
        .api(
            "PATCH",
            &path,
            Some(&admin),
            Some(json!({ "url": "ftp://crm.example.com" })),
        )
        .await;
    assert_eq!(status, 400);
    let (status, off) = app
        .api("PATCH", &path, Some(&admin), Some(json!({ "enabled": false })))
        .await;
    assert_eq!(status, 200);
    assert_eq!(off["state"], "Turned off by an admin");

    assert_eq!(app.api("DELETE", &path, Some(&admin), None).await.0, 204);
    assert_eq!(app.api("GET", &path, Some(&admin), None).await.0, 404);
    assert_eq!(app.api("DELETE", &path, Some(&admin), None).await.0, 404);
    let (_, audit) = app
        .api("GET", "/api/audit?client=acme-dental", Some(&admin), None)
        .await;
    let audit = audit.to_string();
    for action in ["webhook.create", "webhook.update", "webhook.delete"] {
        assert!(audit.contains(action), "{action}: {audit}");
    }
    assert!(!audit.contains(&secret[6..]) && !audit.contains("t0ken"), "{audit}");
}

#[tokio::test]
async fn without_a_secret_key_no_endpoint_can_be_added() {
    let app = spawn_with(Options {
        settings: |s| s.webhook_allow_loopback = true,
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(None).await;
    let body = json!({ "url": "https://crm.example.com/hooks", "events": ["call.completed"] });
    let (status, answer) = app
        .api("POST", "/api/clients/acme-dental/webhooks", Some(&admin), Some(body))
        .await;
    assert_eq!(status, 409, "{answer}");
    assert!(answer.to_string().contains("SWITCHBOARD_SECRET_KEY"), "{answer}");
}

#[tokio::test]
async fn redirects_are_not_followed_and_count_as_failures() {
    let app = spawn().await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["message.received"]).await;
    crm.fail_with(Some(301));
    text_in(&app, "SM0000000000000000000000000000e401", "hello").await;
    app.drain_outbox().await;
    assert_eq!(crm.received().len(), 1);
    let log = deliveries(&app, &admin, &id).await;
    let error = log[0]["attempts"][0]["error"].as_str().unwrap();
    assert!(error.contains("redirects are not followed"), "{error}");
    assert_eq!(log[0]["state"], "pending");
}

#[tokio::test]
async fn signatures_verify_with_the_standard_webhooks_reference_package() {
    // The reference package checks the timestamp against the real time.
    let app = spawn_at(chrono::Utc::now()).await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (_, secret) = endpoint(&app, &admin, &crm.url, &ALL).await;
    text_in(&app, "SM0000000000000000000000000000e501", "héllo, \"quoted\" & <odd>").await;
    status_of(&app, "SM0000000000000000000000000000e502", "delivered").await;
    app.drain_outbox().await;
    let received = crm.received();
    assert_eq!(received.len(), 2);

    let mut requests: Vec<(BTreeMap<String, String>, String)> =
        received.iter().map(|r| (r.headers.clone(), r.body.clone())).collect();
    // A body changed on the way must not verify: the check is real.
    requests.push((received[0].headers.clone(), received[0].body.replace("héllo", "hello")));
    let Some(verdicts) = verify_with_python(
        "signatures_verify_with_the_standard_webhooks_reference_package",
        &secret,
        &requests,
    ) else {
        return;
    };
    assert_eq!(verdicts[..2], ["OK", "OK"], "{verdicts:?}");
    assert!(verdicts[2].starts_with("FAIL"), "{verdicts:?}");
}

/// The texts' failure test, for webhooks: a slow receiver that fails at first, and the
/// process delivering to it killed in the middle. Every event arrives; one cut short in
/// flight may arrive again, always under its own `webhook-id`, so the receiver keeps each
/// once.
#[tokio::test]
async fn a_process_killed_mid_delivery_loses_no_event_and_repeats_none_under_a_new_id() {
    use std::collections::BTreeSet;
    use std::time::{Duration, Instant};
    use switchboard::webhooks::{self, events};

    use crate::database::TestDb;
    use crate::server_process::ServerProcess;

    let db = TestDb::new().await;
    let crm = Receiver::start().await;
    crm.fail_next(10);
    crm.slow(Duration::from_millis(25));
    let conn = switchboard::store::connect(&db.url).await.unwrap();
    switchboard::store::migrate(&conn).await.unwrap();
    let now = chrono::Utc::now();
    let key = switchboard::accounts::secrets::SecretKey::parse(KEY).unwrap();
    let sealed = key.seal(
        &webhooks::secret_context("acme-dental", "ep_crash"),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    );
    let endpoint = switchboard::store::webhooks::NewEndpoint {
        id: "ep_crash",
        client: "acme-dental",
        url: &crm.url,
        events: "message.received",
        secret_encrypted: &sealed,
    };
    switchboard::store::webhooks::create(&conn, &endpoint, now)
        .await
        .unwrap();
    for n in 0..60 {
        let sid = format!("SM{n:032x}");
        let text = events::Received {
            message_sid: &sid,
            from: PATIENT,
            to: ACME,
            body: "hello",
            media_urls: &[],
            keyword: None,
        };
        let queued = webhooks::emit(&conn, "acme-dental", &events::message_received(&text), now).await;
        assert_eq!(queued.unwrap(), 1);
    }
    let rules = example_rules();
    let env = [
        ("SWITCHBOARD_SECRET_KEY", KEY),
        ("SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK", "true"),
        ("SWITCHBOARD_OUTBOX_LEASE_SECONDS", "2"),
        ("SWITCHBOARD_OUTBOX_BACKOFF_MS", "20"),
    ];
    let serve = || ServerProcess::start(&db.url, &rules, &env);
    let mut first = serve().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while crm.received().len() < 20 {
        assert!(Instant::now() < deadline, "the first process never delivered");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let _second = serve().await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while switchboard::store::outbox::pending_stats(&conn).await.unwrap().0 > 0 {
        assert!(Instant::now() < deadline, "deliveries left pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let received = crm.received();
    let delivered: BTreeSet<(String, String)> = received
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| {
            (
                r.header("webhook-id").to_owned(),
                r.json["data"]["message_sid"].to_string(),
            )
        })
        .collect();
    let ids: BTreeSet<&String> = delivered.iter().map(|(id, _)| id).collect();
    let texts: BTreeSet<&String> = delivered.iter().map(|(_, sid)| sid).collect();
    assert_eq!(texts.len(), 60, "every event arrived");
    assert_eq!(ids.len(), 60, "each event under one webhook-id, whatever the repeats");
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    assert!(received.iter().all(|r| signed_as_specified(secret, r)));
}
