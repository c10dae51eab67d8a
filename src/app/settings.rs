//! Settings, read once from the environment (and `.env`), validated, and shared.
//! DESIGN.md names every variable; keep those names.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Args;
use ipnet::IpNet;
use secrecy::SecretString;
use url::Url;

use crate::accounts::secrets::{KeyError, SecretKey};

use crate::accounts::signing::ServerAccount;
pub use crate::accounts::signing::{LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use crate::http::forwarded::ProxyHeader;

#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Listen address.
    #[arg(long, env = "SWITCHBOARD_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// SQLite (embedded default) or postgres:// URL.
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://switchboard.db?mode=rwc")]
    pub database_url: String,
    /// Folder of rule files imported at start.
    #[arg(long, env = "SWITCHBOARD_RULES_DIR", default_value = "routing-rules")]
    pub rules_dir: PathBuf,
    /// The public base URL Twilio calls, used to check signatures and build callback URLs.
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    pub public_url: Option<Url>,
    #[arg(long, env = "TWILIO_ACCOUNT_SID")]
    pub twilio_account_sid: Option<String>,
    #[arg(long, env = "TWILIO_AUTH_TOKEN", hide_env_values = true)]
    pub twilio_auth_token: Option<SecretString>,
    /// Twilio's REST API (point it at a local fake in tests).
    #[arg(long, env = "TWILIO_API_BASE", default_value = "https://api.twilio.com")]
    pub twilio_api_base: Url,
    /// How long a request to Twilio's REST API may take, in milliseconds.
    #[arg(long, env = "SWITCHBOARD_TWILIO_TIMEOUT_MS", default_value_t = 15_000)]
    pub twilio_timeout_ms: u64,
    /// Messages per second per Twilio account; 0 turns the limit off.
    #[arg(long, env = "SWITCHBOARD_SMS_PER_SECOND", default_value_t = 10)]
    pub sms_per_second: u32,
    /// The SMTP relay e-mail alerts go through: `smtps://user:password@smtp.example.com` (TLS),
    /// `smtp://user:password@smtp.example.com:587?tls=required` (STARTTLS), or
    /// `smtp://127.0.0.1:25` (a local relay, no TLS). Unset: e-mails go to the log.
    #[arg(long, env = "SWITCHBOARD_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<SecretString>,
    /// Who e-mail alerts come from: `alerts@example.com` or `Acme Alerts <alerts@example.com>`.
    #[arg(long, env = "SWITCHBOARD_EMAIL_FROM")]
    pub email_from: Option<String>,
    /// E-mails per second through the relay; 0 turns the limit off.
    #[arg(long, env = "SWITCHBOARD_EMAILS_PER_SECOND", default_value_t = 5)]
    pub emails_per_second: u32,
    /// How long a worker holds a claimed message before another process may take it
    /// over (after a crash mid-send).
    #[arg(long, env = "SWITCHBOARD_OUTBOX_LEASE_SECONDS", default_value_t = 60)]
    pub outbox_lease_seconds: u32,
    /// The outbox's first back-off wait after a failed send, in milliseconds; it doubles with
    /// each further failure (with full jitter), up to five minutes.
    #[arg(long, env = "SWITCHBOARD_OUTBOX_BACKOFF_MS", default_value_t = 1_000)]
    pub outbox_backoff_ms: u64,
    /// How long a client's webhook endpoint may take to answer, in milliseconds.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_TIMEOUT_MS", default_value_t = 10_000)]
    pub webhook_timeout_ms: u64,
    /// A client's webhook endpoint every delivery to which failed for this many hours is
    /// turned off (the admin is told in the audit log, the console and the API).
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_DISABLE_AFTER_HOURS", default_value_t = 24, value_parser = clap::value_parser!(u32).range(1..))]
    pub webhook_disable_after_hours: u32,
    /// A client's webhook endpoint this many deliveries in a row to which failed is turned
    /// off too, however little time that took; unset, only the hours count.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_DISABLE_AFTER_FAILURES", value_parser = clap::value_parser!(u32).range(1..))]
    pub webhook_disable_after_failures: Option<u32>,
    /// Let clients' webhook endpoints be on this machine (127.0.0.1, ::1, localhost), over
    /// plain http too: for tests and development only.
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK", default_value_t = false, action = clap::ArgAction::Set)]
    pub webhook_allow_loopback: bool,
    /// How long the incoming-call and next-step webhooks may work before answering the safe
    /// voicemail instead, in milliseconds: Twilio gives up on a webhook after 15 s.
    #[arg(long, env = "SWITCHBOARD_ANSWER_DEADLINE_MS", default_value_t = 5_000)]
    pub answer_deadline_ms: u64,
    /// Messages and calls one client may send through the admin API per hour.
    #[arg(long, env = "SWITCHBOARD_SEND_QUOTA_PER_HOUR", default_value_t = 500)]
    pub send_quota_per_hour: u64,
    /// How many days the link in an alert opens its call for the assistant.
    #[arg(long, env = "SWITCHBOARD_CALL_LINK_DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..))]
    pub call_link_days: u32,
    /// Keep call and message history this many days, pruned in the background; kept for
    /// ever when unset.
    #[arg(long, env = "SWITCHBOARD_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..))]
    pub retention_days: Option<u32>,
    /// Run the outbox worker inside `serve` (tests turn it off to drive it step by step).
    #[arg(long, env = "SWITCHBOARD_OUTBOX_WORKER", default_value_t = true, action = clap::ArgAction::Set)]
    pub outbox_worker: bool,
    /// A global admin bearer token, kept in the database (hashed) under the name `bootstrap`.
    #[arg(long, env = "SWITCHBOARD_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<SecretString>,
    /// Encrypts the Twilio credentials clients bring: 32 bytes, as 64 hex digits or base64.
    /// Without it, no client credentials can be stored or used.
    #[arg(long, env = "SWITCHBOARD_SECRET_KEY", hide_env_values = true, value_parser = SecretKeyParser)]
    pub secret_key: Option<SecretKey>,
    /// How long a request, headers and body, may take to arrive, in milliseconds: the first
    /// request of a connection from its first byte, a later one (kept alive) from the end of the
    /// previous answer. An idle kept-alive connection is closed after it too.
    #[arg(long, env = "SWITCHBOARD_REQUEST_TIMEOUT_MS", default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// How long a new connection may stay silent before it is closed, and any connection may go
    /// without a new request before it is shut down gracefully, in milliseconds.
    #[arg(long, env = "SWITCHBOARD_IDLE_TIMEOUT_MS", default_value_t = 30_000)]
    pub idle_timeout_ms: u64,
    /// Open connections at most; past it the server stops accepting until one closes. Lowered
    /// at start to what the process's open-file limit leaves room for.
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS", default_value_t = 10_000)]
    pub max_connections: usize,
    /// Reverse proxies (addresses or CIDRs, comma-separated) whose forwarding header is believed
    /// for the client's address; from any other peer the header is ignored.
    #[arg(long, env = "SWITCHBOARD_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_proxy)]
    pub trusted_proxies: Vec<IpNet>,
    /// The header those proxies set. Only that one: the other arrives as the client wrote it.
    #[arg(long, env = "SWITCHBOARD_PROXY_HEADER", value_enum, default_value_t = ProxyHeader::XForwardedFor)]
    pub proxy_header: ProxyHeader,
    /// A bearer token that `/metrics` then requires (it lists every client with its calls).
    #[arg(long, env = "SWITCHBOARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Serve `/metrics` on this address (say, one only Prometheus reaches) and no longer on
    /// `SWITCHBOARD_BIND`.
    #[arg(long, env = "SWITCHBOARD_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// A console session unused this long ends, in minutes.
    #[arg(long, env = "SWITCHBOARD_SESSION_IDLE_MINUTES", default_value_t = 30)]
    pub session_idle_minutes: u32,
    /// A console session ends this long after signing in, however much it is used, in hours.
    #[arg(long, env = "SWITCHBOARD_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u32,
    /// Log as JSON lines instead of human-readable text.
    #[arg(long, env = "SWITCHBOARD_LOG_JSON", default_value_t = false)]
    pub log_json: bool,
}

/// One trusted proxy: an address stands for itself alone.
fn parse_proxy(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is neither an address nor a CIDR block (10.0.0.0/8)"))
}

/// Parses `SWITCHBOARD_SECRET_KEY` once, at start. Unlike clap's own parsers, a refusal does
/// not repeat the value: a nearly right key is still a secret.
#[derive(Clone)]
struct SecretKeyParser;

impl clap::builder::TypedValueParser for SecretKeyParser {
    type Value = SecretKey;

    fn parse_ref(
        &self,
        _: &clap::Command,
        _: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<SecretKey, clap::Error> {
        let refuse = |e: KeyError| clap::Error::raw(clap::error::ErrorKind::ValueValidation, format!("{e}\n"));
        let text = value.to_str().ok_or(KeyError).map_err(refuse)?;
        SecretKey::parse(text).map_err(refuse)
    }
}

impl Settings {
    /// Settings with every default, for tests and tools that build them in code.
    pub fn defaults() -> Self {
        #[derive(clap::Parser)]
        struct Only {
            #[command(flatten)]
            settings: Settings,
        }
        <Only as clap::Parser>::parse_from(["switchboard"]).settings
    }

    /// The server's own Twilio account, as webhook signing sees it.
    pub fn server_account(&self) -> ServerAccount {
        ServerAccount {
            account_sid: self.twilio_account_sid.clone(),
            auth_token: self.twilio_auth_token.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(clap::Parser)]
    struct Only {
        #[command(flatten)]
        settings: Settings,
    }

    const KEY: &str = "8f2c4a6e0b1d3f5a7c9e1b3d5f7a9c0e2b4d6f8a0c1e3b5d7f9a1c3e5b7d9f0a";

    #[test]
    fn the_secret_key_is_parsed_once_and_never_shown() {
        let parsed = <Only as clap::Parser>::try_parse_from(["switchboard", "--secret-key", KEY]).unwrap();
        assert!(parsed.settings.secret_key.is_some());
        let shown = format!("{:?}", parsed.settings);
        assert!(!shown.contains(&KEY[..12]), "{shown}");
    }

    #[test]
    fn a_malformed_secret_key_is_refused_without_repeating_it() {
        let almost = &KEY[..62];
        let Err(e) = <Only as clap::Parser>::try_parse_from(["switchboard", "--secret-key", almost]) else {
            panic!("a 31-byte key is refused");
        };
        let shown = e.to_string();
        assert!(shown.contains("SWITCHBOARD_SECRET_KEY must be 32 bytes"), "{shown}");
        assert!(!shown.contains(&almost[..12]), "{shown}");
    }
}
