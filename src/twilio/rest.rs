//! The Twilio REST client (docs/twilio.md): sends SMS, places notification calls, looks a message
//! up after an ambiguous send, and checks that credentials work; phone numbers ([`numbers`]),
//! recording media ([`media`]) and call queues ([`queues`]) have their own files.
//!
//! Owns the HTTP exchange and the sorting of every failure into "retry", "look it up first" or
//! "give up" ([`SendError`]). It must not retry, sleep or pace requests: the outbox does that with
//! [`retry`] and `messaging::rate`. The auth token only ever travels in the Authorization
//! header: never in a URL, an error, a `Debug` string or a log line.

use std::error::Error as _;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use reqwest::header::RETRY_AFTER;
use reqwest::{RequestBuilder, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use url::Url;

use super::retry::parse_retry_after;

/// Every form field [`TwilioClient::send_message`] may send. A test checks each against Twilio's
/// OpenAPI spec, and the fake Twilio refuses names the spec does not list.
pub const MESSAGE_FIELDS: &[&str] = &["To", "From", "Body", "MediaUrl", "StatusCallback"];
/// Every form field [`TwilioClient::create_call`] may send.
pub const CALL_FIELDS: &[&str] = &["To", "From", "Twiml", "StatusCallback"];
/// Every query parameter [`TwilioClient::find_recent_message`] may send.
pub const MESSAGE_QUERY: &[&str] = &["To", "From", "PageSize"];

const API_VERSION: &str = "2010-04-01";
/// Twilio's largest page: a retry looks back over up to this many messages between the
/// same two numbers, enough for everything sent while a crashed worker's lease ran out.
const PAGE_SIZE: &str = "1000";

/// One Twilio account's credentials. `Debug` shows the SID and redacts the token.
#[derive(Debug, Clone)]
pub struct Account {
    pub sid: String,
    pub token: SecretString,
}

/// Holds no credentials: each call takes the [`Account`] it acts for.
#[derive(Debug, Clone)]
pub struct TwilioClient {
    http: reqwest::Client,
    /// For recording media only: see [`media`].
    media: reqwest::Client,
    base: Url,
}

pub struct NewMessage<'a> {
    pub to: &'a str,
    pub from: &'a str,
    pub body: &'a str,
    pub media_urls: &'a [String],
    pub status_callback: Option<&'a str>,
}

pub struct NewCall<'a> {
    pub to: &'a str,
    pub from: &'a str,
    pub twiml: &'a str,
    pub status_callback: Option<&'a str>,
}

/// A Message resource. Twilio sends numbers as strings and dates as RFC 2822; see
/// [`segments`](Self::segments) and [`created_at`](Self::created_at).
#[derive(Debug, Clone, Deserialize)]
pub struct MessageResource {
    pub sid: String,
    pub status: String,
    pub to: String,
    pub from: String,
    pub body: Option<String>,
    pub num_segments: Option<String>,
    pub price: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub date_created: Option<String>,
}

impl MessageResource {
    /// `num_segments` as a number; `None` when absent or unreadable.
    pub fn segments(&self) -> Option<u32> {
        self.num_segments.as_deref()?.parse().ok()
    }

    /// `date_created` as an instant; `None` when absent or not RFC 2822.
    pub fn created_at(&self) -> Option<DateTime<Utc>> {
        let date = DateTime::parse_from_rfc2822(self.date_created.as_deref()?).ok()?;
        Some(date.with_timezone(&Utc))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CallResource {
    pub sid: String,
    pub status: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AccountResource {
    pub sid: String,
    pub status: String,
    pub friendly_name: Option<String>,
}

/// Why a request did not give us its resource, sorted by what the caller may do next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Twilio did not take the request: the connection failed before sending, 429, 503. Safe to
    /// retry (after `retry_after` when given). Reads map every transport failure here.
    #[error("Twilio did not take the request ({reason}); safe to retry")]
    Retryable {
        retry_after: Option<Duration>,
        reason: String,
    },
    /// Twilio may have accepted it: timeout after sending, a reset connection, other 5xx,
    /// unreadable success body. Look it up before retrying.
    #[error("Twilio may have taken the request ({reason}); look it up before retrying")]
    Ambiguous { reason: String },
    /// Refused for good: 4xx other than 429, with Twilio's `code` and `message` (20003 is bad
    /// credentials). `status` is 0 when the request could not even be built (an unusable base URL).
    #[error("Twilio refused the request (HTTP {status}{}): {message}", code_suffix(*.code))]
    Rejected {
        status: u16,
        code: Option<i64>,
        message: String,
    },
}

impl SendError {
    /// Twilio's error code, when it refused the request with one.
    pub fn code(&self) -> Option<i64> {
        match self {
            SendError::Rejected { code, .. } => *code,
            SendError::Retryable { .. } | SendError::Ambiguous { .. } => None,
        }
    }
}

fn code_suffix(code: Option<i64>) -> String {
    code.map(|c| format!(", error {c}")).unwrap_or_default()
}

impl TwilioClient {
    /// `base` is TWILIO_API_BASE (https://api.twilio.com, or a local fake in tests); `timeout`
    /// bounds each whole request, connecting included.
    pub fn new(base: Url, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            // Twilio does not redirect API calls; following one could repeat a create elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            // Only TLS or resolver set-up can fail, and rustls with bundled roots has neither to
            // load; `reqwest::Client::new()` makes the same assumption and panics the same way.
            .expect("reqwest client with rustls and bundled roots builds");
        Self {
            http,
            media: media::client(timeout),
            base,
        }
    }

    /// POST Messages.json with `To`, `From`, `Body`, `MediaUrl` (repeated), `StatusCallback`.
    ///
    /// # Errors
    /// [`SendError`], sorted by whether Twilio may have accepted the message.
    #[tracing::instrument(name = "twilio.send_message", skip_all, fields(account_sid = %account.sid))]
    pub async fn send_message(&self, account: &Account, msg: &NewMessage<'_>) -> Result<MessageResource, SendError> {
        let url = self.endpoint(account, &["Messages.json"])?;
        self.execute(account, self.http.post(url).form(&message_form(msg)))
            .await
    }

    /// The newest message from `from` to `to` whose body is exactly `body` and that Twilio created
    /// at or after `since` (compared to the second, Twilio's precision). Call it before retrying an
    /// ambiguous send, with `since` read just before the first attempt, so a retry never repeats
    /// an alert that did go out.
    ///
    /// Filters To/From on Twilio's side and the rest here. It deliberately sends no `DateSent>`
    /// filter: a message still queued at Twilio has no `date_sent` yet, and would be missed.
    ///
    /// # Errors
    /// [`SendError`]; a read is always safe to repeat, so transport failures are `Retryable`.
    #[tracing::instrument(name = "twilio.find_recent_message", skip_all, fields(account_sid = %account.sid))]
    pub async fn find_recent_message(
        &self,
        account: &Account,
        to: &str,
        from: &str,
        body: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<MessageResource>, SendError> {
        #[derive(Deserialize)]
        struct Page {
            messages: Vec<MessageResource>,
        }
        let mut url = self.endpoint(account, &["Messages.json"])?;
        url.query_pairs_mut().extend_pairs(lookup_query(to, from));
        let page: Page = self.execute(account, self.http.get(url)).await.map_err(read_error)?;
        let since = since.trunc_subsecs(0);
        let candidates = page.messages.into_iter().filter(|m| m.body.as_deref() == Some(body));
        let dated = candidates.filter_map(|m| m.created_at().filter(|at| *at >= since).map(|at| (at, m)));
        Ok(dated.max_by_key(|(at, _)| *at).map(|(_, m)| m))
    }

    /// GET Messages/{sid}.json: the message as Twilio has it now, for its price, which
    /// Twilio sets some time after sending.
    ///
    /// # Errors
    /// [`SendError`]; a read is always safe to repeat, so transport failures are `Retryable`.
    #[tracing::instrument(name = "twilio.fetch_message", skip_all, fields(account_sid = %account.sid))]
    pub async fn fetch_message(&self, account: &Account, sid: &str) -> Result<MessageResource, SendError> {
        let url = self.endpoint(account, &["Messages", &format!("{sid}.json")])?;
        self.execute(account, self.http.get(url)).await.map_err(read_error)
    }

    /// POST Calls.json with `To`, `From`, `Twiml`, `StatusCallback`: a call that speaks a message.
    ///
    /// # Errors
    /// [`SendError`], sorted by whether Twilio may have placed the call.
    #[tracing::instrument(name = "twilio.create_call", skip_all, fields(account_sid = %account.sid))]
    pub async fn create_call(&self, account: &Account, call: &NewCall<'_>) -> Result<CallResource, SendError> {
        let url = self.endpoint(account, &["Calls.json"])?;
        self.execute(account, self.http.post(url).form(&call_form(call))).await
    }

    /// GET Accounts/{sid}.json: proves the credentials work; a usable account is `active`.
    ///
    /// # Errors
    /// [`SendError`]; bad credentials are `Rejected` with code 20003.
    #[tracing::instrument(name = "twilio.fetch_account", skip_all, fields(account_sid = %account.sid))]
    pub async fn fetch_account(&self, account: &Account) -> Result<AccountResource, SendError> {
        let url = self.endpoint(account, &[])?;
        self.execute(account, self.http.get(url)).await.map_err(read_error)
    }

    /// `{base}/2010-04-01/Accounts/{sid}/{resource…}`, or `…/Accounts/{sid}.json` for the account
    /// itself (no segments). Segments are pushed, not formatted, so a SID can never change the path.
    fn endpoint(&self, account: &Account, resource: &[&str]) -> Result<Url, SendError> {
        let mut url = self.base.clone();
        {
            let mut path = url.path_segments_mut().map_err(|()| SendError::Rejected {
                status: 0,
                code: None,
                message: format!("the Twilio API base {} cannot hold a path", self.base),
            })?;
            path.pop_if_empty().extend([API_VERSION, "Accounts"]);
            match resource {
                [] => path.push(&format!("{}.json", account.sid)),
                segments => path.push(&account.sid).extend(segments),
            };
        }
        Ok(url)
    }

    async fn execute<T: DeserializeOwned>(&self, account: &Account, request: RequestBuilder) -> Result<T, SendError> {
        let request = request.basic_auth(&account.sid, Some(account.token.expose_secret()));
        let response = request.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let retry_after = (response.headers().get(RETRY_AFTER))
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, Utc::now()));
        let body = response.bytes().await;
        tracing::debug!(status = status.as_u16(), "Twilio answered");
        if !status.is_success() {
            return Err(status_error(status, retry_after, &body.unwrap_or_default()));
        }
        let body = body.map_err(|e| SendError::Ambiguous {
            reason: format!("HTTP {status} but the body was lost: {}", describe(&e)),
        })?;
        serde_json::from_slice(&body).map_err(|e| SendError::Ambiguous {
            reason: format!("HTTP {status} but the body is not the expected JSON: {e}"),
        })
    }
}

fn message_form<'a>(msg: &NewMessage<'a>) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![("To", msg.to), ("From", msg.from), ("Body", msg.body)];
    form.extend(msg.media_urls.iter().map(|url| ("MediaUrl", url.as_str())));
    form.extend(msg.status_callback.map(|url| ("StatusCallback", url)));
    form
}

fn call_form<'a>(call: &NewCall<'a>) -> Vec<(&'static str, &'a str)> {
    let mut form = vec![("To", call.to), ("From", call.from), ("Twiml", call.twiml)];
    form.extend(call.status_callback.map(|url| ("StatusCallback", url)));
    form
}

fn lookup_query<'a>(to: &'a str, from: &'a str) -> [(&'static str, &'a str); 3] {
    [("To", to), ("From", from), ("PageSize", PAGE_SIZE)]
}

/// A failure before any answer. Only a failed connect proves nothing was sent; a timeout or a
/// connection closed mid-exchange may come after Twilio read the whole request and acted on it.
fn transport_error(e: &reqwest::Error) -> SendError {
    let reason = describe(e);
    if e.is_connect() {
        SendError::Retryable {
            retry_after: None,
            reason,
        }
    } else if e.is_builder() {
        SendError::Rejected {
            status: 0,
            code: None,
            message: reason,
        }
    } else {
        SendError::Ambiguous { reason }
    }
}

/// A non-2xx answer. Twilio documents 429 as never processed; a 503 means it did not take the
/// request; any other 5xx may have come after the work was done.
fn status_error(status: StatusCode, retry_after: Option<Duration>, body: &[u8]) -> SendError {
    let (code, detail) = error_body(body);
    let message = detail.unwrap_or_else(|| status.canonical_reason().unwrap_or("no message").to_owned());
    let reason = format!("HTTP {}{}: {message}", status.as_u16(), code_suffix(code));
    match status.as_u16() {
        429 | 503 => SendError::Retryable { retry_after, reason },
        400..=499 => SendError::Rejected {
            status: status.as_u16(),
            code,
            message,
        },
        _ => SendError::Ambiguous { reason },
    }
}

/// Twilio's `{code, message, more_info, status}`, or the RFC 9457 shape of newer APIs (`detail`,
/// `title`). Other bodies are not quoted: they could be anything a proxy chose to echo.
fn error_body(body: &[u8]) -> (Option<i64>, Option<String>) {
    #[derive(Deserialize)]
    struct ErrorBody {
        code: Option<i64>,
        message: Option<String>,
        detail: Option<String>,
        title: Option<String>,
    }
    match serde_json::from_slice::<ErrorBody>(body) {
        Ok(e) => (e.code, e.message.or(e.detail).or(e.title)),
        Err(_) => (None, None),
    }
}

/// A read changes nothing at Twilio, so whatever went wrong, asking again is safe.
fn read_error(e: SendError) -> SendError {
    match e {
        SendError::Ambiguous { reason } => SendError::Retryable {
            retry_after: None,
            reason,
        },
        other => other,
    }
}

/// The error and its causes, without the URL reqwest would print.
pub(crate) fn describe(e: &reqwest::Error) -> String {
    let mut text = String::from(if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "failed reading the answer"
    } else {
        "request failed"
    });
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

pub mod media;
pub mod numbers;
pub mod queues;

#[cfg(test)]
mod contract_tests;
#[cfg(test)]
mod tests;
