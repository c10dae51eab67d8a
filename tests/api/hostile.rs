//! Requests crafted to break in get a 4xx, reach nothing, and the server stays up.

use crate::helpers::*;

const CALL: &str = "CA0000000000000000000000000000ba01";

#[tokio::test]
async fn ten_thousand_unsigned_parameters_are_refused_and_the_server_stays_up() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    // 10 000 parameters in 40 KB: under the body limit, so the signature check answers.
    let body = "a=1&".repeat(10_000);
    let response = http
        .post(format!("{base}/twilio/voice"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    app.call(CALL, ACME).await.assert_twiml();
}

#[tokio::test]
async fn invalid_utf8_and_a_replayed_request_with_a_changed_parameter_are_refused() {
    let app = spawn_app().await;
    let (http, base) = app.raw();
    let response = http
        .post(format!("{base}/twilio/voice"))
        .header("X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(vec![b'C', b'a', b'l', b'l', b'S', b'i', b'd', b'=', 0xff, 0xfe])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        switchboard::store::calls::find(&app.db, CALL).await.unwrap().is_none(),
        "nothing reached the database"
    );
}

#[tokio::test]
async fn markup_in_a_callers_number_never_becomes_twiml() {
    let app = spawn_app().await;
    let hostile = "+1555</Say><Dial>+19005550000</Dial><Say>\r\nX-Injected: 1";
    let answer = app
        .post("/twilio/voice", &[("CallSid", CALL), ("From", hostile), ("To", ACME)])
        .await;
    answer.assert_twiml();
    let screen = answer.first("Number").attr("url").unwrap().to_owned();
    let whisper = app
        .post(
            &screen,
            &[
                ("CallSid", "CA0000000000000000000000000000ba02"),
                ("ParentCallSid", CALL),
                ("From", hostile),
            ],
        )
        .await;
    whisper.assert_twiml();
    assert_eq!(
        whisper.verbs(),
        ["Gather", "Say", "Hangup"],
        "no injected element: {}",
        whisper.body
    );
    assert!(!whisper.body.contains("19005550000"), "{}", whisper.body);
}

#[tokio::test]
async fn path_traversal_and_sql_in_admin_ids_are_plain_404s() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    for path in [
        "/api/clients/..%2F..%2Fetc%2Fpasswd",
        "/api/clients/acme-dental'%20OR%20'1'='1",
        "/api/calls/CA'%3B%20DROP%20TABLE%20calls%3B--",
        "/api/clients/acme-dental/rules/versions/1%20OR%201=1",
    ] {
        let (status, body) = app.api("GET", path, Some(&token), None).await;
        assert!(status == 404 || status == 400, "{path}: {status} {body}");
    }
    let (status, _) = app.api("GET", "/api/clients/acme-dental", Some(&token), None).await;
    assert_eq!(status, 200, "the data is still there");
}
