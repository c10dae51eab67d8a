//! What one turn of a waiting caller's loop costs as the queue grows: N callers wait
//! (every assistant busy elsewhere, so nobody can be offered), and Twilio asks the wait
//! URL for one of them. Each turn also serves the queue, so its cost with N shows how
//! serving grows. Not a timed test: it prints figures.
//! Run: `cargo bench --bench queue` (or `-- 10 100 1000` for other queue lengths).

use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::SecretString;
use switchboard::app::settings::Settings;
use switchboard::app::startup::Application;
use switchboard::clock::SystemClock;

const TOKEN: &str = "0123456789abcdef0123456789abcdef";
const ACCOUNT: &str = "AC11111111111111111111111111111111";
const PUBLIC: &str = "http://bench.example.test";
const OFFICE: &str = "+12125550100";
const TURNS: usize = 300;

const RULES: &str = r#"
client = "queued"
name = "Queued"
numbers = ["+12125550100"]
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
phone = "+12125550111"

[[assistants]]
id = "bob"
phone = "+12125550112"

[open]
strategy = "priority"
then = ["queue", "voicemail"]

[after_hours]
then = ["voicemail"]

[queue]
hold = "Please hold."
announce_seconds = 30
max_wait_seconds = 3600
callback_key = "2"

[voicemail]
greeting = "Leave a message."
"#;

struct Bench {
    http: reqwest::Client,
    port: u16,
}

impl Bench {
    /// A signed webhook, as Twilio sends it; the TwiML answer.
    async fn post(&self, path: &str, params: &[(&str, &str)]) -> String {
        let mut all: Vec<(String, String)> = vec![
            ("AccountSid".into(), ACCOUNT.into()),
            ("ApiVersion".into(), "2010-04-01".into()),
        ];
        all.extend(params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let signature = switchboard::twilio::signature::compute(TOKEN, &format!("{PUBLIC}{path}"), &all);
        let response = self
            .http
            .post(format!("http://127.0.0.1:{}{path}", self.port))
            .header("X-Twilio-Signature", signature)
            .form(&all)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.text().await.unwrap()
    }

    /// Caller `n` arrives and takes a place: the wait URL their `<Enqueue>` names.
    async fn arrive(&self, n: usize) -> (String, String, String) {
        let call = format!("CA{n:032x}");
        let from = format!("+1917{n:07}");
        let answer = self
            .post(
                "/twilio/voice",
                &[
                    ("CallSid", &call),
                    ("From", &from),
                    ("To", OFFICE),
                    ("CallStatus", "ringing"),
                    ("Direction", "inbound"),
                ],
            )
            .await;
        let wait = attribute(&answer, "waitUrl");
        let path = wait.strip_prefix(PUBLIC).unwrap_or(&wait).replace("&amp;", "&");
        self.turn(&path, &call, &from).await;
        (path, call, from)
    }

    async fn turn(&self, path: &str, call: &str, from: &str) -> String {
        let answer = self
            .post(
                path,
                &[
                    ("CallSid", call),
                    ("From", from),
                    ("To", OFFICE),
                    ("CallStatus", "in-progress"),
                    ("Direction", "inbound"),
                    ("QueueTime", "10"),
                    ("AvgQueueTime", "0"),
                ],
            )
            .await;
        assert!(answer.contains("Please hold."), "{answer}");
        answer
    }
}

fn attribute(xml: &str, name: &str) -> String {
    let start = xml
        .find(&format!("{name}=\""))
        .unwrap_or_else(|| panic!("no {name} in {xml}"))
        + name.len()
        + 2;
    xml[start..start + xml[start..].find('"').unwrap()].to_owned()
}

async fn run(waiting: usize) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    std::fs::write(rules.join("queued.toml"), RULES).unwrap();
    let mut s = Settings::defaults();
    s.bind = "127.0.0.1:0".parse().unwrap();
    s.database_url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
    s.rules_dir = rules;
    s.twilio_account_sid = Some(ACCOUNT.into());
    s.twilio_auth_token = Some(SecretString::from(TOKEN));
    s.outbox_worker = false;
    s.public_url = Some(PUBLIC.parse().unwrap());
    let app = Application::build_with_clock(s, Arc::new(SystemClock)).await.unwrap();
    let state = app.state().clone();
    // Both assistants are off duty: callers wait, and every turn finds nobody to offer.
    for who in ["ann", "bob"] {
        switchboard::store::duty::set(&state.db, "queued", who, false, chrono::Utc::now())
            .await
            .unwrap();
    }
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let bench = Bench {
        http: reqwest::Client::new(),
        port,
    };
    let mut callers = Vec::with_capacity(waiting);
    for n in 1..=waiting {
        callers.push(bench.arrive(n).await);
    }
    let mut samples: Vec<Duration> = Vec::with_capacity(TURNS);
    for i in 0..TURNS {
        let (path, call, from) = &callers[(i * 7919) % waiting];
        let started = Instant::now();
        bench.turn(path, call, from).await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)].as_secs_f64() * 1e3;
    println!(
        "queue wait turn, {waiting:>5} callers waiting: p50 {:.2} ms, p99 {:.2} ms ({TURNS} turns, SQLite)",
        pct(0.50),
        pct(0.99)
    );
}

fn main() {
    let lengths: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let lengths = if lengths.is_empty() {
        vec![10, 100, 1000]
    } else {
        lengths
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for waiting in lengths {
        runtime.block_on(run(waiting));
    }
}
