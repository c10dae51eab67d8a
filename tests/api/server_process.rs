//! A real `switchboard serve` process on a fixed port (the several-process, worker and
//! fault tests): it can be killed with SIGKILL and started again on the same port and
//! database, and driven by a Twilio-like client that retries until the server answers,
//! as Twilio does for a webhook that failed.

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use crate::helpers::{post_signed, Answer, PUBLIC_URL, TEST_ACCOUNT_SID, TEST_TOKEN};

pub struct ServerProcess {
    child: Option<Child>,
    pub port: u16,
    env: Vec<(String, String)>,
    /// The log (stdout) and stderr of every run, appended, for the failure messages.
    log: tempfile::NamedTempFile,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl ServerProcess {
    /// Starts the binary with the server's own Twilio account (`TEST_TOKEN`) on `database`,
    /// with `rules_dir` and any further settings in `env`, and waits until it listens.
    pub async fn start(database: &str, rules_dir: &Path, env: &[(&str, &str)]) -> Self {
        let mut all: Vec<(String, String)> = [
            ("DATABASE_URL", database),
            ("SWITCHBOARD_PUBLIC_URL", PUBLIC_URL),
            ("TWILIO_ACCOUNT_SID", TEST_ACCOUNT_SID),
            ("TWILIO_AUTH_TOKEN", TEST_TOKEN),
            ("SWITCHBOARD_SMS_PER_SECOND", "0"),
            ("RUST_LOG", "switchboard=warn"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        all.push(("SWITCHBOARD_RULES_DIR".into(), rules_dir.display().to_string()));
        all.extend(env.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        let mut server = Self {
            child: None,
            port: free_port(),
            env: all,
            log: tempfile::NamedTempFile::new().unwrap(),
        };
        server.spawn();
        server.wait_listening().await;
        server
    }

    fn spawn(&mut self) {
        let child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("serve")
            .env("SWITCHBOARD_BIND", format!("127.0.0.1:{}", self.port))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(self.appended_log())
            .stderr(self.appended_log())
            .spawn()
            .expect("the binary starts");
        self.child = Some(child);
    }

    /// The log file for one more run: appended to, so earlier runs' lines stay.
    fn appended_log(&self) -> std::fs::File {
        std::fs::OpenOptions::new().append(true).open(self.log.path()).unwrap()
    }

    async fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while reqwest::get(self.url("/health")).await.is_err() {
            assert!(Instant::now() < deadline, "the server did not start: {}", self.log());
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGKILL: no chance to finish a request, a transaction or a send.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// Starts it again on the same port and database; returns at once (callers retry).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// What the server logged and wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Sends a webhook as Twilio does, with the account's parameters, until the server answers
/// with a success: a refused connection, a reset, a 5xx or a cut body are tried again.
pub async fn deliver(http: &reqwest::Client, port: u16, url: &str, params: &[(&str, &str)]) -> Answer {
    let mut all: Vec<(&str, &str)> = vec![("AccountSid", TEST_ACCOUNT_SID), ("ApiVersion", "2010-04-01")];
    all.extend_from_slice(params);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match post_signed(http, port, TEST_TOKEN, url, &all).await {
            Ok(a) if a.status == 204 || (a.status == 200 && a.body.ends_with("</Response>")) => return a,
            Ok(a) if a.status < 500 && a.status != 200 => panic!("{url}: {} {}", a.status, a.body),
            _ => {}
        }
        assert!(Instant::now() < deadline, "{url}: no answer for 60 s");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}
