//! Outbox throughput and alert latency against the local fake Twilio (real HTTP),
//! with rate limits off. Not a timed test: it prints figures.
//! Run: `cargo bench --bench outbox`.

#[path = "../tests/api/fake_twilio.rs"]
mod fake_twilio;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_twilio::FakeTwilio;
use secrecy::SecretString;
use switchboard::app::settings::Settings;
use switchboard::app::startup::Application;
use switchboard::clock::SystemClock;
use switchboard::store::outbox::{self, NewMessage};

const TOKEN: &str = "0123456789abcdef0123456789abcdef";

async fn app(dir: &Path, fake: &FakeTwilio, worker: bool, rules: &Path) -> Application {
    let mut s = Settings::defaults();
    s.bind = "127.0.0.1:0".parse().unwrap();
    s.database_url = format!("sqlite://{}?mode=rwc", dir.join("bench.db").display());
    s.rules_dir = rules.to_owned();
    s.twilio_account_sid = Some("AC11111111111111111111111111111111".into());
    s.twilio_auth_token = Some(SecretString::from(TOKEN));
    s.twilio_api_base = fake.url.clone();
    s.sms_per_second = 0;
    s.outbox_worker = worker;
    s.public_url = Some("http://bench.example.test".parse().unwrap());
    Application::build_with_clock(s, Arc::new(SystemClock)).await.unwrap()
}

async fn throughput(n: usize) {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTwilio::start().await;
    let rules = Path::new(env!("CARGO_MANIFEST_DIR")).join("routing-rules");
    let app = app(dir.path(), &fake, false, &rules).await;
    let state = app.state().clone();
    let now = chrono::Utc::now();
    for i in 0..n {
        let body = format!("bench {i}");
        let m = NewMessage {
            client: "acme-dental",
            dedupe_key: format!("bench:{i}"),
            purpose: "api",
            call_sid: None,
            recording_sid: None,
            assistant: None,
            to: "+12125550111",
            from: "+12125550100",
            body: &body,
            send_at: now,
            kind: "sms",
            media_urls: &[],
            subject: None,
        };
        outbox::enqueue(&state.db, &m, now).await.unwrap();
    }
    let started = Instant::now();
    while switchboard::messaging::worker::deliver_due(&state.worker)
        .await
        .unwrap()
        > 0
    {}
    let took = started.elapsed();
    assert_eq!(fake.accepted().len(), n);
    println!(
        "outbox throughput: {n} messages in {:.2} s = {:.0} messages/s (one worker, SQLite, local fake)",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64()
    );
}

async fn latency(rounds: usize) {
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules");
    std::fs::create_dir(&rules).unwrap();
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("routing-rules/acme-dental.toml")).unwrap();
    std::fs::write(
        rules.join("acme-dental.toml"),
        source.replace("transcribe = true", "transcribe = false"),
    )
    .unwrap();
    let fake = FakeTwilio::start().await;
    let app = app(dir.path(), &fake, true, &rules).await;
    let port = app.port();
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::new();
    let mut samples = Vec::with_capacity(rounds);
    for i in 0..rounds {
        let call = format!("CA{:032x}", i + 1);
        let recording = format!("RE{:032x}", i + 1);
        let params: Vec<(String, String)> = [
            ("AccountSid", "AC11111111111111111111111111111111"),
            ("CallSid", call.as_str()),
            ("From", "+15557654321"),
            ("To", "+12125550100"),
            ("RecordingSid", recording.as_str()),
            ("RecordingUrl", "https://api.twilio.com/x"),
            ("RecordingDuration", "20"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        let path = "/twilio/voice/voicemail?client=acme-dental&kind=voicemail";
        let signature =
            switchboard::twilio::signature::compute(TOKEN, &format!("http://bench.example.test{path}"), &params);
        let before = fake.accepted().len();
        let started = Instant::now();
        let response = http
            .post(format!("http://127.0.0.1:{port}{path}"))
            .header("X-Twilio-Signature", signature)
            .form(&params)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
        // Two assistants: the first alert reaching the fake ends the measurement.
        while fake.accepted().len() == before {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
        samples.push(started.elapsed());
        while fake.accepted().len() < before + 2 {
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    samples.sort();
    let pct = |p: f64| samples[((samples.len() as f64 * p) as usize).min(samples.len() - 1)];
    println!(
        "alert latency (voicemail callback sent → first alert at the fake), {rounds} voicemails: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        samples.last().unwrap().as_secs_f64() * 1e3
    );
}

fn main() {
    // `cargo test --benches` runs this with --bench absent: keep that quick.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        throughput(if quick { 50 } else { 2000 }).await;
        latency(if quick { 5 } else { 200 }).await;
    });
}
