//! A fake Twilio REST API (docs/twilio.md) on 127.0.0.1:0, for tests of anything that sends
//! through `twilio::rest::TwilioClient`.
//!
//! Owns the wire contract the client is held to: Basic auth per account (401 / 20003), form field
//! names checked against Twilio's OpenAPI parameter lists (`tests/fixtures/twilio/operations.json`,
//! so a misspelt field fails every send instead of being silently dropped by the real API), and
//! scripted failures for Messages.json: error statuses with codes and `Retry-After`, an accepted
//! message whose answer comes too late, and a reset connection, scripted one by one or drawn at
//! random from a seeded generator (`fail_at_random`). It records what was accepted, so a
//! test can assert that a retry did not send an alert twice. It must not be used outside tests.
//!
//! Phone numbers and recording media are in `fake_twilio_numbers.rs`, call queues and their
//! members in `fake_twilio_queues.rs`.
//!
//! Error codes are Twilio's, except 21999 ("unknown parameter"), which is the fake's own: Twilio is
//! not documented to refuse a parameter it does not know, so there a typo would pass silently.

// Compiled into two test binaries (the library's unit tests and tests/api), each of which uses a
// different part of it.
#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine as _};
use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

#[path = "fake_twilio_numbers.rs"]
mod numbers;
#[path = "fake_twilio_queues.rs"]
mod queues;

const OPERATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/twilio/operations.json");
const MESSAGES_GET: &str = "GET /2010-04-01/Accounts/{AccountSid}/Messages.json";
const MESSAGES_POST: &str = "POST /2010-04-01/Accounts/{AccountSid}/Messages.json";
const CALLS_POST: &str = "POST /2010-04-01/Accounts/{AccountSid}/Calls.json";

pub struct FakeTwilio {
    /// The API base to hand to the client, e.g. `http://127.0.0.1:PORT/`.
    pub url: url::Url,
    state: Shared,
    server: tokio::task::JoinHandle<()>,
}

/// How the fake answers one POST Messages.json that passed the auth and parameter checks.
pub enum Step {
    /// Answer `status` with Twilio's error JSON when `code` is given (an empty body otherwise),
    /// and `Retry-After` when given. The message is NOT accepted.
    Status {
        status: u16,
        code: Option<i64>,
        retry_after: Option<&'static str>,
    },
    /// Accept the message, then wait this long before answering 201: longer than the client's
    /// timeout, this is the ambiguous case.
    AcceptThenHang(Duration),
    /// Close the connection without answering. The message is NOT accepted.
    Reset,
}

/// A message the fake accepted, as Twilio would have stored it.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub account_sid: String,
    pub to: String,
    pub from: String,
    pub body: String,
    pub status_callback: Option<String>,
    pub media_urls: Vec<String>,
    pub sid: String,
    pub date_created: DateTime<Utc>,
}

/// A call the fake accepted (POST Calls.json).
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedCall {
    pub account_sid: String,
    pub to: String,
    pub from: String,
    pub twiml: String,
    pub status_callback: Option<String>,
    pub sid: String,
}

/// Random failures once the script has run out.
struct Chaos {
    rng: StdRng,
    rate: f64,
    hang: Duration,
    drawn: HashMap<&'static str, usize>,
}

impl Chaos {
    /// One of the failures Twilio is seen to answer with, or `None` (accept) for `1 - rate`.
    fn draw(&mut self) -> Option<Step> {
        if !self.rng.random_bool(self.rate) {
            return None;
        }
        let (name, step) = match self.rng.random_range(0..5) {
            0 => (
                "500",
                Step::Status {
                    status: 500,
                    code: Some(20500),
                    retry_after: None,
                },
            ),
            1 => (
                "503",
                Step::Status {
                    status: 503,
                    code: None,
                    retry_after: None,
                },
            ),
            2 => (
                "429",
                Step::Status {
                    status: 429,
                    code: Some(20429),
                    retry_after: Some("1"),
                },
            ),
            3 => ("timeout after accepting", Step::AcceptThenHang(self.hang)),
            _ => ("reset", Step::Reset),
        };
        *self.drawn.entry(name).or_default() += 1;
        Some(step)
    }
}

type Shared = Arc<Mutex<Fake>>;
type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

#[derive(Default)]
struct Fake {
    /// `None` accepts any credentials.
    accounts: Option<HashMap<String, String>>,
    /// Allowed parameter names, keyed like operations.json ("POST /2010-04-01/…").
    parameters: HashMap<String, Vec<String>>,
    script: VecDeque<Step>,
    chaos: Option<Chaos>,
    accepted: Vec<Accepted>,
    calls: Vec<AcceptedCall>,
    requests: usize,
    sids: u64,
    /// Stamps `date_created`; `None` reads the real time.
    clock: Option<Clock>,
    numbers: numbers::Numbers,
    queues: queues::Queues,
    /// Prices set by [`FakeTwilio::set_price`], by message SID: shown by a GET of the message.
    prices: HashMap<String, String>,
    fetches: usize,
}

impl FakeTwilio {
    /// A fake that accepts any Basic credentials.
    pub async fn start() -> Self {
        Self::serve(None).await
    }

    /// A fake that knows only these (account SID, auth token) pairs.
    pub async fn with_accounts(accounts: &[(&str, &str)]) -> Self {
        let map = accounts.iter().map(|(sid, token)| (sid.to_string(), token.to_string()));
        Self::serve(Some(map.collect())).await
    }

    async fn serve(accounts: Option<HashMap<String, String>>) -> Self {
        let extract: Value = serde_json::from_str(&std::fs::read_to_string(OPERATIONS).unwrap()).unwrap();
        let parameters = serde_json::from_value(extract["operations"].clone()).unwrap();
        let state = Arc::new(Mutex::new(Fake {
            accounts,
            parameters,
            ..Fake::default()
        }));
        let app = Router::new()
            .route(
                "/2010-04-01/Accounts/{sid}/Messages.json",
                post(create_message).get(list_messages),
            )
            .route("/2010-04-01/Accounts/{sid}/Messages/{file}", get(fetch_message))
            .route("/2010-04-01/Accounts/{sid}/Calls.json", post(create_call))
            .route("/2010-04-01/Accounts/{file}", get(fetch_account))
            .merge(numbers::routes())
            .merge(queues::routes())
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", listener.local_addr().unwrap()).parse().unwrap();
        let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state, server }
    }

    /// Twilio prices a message some time after sending it: from now on a GET of the message
    /// shows it `delivered` with this price (`"-0.00790"`); before, with none.
    pub fn set_price(&self, message_sid: &str, price: &str) {
        lock(&self.state)
            .prices
            .insert(message_sid.to_owned(), price.to_owned());
    }

    /// GET Messages/{sid}.json requests received.
    pub fn message_fetches(&self) -> usize {
        lock(&self.state).fetches
    }

    /// Answers for the next POST Messages.json requests, in order, after any already scripted.
    /// Once the script runs out, every request is accepted.
    pub fn script(&self, steps: Vec<Step>) {
        lock(&self.state).script.extend(steps);
    }

    /// From now on, once the script has run out, fail `rate` of POST Messages.json at random
    /// (drawn from `seed`): 500, 503, 429 with `Retry-After: 1`, accepting and then answering only
    /// after `hang` (longer than the client's timeout), or a reset connection, in equal shares.
    pub fn fail_at_random(&self, seed: u64, rate: f64, hang: Duration) {
        lock(&self.state).chaos = Some(Chaos {
            rng: StdRng::seed_from_u64(seed),
            rate,
            hang,
            drawn: HashMap::new(),
        });
    }

    /// How many of each random failure were answered so far.
    pub fn failures_drawn(&self) -> HashMap<&'static str, usize> {
        lock(&self.state)
            .chaos
            .as_ref()
            .map(|c| c.drawn.clone())
            .unwrap_or_default()
    }

    /// The path of the call link (`/l/…`) in the latest text to `to`.
    pub fn call_link_to(&self, to: &str) -> String {
        let body = self
            .accepted()
            .into_iter()
            .rev()
            .find(|m| m.to == to)
            .expect("a text")
            .body;
        let start = body.find("/l/").unwrap_or_else(|| panic!("no link in {body}"));
        body[start..].split_whitespace().next().unwrap().to_owned()
    }

    /// Every message accepted, oldest first.
    pub fn accepted(&self) -> Vec<Accepted> {
        lock(&self.state).accepted.clone()
    }

    /// POST Messages.json requests received, accepted or not: one per attempt.
    pub fn requests(&self) -> usize {
        lock(&self.state).requests
    }

    /// Stamp new messages' `date_created` with this clock instead of the real time: a test whose
    /// app runs on a manual clock passes it here, so that Twilio's timestamps and the app's
    /// `since` (for `find_recent_message`) are in the same frame, as they are in production.
    pub fn set_clock(&self, now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) {
        lock(&self.state).clock = Some(Arc::new(now));
    }

    /// Gives a known account a new auth token, as rotating it in Twilio's console does: the old
    /// one is refused from now on.
    pub fn rotate_token(&self, sid: &str, token: &str) {
        if let Some(accounts) = &mut lock(&self.state).accounts {
            accounts.insert(sid.to_owned(), token.to_owned());
        }
    }

    /// Every call accepted, oldest first.
    pub fn calls(&self) -> Vec<AcceptedCall> {
        lock(&self.state).calls.clone()
    }
}

impl Drop for FakeTwilio {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn lock(state: &Shared) -> MutexGuard<'_, Fake> {
    state.lock().unwrap()
}

async fn create_message(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    // Decide under the lock, act after it: neither the wait nor the unwind may hold it.
    let (accepted, delay) = {
        let mut fake = lock(&state);
        fake.requests += 1;
        let form = fake.check(&headers, &sid, MESSAGES_POST, &body)?;
        required_message_fields(&form)?;
        let step = match fake.script.pop_front() {
            None => fake.chaos.as_mut().and_then(Chaos::draw),
            scripted => scripted,
        };
        match step {
            None => return Ok(fake.accept(&sid, &form).created()),
            Some(Step::Status {
                status,
                code,
                retry_after,
            }) => return Ok(refuse(status, code, retry_after)),
            Some(Step::AcceptThenHang(delay)) => (fake.accept(&sid, &form), delay),
            Some(Step::Reset) => {
                drop(fake);
                // Unwinding the connection's task drops the socket mid-request. `resume_unwind`,
                // unlike `panic!`, skips the panic hook, so the test output stays clean.
                std::panic::resume_unwind(Box::new("fake Twilio: connection reset"))
            }
        }
    };
    tokio::time::sleep(delay).await;
    Ok(accepted.created())
}

async fn list_messages(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let query = fake.check(&headers, &sid, MESSAGES_GET, query.unwrap_or_default().as_bytes())?;
    let matches = |name: &str, value: &str| all(&query, name).iter().all(|wanted| *wanted == value);
    let page_size = one(&query, "PageSize").and_then(|s| s.parse().ok()).unwrap_or(50);
    let messages: Vec<Value> = (fake.accepted.iter().rev())
        .filter(|m| m.account_sid == sid && matches("To", &m.to) && matches("From", &m.from))
        .take(page_size)
        .map(|m| m.json("sent"))
        .collect();
    Ok(Json(json!({ "messages": messages, "page": 0, "page_size": page_size })))
}

async fn fetch_message(
    State(state): State<Shared>,
    Path((sid, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let mut fake = lock(&state);
    fake.authenticate(&headers, &sid)?;
    fake.fetches += 1;
    let not_found = || error(404, 20404, "The requested resource was not found");
    let message_sid = file.strip_suffix(".json").ok_or_else(not_found)?;
    let message = (fake.accepted.iter())
        .find(|m| m.account_sid == sid && m.sid == message_sid)
        .ok_or_else(not_found)?;
    let mut json = message.json("sent");
    json["price"] = fake.prices.get(message_sid).map_or(Value::Null, |p| json!(p));
    if !json["price"].is_null() {
        json["status"] = json!("delivered");
    }
    Ok(Json(json))
}

async fn create_call(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let mut fake = lock(&state);
    let form = fake.check(&headers, &sid, CALLS_POST, &body)?;
    let call = AcceptedCall {
        account_sid: sid,
        to: one(&form, "To").unwrap_or_default().to_owned(),
        from: one(&form, "From").unwrap_or_default().to_owned(),
        twiml: one(&form, "Twiml").unwrap_or_default().to_owned(),
        status_callback: one(&form, "StatusCallback").map(str::to_owned),
        sid: fake.next_sid("CA"),
    };
    let json = json!({ "sid": call.sid, "account_sid": call.account_sid, "to": call.to, "from": call.from,
        "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01" });
    fake.calls.push(call);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

async fn fetch_account(
    State(state): State<Shared>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let Some(sid) = file.strip_suffix(".json") else {
        return Err(error(404, 20404, "The requested resource was not found"));
    };
    lock(&state).authenticate(&headers, sid)?;
    let name = format!("Fake {sid}");
    Ok(Json(
        json!({ "sid": sid, "status": "active", "friendly_name": name, "type": "Full" }),
    ))
}

impl Fake {
    /// Auth first (as Twilio does), then every parameter name against the operation's list.
    fn check(&self, headers: &HeaderMap, sid: &str, operation: &str, encoded: &[u8]) -> Result<Form, Refusal> {
        self.authenticate(headers, sid)?;
        let is_post = operation.starts_with("POST");
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if is_post && !content_type.is_some_and(|t| t.starts_with("application/x-www-form-urlencoded")) {
            return Err(error(400, 21999, "expected a form-encoded body"));
        }
        let form: Form = url::form_urlencoded::parse(encoded).into_owned().collect();
        let allowed = &self.parameters[operation];
        match form.iter().find(|(name, _)| !allowed.contains(name)) {
            Some((name, _)) => Err(error(400, 21999, format!("unknown parameter {name}"))),
            None => Ok(form),
        }
    }

    /// Basic auth with a known SID and its token, and that SID owns the account in the path.
    fn authenticate(&self, headers: &HeaderMap, path_sid: &str) -> Result<(), Refusal> {
        let credentials = (headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()))
            .and_then(|v| v.strip_prefix("Basic "))
            .and_then(|b64| STANDARD.decode(b64).ok())
            .and_then(|bytes| String::from_utf8(bytes).ok());
        let known = |sid: &str, token: &str| {
            self.accounts
                .as_ref()
                .is_none_or(|map| map.get(sid).is_some_and(|t| t == token))
        };
        match credentials.as_deref().and_then(|c| c.split_once(':')) {
            Some((sid, token)) if sid == path_sid && known(sid, token) => Ok(()),
            _ => Err(error(401, 20003, "Authenticate")),
        }
    }

    fn accept(&mut self, account_sid: &str, form: &Form) -> Accepted {
        let message = Accepted {
            account_sid: account_sid.to_owned(),
            to: one(form, "To").unwrap_or_default().to_owned(),
            from: one(form, "From").unwrap_or_default().to_owned(),
            body: one(form, "Body").unwrap_or_default().to_owned(),
            status_callback: one(form, "StatusCallback").map(str::to_owned),
            media_urls: all(form, "MediaUrl").into_iter().map(str::to_owned).collect(),
            sid: self.next_sid("SM"),
            date_created: self.clock.as_ref().map_or_else(Utc::now, |now| now()),
        };
        self.accepted.push(message.clone());
        message
    }

    fn next_sid(&mut self, prefix: &str) -> String {
        self.sids += 1;
        format!("{prefix}{:032x}", self.sids)
    }
}

impl Accepted {
    /// The Message resource as Twilio shows it: `queued` with no price when created, a price once
    /// listed as `sent`. Numbers are strings and dates RFC 2822, as in the real API.
    fn json(&self, status: &str) -> Value {
        let segments = approximate_segments(&self.body);
        let price = (status == "sent").then(|| format!("-{:.5}", 0.0079 * segments as f64));
        let date = self.date_created.to_rfc2822();
        json!({
            "sid": self.sid, "account_sid": self.account_sid, "to": self.to, "from": self.from,
            "body": self.body, "status": status, "direction": "outbound-api",
            "num_segments": segments.to_string(), "num_media": self.media_urls.len().to_string(),
            "price": price, "price_unit": "USD", "error_code": null, "error_message": null,
            "date_created": date, "date_updated": date, "date_sent": null, "api_version": "2010-04-01",
        })
    }

    fn created(&self) -> Response {
        (StatusCode::CREATED, Json(self.json("queued"))).into_response()
    }
}

type Form = Vec<(String, String)>;

fn one<'a>(form: &'a Form, name: &str) -> Option<&'a str> {
    form.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
}

fn all<'a>(form: &'a Form, name: &str) -> Vec<&'a str> {
    form.iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

/// Twilio's checks for a message with no recipient, sender or content.
fn required_message_fields(form: &Form) -> Result<(), Refusal> {
    let missing = |name| one(form, name).is_none_or(str::is_empty);
    if missing("To") {
        Err(error(400, 21604, "A 'To' phone number is required."))
    } else if missing("From") && missing("MessagingServiceSid") {
        Err(error(400, 21603, "A 'From' phone number is required."))
    } else if missing("Body") && missing("MediaUrl") && missing("ContentSid") {
        Err(error(400, 21602, "Message body is required."))
    } else {
        Ok(())
    }
}

/// Good enough for a fake: ASCII as GSM-7 (160/153), anything else as UCS-2 (70/67).
fn approximate_segments(body: &str) -> usize {
    let (units, single, per) = match body.is_ascii() {
        true => (body.len(), 160, 153),
        false => (body.encode_utf16().count(), 70, 67),
    };
    if units <= single {
        1
    } else {
        units.div_ceil(per)
    }
}

/// The answer to a scripted [`Step::Status`].
fn refuse(status: u16, code: Option<i64>, retry_after: Option<&str>) -> Response {
    let mut response = match code {
        Some(code) => error(status, code, format!("scripted {status} ({code})")).into_response(),
        None => StatusCode::from_u16(status).unwrap().into_response(),
    };
    if let Some(value) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, value.parse().unwrap());
    }
    response
}

/// Twilio's error JSON: `{code, message, more_info, status}`.
struct Refusal {
    status: u16,
    code: i64,
    message: String,
}

fn error(status: u16, code: i64, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        message: message.into(),
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let Refusal { status, code, message } = self;
        let more_info = format!("https://www.twilio.com/docs/errors/{code}");
        let body = json!({ "code": code, "message": message, "more_info": more_info, "status": status });
        (StatusCode::from_u16(status).unwrap(), Json(body)).into_response()
    }
}
