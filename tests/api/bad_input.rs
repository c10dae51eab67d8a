//! Bad input gets a short 4xx and the server keeps serving.

use crate::helpers::*;

#[tokio::test]
async fn a_webhook_without_call_sid_is_a_400_with_a_reason() {
    let app = spawn_app().await;
    let answer = app.post("/twilio/voice", &[("From", CALLER), ("To", ACME)]).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("CallSid"), "{}", answer.body);
}

#[tokio::test]
async fn a_malformed_call_sid_is_a_400() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/twilio/voice",
            &[("CallSid", "'; DROP TABLE calls; --"), ("From", CALLER), ("To", ACME)],
        )
        .await;
    assert_eq!(answer.status, 400);
    app.call("CA00000000000000000000000000000a81", ACME)
        .await
        .assert_twiml();
}

#[tokio::test]
async fn a_body_over_64_kib_is_a_413() {
    let app = spawn_app().await;
    let big = "x".repeat(70 * 1024);
    let answer = app
        .post(
            "/twilio/voice",
            &[
                ("CallSid", "CA00000000000000000000000000000a82"),
                ("To", ACME),
                ("Pad", &big),
            ],
        )
        .await;
    assert_eq!(answer.status, 413);
    app.call("CA00000000000000000000000000000a83", ACME)
        .await
        .assert_twiml();
}

#[tokio::test]
async fn unknown_routes_and_wrong_methods_are_4xx() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let missing = http.post(format!("{base}/twilio/nope")).send().await.unwrap();
    assert_eq!(missing.status(), 404);
    assert!(missing.text().await.unwrap().contains("\"code\":\"not_found\""));
    assert_eq!(
        http.get(format!("{base}/twilio/voice")).send().await.unwrap().status(),
        405
    );
}

#[tokio::test]
async fn a_callback_url_with_a_tampered_position_still_answers_the_caller() {
    let app = spawn_app().await;
    let answer = app
        .post(
            "/twilio/voice/next?client=acme-dental&step=x",
            &[
                ("CallSid", "CA00000000000000000000000000000a84"),
                ("To", ACME),
                ("DialCallStatus", "no-answer"),
            ],
        )
        .await;
    answer.assert_twiml();
    assert!(answer.verbs().contains(&"Record".to_owned()));
}

#[tokio::test]
async fn health_reports_the_database() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let response = http.get(format!("{base}/health")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&response.text().await.unwrap()).unwrap();
    assert_eq!(body["ready"], true);
    assert_eq!(body["clients"], 3);
}

#[tokio::test]
async fn metrics_show_webhook_latency_by_route_and_call_outcomes() {
    let app = spawn_app().await;
    app.call("CA00000000000000000000000000000a99", ACME).await;
    let gone = [
        ("CallSid", "CA00000000000000000000000000000a99"),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
    ];
    app.post("/twilio/voice/status", &gone).await;
    let (http, base) = app.raw();
    let text = http
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("switchboard_http_request_seconds_bucket{route=\"/twilio/voice\",status=\"200\""),
        "{text}"
    );
    assert!(
        text.contains("switchboard_calls_total{client=\"acme-dental\"}"),
        "{text}"
    );
    assert!(
        text.contains("switchboard_call_outcomes_total{client=\"acme-dental\",outcome=\"missed\"}"),
        "{text}"
    );
    assert!(text.contains("switchboard_outbox_pending "), "{text}");
    assert!(text.contains("switchboard_batch_items_bucket{le=\"1\"}"), "{text}");
    assert!(text.contains("switchboard_batch_seconds_count "), "{text}");
    for stage in ["read", "decide", "write"] {
        let count = format!("switchboard_batch_stage_seconds_count{{stage=\"{stage}\"}} ");
        assert!(text.contains(&count), "{count} in {text}");
    }
    assert!(text.contains("switchboard_db_pool_connections "), "{text}");
    assert!(
        !text.contains("CA00000000000000000000000000000a99"),
        "no call ids in metrics"
    );
}

#[tokio::test]
async fn an_address_longer_than_twilio_sends_is_refused_naming_it_and_nothing_is_stored() {
    let app = spawn_app().await;
    let long = format!("+1{}", "5".repeat(70));
    let voice = app
        .post(
            "/twilio/voice",
            &[
                ("CallSid", "CA00000000000000000000000000000c77"),
                ("From", long.as_str()),
                ("To", ACME),
            ],
        )
        .await;
    assert_eq!(voice.status, 400, "{}", voice.body);
    assert!(
        voice.body.contains("From must be at most 64 characters"),
        "{}",
        voice.body
    );
    assert!(
        switchboard::store::calls::find(&app.db, "CA00000000000000000000000000000c77")
            .await
            .unwrap()
            .is_none()
    );
    let sms = app
        .post(
            "/twilio/sms",
            &[
                ("MessageSid", "SM0000000000000000000000000000bb01"),
                ("From", &long[..40]),
                ("To", ACME),
                ("Body", "hi"),
            ],
        )
        .await;
    assert_eq!(sms.status, 400, "{}", sms.body);
    assert!(sms.body.contains("From must be at most 32 characters"), "{}", sms.body);
}
