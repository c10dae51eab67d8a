//! A real HTTP receiver on loopback for the outgoing webhooks: an axum server on a random
//! port that records every request (headers and body) and answers 200, or a chosen status
//! when told to fail. `verify_with_python` checks signatures with the Standard Webhooks
//! reference package from PyPI (`tests/fixtures/verify_webhooks.py`), independent of ours.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use serde_json::{json, Value};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/verify_webhooks.py");

/// One request as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// The body's JSON.
    pub json: Value,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    pub fn event(&self) -> &str {
        self.json["type"].as_str().unwrap_or_default()
    }
}

#[derive(Default)]
struct Inner {
    received: Vec<Received>,
    /// Answer this to every request while set.
    fail_with: Option<u16>,
    /// Answer 500 to this many requests first.
    fail_next: usize,
    /// Answer only after this long (the request is recorded when it arrives).
    delay: std::time::Duration,
}

pub struct Receiver {
    pub url: String,
    inner: Arc<Mutex<Inner>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner::default()));
        let shared = Arc::clone(&inner);
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let inner = Arc::clone(&shared);
            async move {
                let (answered, delay) = answer(&inner, &headers, &body);
                tokio::time::sleep(delay).await;
                (StatusCode::from_u16(answered).unwrap(), "receiver says so")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: format!("http://127.0.0.1:{port}/hooks/switchboard?token=t0ken"),
            inner,
        }
    }

    /// Answers `status` to every request from now on; `None`: 200 again.
    pub fn fail_with(&self, status: Option<u16>) {
        self.inner.lock().unwrap().fail_with = status;
    }

    /// Answers 500 to the next `n` requests.
    pub fn fail_next(&self, n: usize) {
        self.inner.lock().unwrap().fail_next = n;
    }

    /// Answers each request only after `delay`.
    pub fn slow(&self, delay: std::time::Duration) {
        self.inner.lock().unwrap().delay = delay;
    }

    pub fn received(&self) -> Vec<Received> {
        self.inner.lock().unwrap().received.clone()
    }

    /// The event types received and answered 2xx, sorted.
    pub fn delivered_types(&self) -> Vec<String> {
        let mut types: Vec<String> = self
            .received()
            .iter()
            .filter(|r| (200..300).contains(&r.answered))
            .map(|r| r.event().to_owned())
            .collect();
        types.sort();
        types
    }
}

/// Records the request and decides the answer and how long to wait before it.
fn answer(inner: &Mutex<Inner>, headers: &HeaderMap, body: &Bytes) -> (u16, std::time::Duration) {
    let mut inner = inner.lock().unwrap();
    let answered = match (inner.fail_with, inner.fail_next) {
        (Some(status), _) => status,
        (None, n) if n > 0 => {
            inner.fail_next -= 1;
            500
        }
        _ => 200,
    };
    let body = String::from_utf8_lossy(body).into_owned();
    inner.received.push(Received {
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or_default().to_owned()))
            .collect(),
        json: serde_json::from_str(&body).unwrap_or(Value::Null),
        body,
        answered,
    });
    (answered, inner.delay)
}

/// Checks each request's signature with `secret` through the `standardwebhooks` package; one
/// verdict per request (`OK`, or why not). `None` (said on stderr) when the Python or the
/// package is missing, unless `SWITCHBOARD_REQUIRE_SMTP=1` (CI) makes that a failure.
pub fn verify_with_python(
    test: &str,
    secret: &str,
    requests: &[(BTreeMap<String, String>, String)],
) -> Option<Vec<String>> {
    let python = std::env::var("SWITCHBOARD_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let missing = |why: &str| {
        let required = std::env::var("SWITCHBOARD_REQUIRE_SMTP").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "the CI's Python is required, but {why}: pip install standardwebhooks"
        );
        // Straight to stderr, past the test harness's capture: it must be seen.
        let _ = writeln!(
            std::io::stderr(),
            "webhook test `{test}` was NOT run: {why} (pip install standardwebhooks, or set SWITCHBOARD_TEST_PYTHON)"
        );
        None
    };
    let input = json!({
        "secret": secret,
        "requests": requests.iter().map(|(h, b)| json!({ "headers": h, "body": b })).collect::<Vec<_>>(),
    });
    let mut child = match Command::new(&python)
        .arg(SCRIPT)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => return missing(&format!("{python} could not be started ({e})")),
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    if text.starts_with("NO-STANDARDWEBHOOKS") {
        return missing(&format!("{python} has no standardwebhooks package"));
    }
    assert!(output.status.success(), "the verifier failed: {text}");
    Some(text.lines().map(str::to_owned).collect())
}
