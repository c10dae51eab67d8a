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

const SHORT_LIMIT: std::time::Duration = std::time::Duration::from_secs(2);

fn short_request_limit(settings: &mut switchboard::app::settings::Settings) {
    settings.request_timeout_ms = u64::try_from(SHORT_LIMIT.as_millis()).unwrap();
}

/// Reads until the server closes the connection, or gives up after `limit`.
async fn closed_within(stream: &mut tokio::net::TcpStream, limit: std::time::Duration) -> bool {
    use tokio::io::AsyncReadExt as _;
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_client_trickling_its_headers_is_cut_off_and_the_server_stays_up() {
    use tokio::io::AsyncWriteExt as _;
    let app = spawn_with(Options {
        settings: short_request_limit,
        ..Options::default()
    })
    .await;
    let mut loris = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    let started = std::time::Instant::now();
    let request = b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut closed = false;
    for byte in request {
        // One byte a second, as a slow-loris client sends them.
        if loris.write_all(&[*byte]).await.is_err()
            || closed_within(&mut loris, std::time::Duration::from_secs(1)).await
        {
            closed = true;
            break;
        }
    }
    let elapsed = started.elapsed();
    assert!(closed, "still open after {elapsed:?}");
    assert!(
        elapsed < SHORT_LIMIT + std::time::Duration::from_secs(3),
        "closed only after {elapsed:?}"
    );
    app.call(CALL, ACME).await.assert_twiml();
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let app = spawn_with(Options {
        settings: short_request_limit,
        ..Options::default()
    })
    .await;
    let mut idle = tokio::net::TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    idle.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    let limit = SHORT_LIMIT + std::time::Duration::from_secs(3);
    assert!(
        closed_within(&mut idle, limit).await,
        "an idle connection pinned the server"
    );
}

#[tokio::test]
async fn a_ten_megabyte_body_gets_413_without_hanging_and_reaches_nothing() {
    let fake = crate::fake_twilio::FakeTwilio::start().await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(None).await;
    let (_, base) = app.raw();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .unwrap();
    let mut body = format!("CallSid={CALL}&From=%2B15550001111&To=%2B15005550006&Pad=").into_bytes();
    body.resize(10 * 1024 * 1024, b'a');
    let signature = switchboard::twilio::signature::compute(
        &app.token,
        &format!("{PUBLIC_URL}/twilio/voice"),
        switchboard::twilio::signature::NO_PARAMS,
    );
    for (path, content_type) in [
        ("/twilio/voice", "application/x-www-form-urlencoded"),
        ("/api/twilio/send-sms", "application/json"),
    ] {
        // A server that stopped reading may reset the connection before the client sees the
        // answer; either way the request must end now, not at the client's timeout.
        match http
            .post(format!("{base}{path}"))
            .header("X-Twilio-Signature", &signature)
            .bearer_auth(&admin)
            .header("content-type", content_type)
            .body(body.clone())
            .send()
            .await
        {
            Ok(response) => assert_eq!(response.status(), 413, "{path}"),
            Err(e) => assert!(!e.is_timeout(), "{path}: the connection was left hanging: {e}"),
        }
    }
    assert!(switchboard::store::calls::find(&app.db, CALL).await.unwrap().is_none());
    assert_eq!(fake.requests(), 0, "nothing went to Twilio");
    app.call(CALL, ACME).await.assert_twiml();
}

#[tokio::test]
async fn guessing_admin_tokens_from_one_address_is_throttled_and_other_addresses_are_not() {
    use switchboard::http::attempts::{LIMIT, WINDOW};
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (_, base) = app.raw();
    let from = |address: &str| {
        reqwest::Client::builder()
            .local_address(address.parse::<std::net::IpAddr>().unwrap())
            .build()
            .unwrap()
    };
    let (attacker, neighbour) = (from("127.0.0.1"), from("127.0.0.2"));
    let get = |http: &reqwest::Client, token: &str| http.get(format!("{base}/api/clients")).bearer_auth(token).send();
    for _ in 0..LIMIT * 2 {
        assert_eq!(
            get(&attacker, &token).await.unwrap().status(),
            200,
            "successes never count"
        );
    }
    for guess in 0..LIMIT {
        let response = get(&attacker, &format!("sb_guess_{guess}")).await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let refused = get(&attacker, &token).await.unwrap();
    assert_eq!(refused.status(), 429, "even the right token waits");
    let retry_after: i64 = refused.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!(retry_after > 0 && retry_after <= WINDOW.num_seconds(), "{retry_after}");
    assert!(!refused.text().await.unwrap().contains(&token));
    assert_eq!(
        get(&neighbour, &token).await.unwrap().status(),
        200,
        "another address is not affected"
    );

    app.advance(retry_after);
    assert_eq!(get(&attacker, &token).await.unwrap().status(), 200, "the window passed");
}

#[tokio::test]
async fn sql_metacharacters_in_every_webhook_field_are_plain_data() {
    let fake = crate::fake_twilio::FakeTwilio::start().await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let sql = "x'); DROP TABLE calls; -- \" OR 1=1; DELETE FROM outbox WHERE ''='";
    let fields = [
        "CallSid",
        "MessageSid",
        "AccountSid",
        "From",
        "To",
        "CallStatus",
        "Direction",
        "CallerName",
        "Body",
        "Digits",
        "SpeechResult",
        "RecordingSid",
        "RecordingUrl",
        "RecordingDuration",
        "TranscriptionText",
    ];
    let hostile: Vec<(&str, &str)> = fields.iter().map(|f| (*f, sql)).collect();
    let (http, base) = app.raw();
    for path in [
        "/twilio/voice",
        "/twilio/sms",
        "/twilio/voice/status",
        "/twilio/sms/status",
    ] {
        let forged = http
            .post(format!("{base}{path}"))
            .header("X-Twilio-Signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAA=")
            .form(&hostile)
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), 403, "{path}");
        // Signed, the same values are only data: refused or answered, never a 5xx.
        let signed = app.post(path, &hostile).await;
        assert!(signed.status < 500, "{path}: {} {}", signed.status, signed.body);
    }
    app.drain_outbox().await;
    assert_eq!(fake.requests(), 0, "nothing went to Twilio");
    app.call(CALL, ACME).await.assert_twiml();
    assert!(
        switchboard::store::calls::find(&app.db, CALL).await.unwrap().is_some(),
        "the calls table is intact and still written"
    );
}

#[tokio::test]
async fn line_breaks_in_values_that_reach_twiml_or_texts_inject_no_header_or_markup() {
    let app = spawn_app().await;
    let hostile = "+15557654321\r\nX-Injected: 1\r\n\r\n<Response><Dial>+19005550000</Dial></Response>";
    // Addresses are bounded (an overlong one is refused), so the caller's carries only the
    // header; the markup rides in the fields that are free text.
    let from = "+15557654321\r\nX-Injected: 1";
    for (path, params) in [
        (
            "/twilio/voice",
            vec![("CallSid", CALL), ("From", from), ("To", ACME), ("CallerName", hostile)],
        ),
        (
            "/twilio/sms",
            vec![
                ("MessageSid", "SM0000000000000000000000000000ba01"),
                ("From", from),
                ("To", ACME),
                ("Body", hostile),
            ],
        ),
    ] {
        let answer = app.post(path, &params).await;
        answer.assert_twiml();
        assert!(
            answer.headers.get("x-injected").is_none(),
            "{path}: {:?}",
            answer.headers
        );
        assert!(!answer.body.contains("19005550000"), "{path}: {}", answer.body);
        assert!(
            !answer.body.contains('\r'),
            "{path}: a raw CR in TwiML: {:?}",
            answer.body
        );
    }
}
