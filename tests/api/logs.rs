//! The logs of a whole call: JSON lines, one span per webhook with its call, phone
//! numbers masked, no secret anywhere: not in the logs, not in any answer (errors included),
//! not in `/metrics`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::database::TestDb;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::{TEST_ACCOUNT_SID, TEST_TOKEN};

const NUMBER: &str = "+12125550150";
const CALLER: &str = "+19175550142";
const ASSISTANT: &str = "+12125550161";
const ADMIN: &str = "sb_logs_admin_secret_5b1c";
const SECRET_KEY: &str = "6a0c7f58c1e1b6f0a3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0";
const CLIENT_SID: &str = "AC44444444444444444444444444444444";
const CLIENT_TOKEN: &str = "c1e7c1e7c1e7c1e7c1e7c1e7c1e7c1e7";

const RULES: &str = r#"
client = "log-test"
name = "Log Test"
numbers = ["+12125550150"]
timezone = "UTC"

[hours]
mon = ["00:00-24:00"]
tue = ["00:00-24:00"]
wed = ["00:00-24:00"]
thu = ["00:00-24:00"]
fri = ["00:00-24:00"]
sat = ["00:00-24:00"]
sun = ["00:00-24:00"]

[[assistants]]
id = "ann"
phone = "+12125550161"

[open]
strategy = "priority"
then = ["voicemail"]

[voicemail]
greeting = "Leave a message."
transcribe = false
"#;

/// Status, headers and body: all of an answer a secret could hide in.
async fn everything(response: reqwest::Response) -> String {
    let head = format!("{} {:?}", response.status(), response.headers());
    format!("{head} {}", response.text().await.unwrap())
}

/// `switchboard serve` with the server's own account, the fake Twilio, the rules in `rules`,
/// debug logs (JSON lines or text) on its stdout and stderr; returns it and its URL once it
/// answers.
async fn serve(db: &TestDb, fake: &FakeTwilio, rules: &std::path::Path, json: bool) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let public = format!("http://127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .arg("serve")
        .env("SWITCHBOARD_BIND", format!("127.0.0.1:{port}"))
        .env("SWITCHBOARD_PUBLIC_URL", &public)
        .env("DATABASE_URL", &db.url)
        .env("SWITCHBOARD_RULES_DIR", rules)
        .env("TWILIO_ACCOUNT_SID", TEST_ACCOUNT_SID)
        .env("TWILIO_AUTH_TOKEN", TEST_TOKEN)
        .env("TWILIO_API_BASE", fake.url.as_str())
        .env("SWITCHBOARD_ADMIN_TOKEN", ADMIN)
        .env("SWITCHBOARD_SECRET_KEY", SECRET_KEY)
        .env("SWITCHBOARD_LOG_JSON", json.to_string())
        .env("RUST_LOG", "switchboard=debug,tower_http=debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while http.get(format!("{public}/health")).send().await.is_err() {
        assert!(Instant::now() < deadline, "the server did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (child, public)
}

/// Stops it with SIGTERM; returns everything it wrote.
async fn stop(mut child: Child) -> String {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    tokio::task::spawn_blocking(move || {
        let _ = child.wait();
        let mut out = String::new();
        std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
        std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut out).unwrap();
        out
    })
    .await
    .unwrap()
}

/// A webhook to `url` signed with the server's own account.
fn signed(http: &reqwest::Client, url: &str, params: &[(&str, &str)]) -> reqwest::RequestBuilder {
    let mut all: Vec<(String, String)> = vec![("AccountSid".into(), TEST_ACCOUNT_SID.into())];
    all.extend(params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    let signature = switchboard::twilio::signature::compute(TEST_TOKEN, url, &all);
    http.post(url).header("X-Twilio-Signature", signature).form(&all)
}

#[tokio::test]
async fn a_whole_call_and_an_admin_session_log_masked_numbers_and_leak_no_secret_anywhere() {
    let db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log-test.toml"), RULES).unwrap();
    let (child, public) = serve(&db, &fake, dir.path(), true).await;
    let http = reqwest::Client::new();

    let post = |path: &str, params: Vec<(&str, &str)>| signed(&http, &format!("{public}{path}"), &params).send();
    let call = "CA0000000000000000000000000000c0de";
    let first = post(
        "/twilio/voice",
        vec![("CallSid", call), ("From", CALLER), ("To", NUMBER)],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    assert!(first.contains(ASSISTANT), "{first}");
    let action = first
        .split("action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let path = action.strip_prefix(&public).unwrap().to_owned();
    let vm = post(
        &path,
        vec![
            ("CallSid", call),
            ("From", CALLER),
            ("To", NUMBER),
            ("CallStatus", "in-progress"),
            ("DialCallStatus", "no-answer"),
        ],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let record = vm
        .split("<Record action=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    let record_path = record.strip_prefix(&public).unwrap().to_owned();
    let recording = [
        ("CallSid", call),
        ("From", CALLER),
        ("To", NUMBER),
        ("RecordingSid", "RE0000000000000000000000000000c0de"),
        (
            "RecordingUrl",
            "https://api.twilio.com/r/RE0000000000000000000000000000c0de",
        ),
        ("RecordingDuration", "7"),
    ];
    post(&record_path, recording.to_vec()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while fake.accepted().is_empty() {
        assert!(Instant::now() < deadline, "the alert was not sent");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let alert = fake.accepted()[0].body.clone();
    assert!(
        alert.contains("(917) 555-0142"),
        "the alert itself carries the number, as people write it: {alert}"
    );
    // The alert's link to the call is a secret too: opened, it reaches the log as its route.
    let link = &alert[alert.find("/l/").expect("a link to the call")..];
    let link_secret = link["/l/".len()..].split_whitespace().next().unwrap().to_owned();
    let opened = http.get(format!("{public}/l/{link_secret}")).send().await.unwrap();
    assert_eq!(opened.status(), 200);
    // Every answer of an admin session, errors included: wrong tokens until throttled, the
    // client's own credentials stored and shown, a refused and a forged webhook.
    let mut answers = Vec::new();
    let account = format!("{public}/api/clients/log-test/twilio-account");
    let json = |sid: &str| {
        let body = serde_json::json!({ "account_sid": sid, "auth_token": CLIENT_TOKEN }).to_string();
        move |request: reqwest::RequestBuilder| request.header("content-type", "application/json").body(body)
    };
    let (credentials, bad_credentials) = (json(CLIENT_SID), json("not-a-sid"));
    let session = [
        http.get(format!("{public}/api/calls/{call}")).bearer_auth(ADMIN),
        credentials.clone()(http.put(&account).bearer_auth(ADMIN)),
        bad_credentials(http.put(&account).bearer_auth(ADMIN)),
        credentials(http.put(&account).bearer_auth("sb_wrong_token_guess")),
        http.get(&account).bearer_auth(ADMIN),
        http.post(format!("{public}/twilio/voice"))
            .header(
                "X-Twilio-Signature",
                switchboard::twilio::signature::compute(CLIENT_TOKEN, "x", switchboard::twilio::signature::NO_PARAMS),
            )
            .form(&[("AccountSid", CLIENT_SID), ("CallSid", call), ("To", NUMBER)]),
    ];
    for request in session {
        answers.push(everything(request.send().await.unwrap()).await);
    }
    assert!(
        answers[1].starts_with("200"),
        "the credentials were stored: {}",
        answers[1]
    );
    for _ in 0..switchboard::http::attempts::LIMIT {
        let guess = http
            .get(format!("{public}/api/calls/{call}"))
            .bearer_auth("sb_wrong_token_guess");
        answers.push(everything(guess.send().await.unwrap()).await);
    }
    assert!(answers.last().unwrap().starts_with("429"), "{answers:?}");
    let metrics = http
        .get(format!("{public}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("# TYPE"), "{metrics}");
    answers.push(metrics);

    let output = stop(child).await;

    let lines: Vec<serde_json::Value> = output.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    assert!(lines.len() > 5, "JSON log lines expected: {output}");
    for secret in [TEST_TOKEN, ADMIN, SECRET_KEY, CLIENT_TOKEN, "sb_wrong_token_guess"] {
        assert!(!output.contains(secret), "a secret reached the logs");
        for answer in &answers {
            assert!(
                !answer.contains(secret),
                "a secret reached an answer or /metrics: {answer}"
            );
        }
    }
    assert!(!output.contains(&link_secret), "a call link reached the logs");
    for number in [CALLER, ASSISTANT, NUMBER, "19175550142", "%2B1917", "555-0142"] {
        assert!(
            !output.contains(number),
            "{number} reached the logs unmasked:\n{output}"
        );
    }
    assert!(
        output.contains("0142"),
        "numbers appear masked to their last four digits"
    );
    let routed = lines
        .iter()
        .find(|l| l["fields"]["message"] == "call routed")
        .expect("a 'call routed' line");
    let request = &routed["spans"][0];
    assert_eq!(
        (request["name"].as_str(), request["call_sid"].as_str()),
        (Some("request"), Some(call)),
        "{routed}"
    );
    assert_eq!(request["client"], "log-test", "{routed}");
    assert!(output.contains("shutting down"), "SIGTERM shuts down gracefully");
}

#[tokio::test]
async fn request_values_with_newlines_are_escaped_in_the_text_log_and_forge_no_line() {
    let db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("log-test.toml"), RULES).unwrap();
    let (child, public) = serve(&db, &fake, dir.path(), false).await;
    let http = reqwest::Client::new();
    let forged = "+1212555\nFORGED line";
    let call = [
        ("CallSid", "CA0000000000000000000000000000f0a1"),
        ("To", NUMBER),
        ("From", forged),
    ];
    let text = [
        ("MessageSid", "SM0000000000000000000000000000f0a1"),
        ("To", NUMBER),
        ("From", forged),
        ("Body", "hi"),
    ];
    let bad_sid = [("CallSid", "CA1\r\nFORGED sid"), ("To", NUMBER), ("From", CALLER)];
    let requests = [
        signed(&http, &format!("{public}/twilio/voice"), &call),
        signed(&http, &format!("{public}/twilio/sms"), &text),
        signed(&http, &format!("{public}/twilio/voice"), &bad_sid),
        signed(
            &http,
            &format!("{public}/twilio/voice/voicemail?client=x%0AFORGED+client"),
            &call,
        ),
    ];

    for request in requests {
        let status = request.send().await.unwrap().status();
        assert_ne!(status, 403, "let in, so its values reach the log");
    }
    let output = stop(child).await;

    let forged_lines: Vec<&str> = (output.lines())
        .filter(|l| l.trim_start().starts_with("FORGED"))
        .collect();
    assert!(forged_lines.is_empty(), "{forged_lines:?} in:\n{output}");
    for escaped in ["\\nFORGED line", "\\r\\nFORGED sid", "\\nFORGED client"] {
        assert!(output.contains(escaped), "{escaped} is in the log, escaped:\n{output}");
    }
}
