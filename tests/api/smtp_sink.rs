//! A real SMTP server on loopback (aiosmtpd, `tests/fixtures/smtp_sink.py`) that records every
//! e-mail it accepts, for the tests of e-mail alerts. It runs under `SWITCHBOARD_TEST_PYTHON`
//! (default `python3`); without aiosmtpd there, the tests that need it say they were not run,
//! unless `SWITCHBOARD_REQUIRE_SMTP=1` (CI) makes that a failure.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/smtp_sink.py");
const REQUIRE: &str = "SWITCHBOARD_REQUIRE_SMTP";

/// One e-mail as the server took it.
#[derive(Debug, Clone, Deserialize)]
pub struct Email {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub message_id: String,
    pub body: String,
    /// The client's address and port, and when (Unix seconds) the server took it.
    pub peer: String,
    pub at: f64,
}

/// How the server answers.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// The share of messages answered `451` (try again later), drawn from `seed`.
    pub fail_rate: f64,
    pub seed: u64,
    /// Recipients refused for good (`550`).
    pub refuse: Vec<&'static str>,
    /// The first this many messages are answered `451`.
    pub fail_first: usize,
}

pub struct SmtpSink {
    child: Child,
    pub port: u16,
    received: Arc<Mutex<Vec<Email>>>,
}

impl SmtpSink {
    /// The server, or `None` (said on stderr) when aiosmtpd is not installed.
    pub fn start(test: &str, behaviour: &Behaviour) -> Option<Self> {
        let python = std::env::var("SWITCHBOARD_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        let mut command = Command::new(&python);
        command
            .arg(SCRIPT)
            .args(["--fail-rate", &behaviour.fail_rate.to_string()])
            .args(["--seed", &behaviour.seed.to_string()])
            .args(["--fail-first", &behaviour.fail_first.to_string()]);
        for address in &behaviour.refuse {
            command.args(["--refuse", address]);
        }
        let missing = |why: &str| {
            let required = std::env::var(REQUIRE).is_ok_and(|v| v == "1");
            assert!(!required, "{REQUIRE}=1 but {why}: pip install aiosmtpd");
            // Straight to stderr, past the test harness's capture: it must be seen.
            let _ = writeln!(
                std::io::stderr(),
                "e-mail test `{test}` was NOT run: {why} (pip install aiosmtpd, or set SWITCHBOARD_TEST_PYTHON)"
            );
            None
        };
        let mut child = match command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn() {
            Ok(child) => child,
            Err(e) => return missing(&format!("{python} could not be started ({e})")),
        };
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let Some(port) = first.strip_prefix("PORT ").and_then(|p| p.parse().ok()) else {
            let _ = child.kill();
            let _ = child.wait();
            return missing(&format!("{python} has no aiosmtpd ({first})"));
        };
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let email: Email = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
                sink.lock().unwrap().push(email);
            }
        });
        Some(Self { child, port, received })
    }

    /// `SWITCHBOARD_SMTP_URL` for this server: plain SMTP on loopback.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Email> {
        self.received.lock().unwrap().clone()
    }

    /// What it has received once it holds at least `n` e-mails (or after `within`).
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Email> {
        let deadline = Instant::now() + within;
        while self.received.lock().unwrap().len() < n && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.received()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
