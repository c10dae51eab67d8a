//! `spawn_app()` and a Twilio-like client: it signs every request with the account's
//! auth token over the public URL, and follows the URLs our TwiML hands out.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use quick_xml::events::Event;
use secrecy::SecretString;
use switchboard::app::settings::{Settings, LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use switchboard::app::startup::Application;
use switchboard::clock::{Clock, ManualClock};
use switchboard::http::state::AppState;
use switchboard::store::{self, Db};

use crate::database::TestDb;

pub const PUBLIC_URL: &str = "https://switchboard.example.test";
pub const ACME: &str = "+12125550100";
pub const HARBOR: &str = "+442079460123";
pub const VET: &str = "+61255501234";
pub const CALLER: &str = "+15557654321";

pub struct TestApp {
    pub port: u16,
    /// With `SWITCHBOARD_METRICS_BIND`: the port `/metrics` is served on.
    pub metrics_port: Option<u16>,
    pub db: Db,
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub token: String,
    pub account_sid: String,
    pub database_url: String,
    http: reqwest::Client,
    _db: TestDb,
}

pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

pub fn example_rules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("routing-rules")
}

/// Local time in New York, as UTC.
pub fn new_york(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::America::New_York
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

pub struct Options {
    pub at: DateTime<Utc>,
    pub rules_dir: PathBuf,
    pub real_token: Option<&'static str>,
    /// Send through this fake Twilio (with `real_token`, or a default test token).
    pub twilio: Option<url::Url>,
    /// Reuse this database (a restart); by default a fresh one.
    pub database: Option<String>,
    /// SWITCHBOARD_SECRET_KEY (64 hex digits); none by default.
    pub secret_key: Option<&'static str>,
    /// With `twilio`, still no account of the server's own: local mode, where only clients'
    /// own accounts send through Twilio.
    pub without_server_account: bool,
    /// No SWITCHBOARD_PUBLIC_URL.
    pub without_public_url: bool,
    /// SWITCHBOARD_SMTP_URL (e-mails come from `alerts@switchboard.test`); none by default.
    pub smtp: Option<String>,
    /// Any other setting, changed last.
    pub settings: fn(&mut Settings),
}

impl Default for Options {
    fn default() -> Self {
        Self {
            at: new_york(2026, 12, 1, 10, 0),
            rules_dir: example_rules(),
            real_token: None,
            twilio: None,
            database: None,
            secret_key: None,
            without_server_account: false,
            without_public_url: false,
            smtp: None,
            settings: |_| {},
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub const TEST_ACCOUNT_SID: &str = "AC11111111111111111111111111111111";
pub const TEST_TOKEN: &str = "0123456789abcdef0123456789abcdef";

pub async fn spawn_with(options: Options) -> TestApp {
    let fresh = TestDb::new().await;
    let mut settings = Settings::defaults();
    settings.bind = "127.0.0.1:0".parse().unwrap();
    settings.database_url = options.database.clone().unwrap_or_else(|| fresh.url.clone());
    settings.rules_dir = options.rules_dir;
    settings.public_url = (!options.without_public_url).then(|| PUBLIC_URL.parse().unwrap());
    // Tests drive the outbox step by step with `drain_outbox`.
    settings.outbox_worker = false;
    settings.sms_per_second = 0;
    settings.twilio_timeout_ms = 1000;
    let server_account = options.twilio.as_ref().filter(|_| !options.without_server_account);
    let real_token = options.real_token.or(server_account.map(|_| TEST_TOKEN));
    settings.secret_key = options
        .secret_key
        .map(|k| switchboard::accounts::secrets::SecretKey::parse(k).unwrap());
    if let Some(fake) = options.twilio {
        settings.twilio_api_base = fake;
    }
    let (token, account_sid) = match real_token {
        Some(t) => {
            settings.twilio_auth_token = Some(SecretString::from(t));
            settings.twilio_account_sid = Some(TEST_ACCOUNT_SID.into());
            (t.to_owned(), TEST_ACCOUNT_SID.to_owned())
        }
        None => (LOCAL_AUTH_TOKEN.to_owned(), LOCAL_ACCOUNT_SID.to_owned()),
    };
    if let Some(url) = options.smtp {
        settings.smtp_url = Some(SecretString::from(url));
        settings.email_from = Some("Switchboard Alerts <alerts@switchboard.test>".into());
        settings.emails_per_second = 0;
    }
    (options.settings)(&mut settings);
    let clock = Arc::new(ManualClock::new(options.at));
    let app = Application::build_with_clock(settings, clock.clone())
        .await
        .expect("the app starts");
    let port = app.port();
    let metrics_port = app.metrics_port();
    let db = app.state().db.clone();
    let state = app.state().clone();
    let database_url = app.settings().database_url.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        port,
        metrics_port,
        db,
        state,
        clock,
        token,
        account_sid,
        database_url,
        http: reqwest::Client::new(),
        _db: fresh,
    }
}

impl TestApp {
    /// Posts a form to `url` (a path, or an absolute URL under the public URL) signed
    /// with `token` as Twilio would sign it.
    pub async fn post_signed_with(&self, token: &str, url: &str, params: &[(&str, &str)]) -> Answer {
        post_signed(&self.http, self.port, token, url, params)
            .await
            .expect("the server answers")
    }

    pub async fn post(&self, url: &str, params: &[(&str, &str)]) -> Answer {
        let mut all: Vec<(&str, &str)> = vec![("AccountSid", &self.account_sid), ("ApiVersion", "2010-04-01")];
        all.extend_from_slice(params);
        self.post_signed_with(&self.token, url, &all).await
    }

    /// Raw access for hostile requests.
    pub fn raw(&self) -> (&reqwest::Client, String) {
        (&self.http, format!("http://127.0.0.1:{}", self.port))
    }

    /// The incoming-call webhook of a new call.
    pub async fn call(&self, call_sid: &str, to: &str) -> Answer {
        self.post(
            "/twilio/voice",
            &[
                ("CallSid", call_sid),
                ("From", CALLER),
                ("To", to),
                ("CallStatus", "ringing"),
                ("Direction", "inbound"),
                ("Caller", CALLER),
                ("Called", to),
                ("FromCity", ""),
                ("FromState", "NY"),
            ],
        )
        .await
    }

    /// A new call coming in to `to` at `at` (the clock stays there).
    pub async fn call_at(&self, call_sid: &str, to: &str, at: DateTime<Utc>) -> Answer {
        self.clock.set(at);
        self.call(call_sid, to).await
    }

    /// Twilio posting a `<Dial action>` after the dialled leg ended.
    pub async fn dial_result(&self, action: &str, call_sid: &str, to: &str, dial_status: &str, child: &str) -> Answer {
        self.post(
            action,
            &[
                ("CallSid", call_sid),
                ("From", CALLER),
                ("To", to),
                ("CallStatus", "in-progress"),
                ("Direction", "inbound"),
                ("DialCallStatus", dial_status),
                ("DialCallSid", child),
                ("DialCallDuration", "0"),
            ],
        )
        .await
    }

    /// Runs the outbox worker until nothing is due at the current (test) time.
    pub async fn drain_outbox(&self) {
        while switchboard::messaging::worker::deliver_due(&self.state.worker)
            .await
            .unwrap()
            > 0
        {}
    }

    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves the test clock forward.
    pub fn advance(&self, seconds: i64) {
        self.clock.set(self.clock.now() + chrono::Duration::seconds(seconds));
    }

    pub async fn outbox(&self, client: &str) -> Vec<store::outbox::OutboxRow> {
        store::outbox::for_client(&self.db, client).await.unwrap()
    }

    /// The one row `sql` reads, straight from the database (for what no API shows).
    pub async fn row(&self, sql: &str) -> sea_orm::QueryResult {
        use sea_orm::ConnectionTrait;
        let statement = sea_orm::Statement::from_string(self.db.get_database_backend(), sql);
        self.db.query_one(statement).await.unwrap().expect("a row")
    }

    pub async fn call_detail(&self, call_sid: &str) -> store::calls::CallDetail {
        store::calls::find(&self.db, call_sid)
            .await
            .unwrap()
            .expect("the call is recorded")
    }
}

/// Posts a form to `url` (a path, or an absolute URL under the public URL) on the server at
/// `port`, signed with `token` as Twilio would sign it; `Err` when the server does not answer.
pub async fn post_signed(
    http: &reqwest::Client,
    port: u16,
    token: &str,
    url: &str,
    params: &[(&str, &str)],
) -> Result<Answer, reqwest::Error> {
    let path = url.strip_prefix(PUBLIC_URL).unwrap_or(url);
    let public = format!("{PUBLIC_URL}{path}");
    let owned: Vec<(String, String)> = params.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let signature = switchboard::twilio::signature::compute(token, &public, &owned);
    let response = http
        .post(format!("http://127.0.0.1:{port}{path}"))
        .header("X-Twilio-Signature", signature)
        .form(&owned)
        .send()
        .await?;
    Ok(answer(response).await)
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status().as_u16();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Answer {
        status,
        content_type,
        headers: response.headers().clone(),
        body: response.text().await.unwrap_or_default(),
    }
}

/// Every element of a TwiML document, in order, with its attributes (unescaped) and text.
#[derive(Debug, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

impl Answer {
    pub fn elements(&self) -> Vec<Element> {
        assert!(
            self.body
                .starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response"),
            "not TwiML: {}",
            self.body
        );
        let mut reader = quick_xml::Reader::from_str(&self.body);
        let mut out: Vec<Element> = Vec::new();
        loop {
            match reader.read_event().expect("well-formed XML") {
                Event::Start(e) | Event::Empty(e) => out.push(Element {
                    name: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
                    attrs: e
                        .attributes()
                        .map(|a| {
                            let a = a.unwrap();
                            (
                                String::from_utf8_lossy(a.key.as_ref()).into_owned(),
                                a.unescape_value().unwrap().into_owned(),
                            )
                        })
                        .collect(),
                    text: String::new(),
                }),
                Event::Text(t) => {
                    if let Some(last) = out.last_mut() {
                        last.text.push_str(&t.decode().unwrap());
                    }
                }
                Event::GeneralRef(r) => {
                    let name = r.decode().unwrap().into_owned();
                    let c = quick_xml::escape::resolve_predefined_entity(&name).expect("a predefined entity");
                    if let Some(last) = out.last_mut() {
                        last.text.push_str(c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        out
    }

    /// Names of the elements inside `<Response>`, in document order.
    pub fn verbs(&self) -> Vec<String> {
        self.elements().into_iter().skip(1).map(|e| e.name).collect()
    }

    pub fn first(&self, name: &str) -> Element {
        self.elements()
            .into_iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("no <{name}> in {}", self.body))
    }

    pub fn all(&self, name: &str) -> Vec<Element> {
        self.elements().into_iter().filter(|e| e.name == name).collect()
    }

    /// The numbers this answer dials.
    pub fn dialled(&self) -> Vec<String> {
        self.all("Number").into_iter().map(|n| n.text).collect()
    }

    pub fn assert_twiml(&self) {
        assert_eq!(self.status, 200, "{}", self.body);
        assert_eq!(self.content_type, "text/xml; charset=utf-8");
    }
}

/// Twilio is reported to re-sort query parameters before signing: every URL we hand
/// out must already have its keys in alphabetical order.
pub fn assert_sorted_queries(answer: &Answer) {
    for element in answer.elements() {
        for (name, value) in &element.attrs {
            let Some((_, query)) = value.split_once('?') else {
                continue;
            };
            let keys: Vec<&str> = query.split('&').map(|kv| kv.split('=').next().unwrap_or("")).collect();
            let mut sorted = keys.clone();
            sorted.sort_unstable();
            assert_eq!(keys, sorted, "<{} {name}=\"{value}\">", element.name);
        }
    }
}

impl TestApp {
    /// A new admin token, global or scoped to one client.
    pub async fn admin_token(&self, client: Option<&str>) -> String {
        let secret = format!("sb_test_{}_{}", client.unwrap_or("all"), rand::random::<u64>());
        store::admin::create_token(
            &self.db,
            client.unwrap_or("global"),
            client,
            &secret,
            chrono::Utc::now(),
        )
        .await
        .unwrap();
        secret
    }

    /// An admin API request; `body` is sent as JSON, or as text when it is a string.
    pub async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        self.api_from(&self.http, method, path, token, body).await
    }

    /// As [`TestApp::api`], through `http` (a client bound to another address, say).
    pub async fn api_from(
        &self,
        http: &reqwest::Client,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let url = format!("http://127.0.0.1:{}{path}", self.port);
        let mut request = http.request(method.parse().unwrap(), url);
        if let Some(t) = token {
            request = request.bearer_auth(t);
        }
        match body {
            Some(serde_json::Value::String(text)) => {
                request = request.header("content-type", "application/toml").body(text)
            }
            Some(json) => {
                request = request
                    .header("content-type", "application/json")
                    .body(json.to_string())
            }
            None => {}
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
        )
    }
}

/// An after-hours call to Acme that leaves a voicemail; returns the voicemail's callback URLs.
pub async fn voicemail(app: &TestApp, call: &str, recording: &str, seconds: &str) -> (String, String, String) {
    let answer = app.call(call, ACME).await;
    let record = answer.first("Record");
    let done = record.attr("action").unwrap().to_owned();
    let status = record.attr("recordingStatusCallback").unwrap().to_owned();
    let transcription = record.attr("transcribeCallback").unwrap().to_owned();
    let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{recording}");
    let params = [
        ("CallSid", call),
        ("From", CALLER),
        ("To", ACME),
        ("RecordingSid", recording),
        ("RecordingUrl", url.as_str()),
        ("RecordingDuration", seconds),
    ];
    assert_eq!(app.post(&done, &params).await.status, 200);
    (done, status, transcription)
}

/// An after-hours call to Acme whose caller hangs up during the greeting: a missed call.
pub async fn hang_up_during_greeting(app: &TestApp, call: &str) {
    app.call(call, ACME).await.assert_twiml();
    let status = [
        ("CallSid", call),
        ("From", CALLER),
        ("To", ACME),
        ("CallStatus", "completed"),
        ("CallDuration", "4"),
    ];
    app.post("/twilio/voice/status", &status).await;
}

/// Twilio's transcription callback for a voicemail.
pub async fn transcript(app: &TestApp, url: &str, call: &str, recording: &str, text: &str) {
    let params = [
        ("CallSid", call),
        ("RecordingSid", recording),
        ("TranscriptionSid", "TR00000000000000000000000000000001"),
        ("TranscriptionText", text),
        ("TranscriptionStatus", "completed"),
    ];
    assert_eq!(app.post(url, &params).await.status, 204);
}
