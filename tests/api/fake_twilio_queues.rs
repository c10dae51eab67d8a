//! The fake Twilio's call queues: the Queues resource (`Queues.json`, `Queues/{Sid}.json`:
//! list, create, fetch, update, delete) and its Members (`Members.json`,
//! `Members/{CallSid}.json`, `Front` naming the call at the front: list, fetch, and update,
//! which dequeues the call to the `Url` given), in the JSON shapes of the OpenAPI schemas
//! `api.v2010.account.queue` and `api.v2010.account.queue.member`, with 404 for unknown sids
//! and `MaxSize` held to 1–5000 (default 1000).
//!
//! The tests play Twilio's voice engine, so they put calls in a queue as `<Enqueue>` does
//! ([`FakeTwilio::enqueue`], which makes the queue on demand and refuses a call when it is
//! full), take the front one as `<Dial><Queue>` does ([`FakeTwilio::dequeue_front`]), and
//! drop one whose caller hung up ([`FakeTwilio::drop_member`]). [`FakeTwilio::queues_down`]
//! answers every queue request with 503.
//!
//! Twilio documents no error code for a bad `MaxSize` or a missing `Url`; the fake answers
//! those with 400 and its own code 21998.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{error, lock, one, Fake, Form, Refusal, Shared};

const LIST_QUEUES: &str = "GET /2010-04-01/Accounts/{AccountSid}/Queues.json";
const CREATE_QUEUE: &str = "POST /2010-04-01/Accounts/{AccountSid}/Queues.json";
const UPDATE_QUEUE: &str = "POST /2010-04-01/Accounts/{AccountSid}/Queues/{Sid}.json";
const LIST_MEMBERS: &str = "GET /2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members.json";
const UPDATE_MEMBER: &str = "POST /2010-04-01/Accounts/{AccountSid}/Queues/{QueueSid}/Members/{CallSid}.json";
/// What `<Enqueue>` and CreateQueue give a queue without a `MaxSize`.
const DEFAULT_MAX_SIZE: u32 = 1000;
const MAX_SIZE: u32 = 5000;
const BAD_PARAMETER: i64 = 21998;

#[derive(Default)]
pub(super) struct Queues {
    list: Vec<FakeQueue>,
    down: bool,
    dequeued: Vec<(String, String)>,
}

struct FakeQueue {
    sid: String,
    account_sid: String,
    friendly_name: String,
    max_size: u32,
    created: DateTime<Utc>,
    updated: DateTime<Utc>,
    /// Front first: (call SID, when it joined).
    members: Vec<(String, DateTime<Utc>)>,
}

/// A queue as a test sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueView {
    pub sid: String,
    pub max_size: u32,
    /// Call SIDs, front first.
    pub members: Vec<String>,
}

pub(super) fn routes() -> Router<Shared> {
    let account = "/2010-04-01/Accounts/{sid}";
    Router::new()
        .route(&format!("{account}/Queues.json"), get(list_queues).post(create_queue))
        .route(
            &format!("{account}/Queues/{{file}}"),
            get(fetch_queue).post(update_queue).delete(delete_queue),
        )
        .route(&format!("{account}/Queues/{{queue}}/Members.json"), get(list_members))
        .route(
            &format!("{account}/Queues/{{queue}}/Members/{{file}}"),
            get(fetch_member).post(update_member),
        )
}

impl super::FakeTwilio {
    /// `<Enqueue>name</Enqueue>` for `call_sid`, a call of `account`: the queue is made on
    /// demand. `Err("queue-full")` (the `QueueResult` Twilio then posts) when it is full.
    pub fn enqueue(&self, account: &str, name: &str, call_sid: &str) -> Result<(), &'static str> {
        let mut fake = lock(&self.state);
        let now = fake.now();
        let named = |q: &FakeQueue| q.account_sid == account && q.friendly_name == name;
        let at = match fake.queues.list.iter().position(named) {
            Some(at) => at,
            None => {
                let sid = fake.next_sid("QU");
                let queue = FakeQueue::new(sid, account.to_owned(), name, DEFAULT_MAX_SIZE, now);
                fake.queues.list.push(queue);
                fake.queues.list.len() - 1
            }
        };
        let queue = &mut fake.queues.list[at];
        if queue.members.len() >= queue.max_size as usize {
            return Err("queue-full");
        }
        queue.members.push((call_sid.to_owned(), now));
        Ok(())
    }

    /// `<Dial><Queue>name</Queue>`: the call at the front leaves the queue; (its call SID,
    /// the queue's SID), for the `<Queue url>` request Twilio makes on that call.
    pub fn dequeue_front(&self, name: &str) -> Option<(String, String)> {
        let mut fake = lock(&self.state);
        let queue = fake.queues.list.iter_mut().find(|q| q.friendly_name == name)?;
        let (front, _) = (!queue.members.is_empty()).then(|| queue.members.remove(0))?;
        Some((front, queue.sid.clone()))
    }

    /// The caller `call_sid` hung up while waiting: Twilio's queue no longer holds them.
    pub fn drop_member(&self, name: &str, call_sid: &str) {
        let mut fake = lock(&self.state);
        if let Some(queue) = fake.queues.list.iter_mut().find(|q| q.friendly_name == name) {
            queue.members.retain(|(sid, _)| sid != call_sid);
        }
    }

    /// The queues named `name`, oldest first.
    pub fn queues_named(&self, name: &str) -> Vec<QueueView> {
        let fake = lock(&self.state);
        let named = fake.queues.list.iter().filter(|q| q.friendly_name == name);
        named
            .map(|q| QueueView {
                sid: q.sid.clone(),
                max_size: q.max_size,
                members: q.members.iter().map(|(sid, _)| sid.clone()).collect(),
            })
            .collect()
    }

    /// From now on (until called with false), every queue request is answered 503.
    pub fn queues_down(&self, down: bool) {
        lock(&self.state).queues.down = down;
    }

    /// (call SID, `Url`) of every call dequeued through UpdateMember, oldest first.
    pub fn members_dequeued(&self) -> Vec<(String, String)> {
        lock(&self.state).queues.dequeued.clone()
    }
}

impl Fake {
    fn now(&self) -> DateTime<Utc> {
        self.clock.as_ref().map_or_else(Utc::now, |now| now())
    }

    /// Auth and Twilio being up; then the account's queue `file` (`QU….json`) names.
    fn queue_at(&self, headers: &HeaderMap, sid: &str, file: &str) -> Result<usize, Refusal> {
        self.authenticate(headers, sid)?;
        self.up()?;
        let queue_sid = file.strip_suffix(".json").unwrap_or(file);
        (self.queues.list.iter())
            .position(|q| q.account_sid == sid && q.sid == queue_sid)
            .ok_or_else(not_found)
    }

    fn up(&self) -> Result<(), Refusal> {
        match self.queues.down {
            true => Err(error(503, 20503, "Service Unavailable")),
            false => Ok(()),
        }
    }
}

impl FakeQueue {
    fn new(sid: String, account_sid: String, name: &str, max_size: u32, now: DateTime<Utc>) -> Self {
        Self {
            sid,
            account_sid,
            friendly_name: name.to_owned(),
            max_size,
            created: now,
            updated: now,
            members: Vec::new(),
        }
    }

    fn uri(&self) -> String {
        format!("/2010-04-01/Accounts/{}/Queues/{}.json", self.account_sid, self.sid)
    }

    fn json(&self, now: DateTime<Utc>) -> Value {
        let waits: Vec<i64> = self.members.iter().map(|(_, at)| (now - *at).num_seconds()).collect();
        let average = waits.iter().sum::<i64>() / i64::try_from(waits.len().max(1)).unwrap();
        json!({
            "account_sid": self.account_sid, "average_wait_time": average,
            "current_size": self.members.len(), "date_created": self.created.to_rfc2822(),
            "date_updated": self.updated.to_rfc2822(), "friendly_name": self.friendly_name,
            "max_size": self.max_size, "sid": self.sid, "uri": self.uri(),
        })
    }

    fn member_json(&self, index: usize, now: DateTime<Utc>) -> Value {
        let (call_sid, at) = &self.members[index];
        json!({
            "call_sid": call_sid, "date_enqueued": at.to_rfc2822(), "position": index + 1,
            "queue_sid": self.sid, "wait_time": (now - *at).num_seconds(),
            "uri": format!("/2010-04-01/Accounts/{}/Queues/{}/Members/{call_sid}.json", self.account_sid, self.sid),
        })
    }

    /// `Front`, or a call SID, as the index of a member.
    fn member(&self, file: &str) -> Result<usize, Refusal> {
        let call = file.strip_suffix(".json").unwrap_or(file);
        match call {
            "Front" if !self.members.is_empty() => Ok(0),
            _ => self
                .members
                .iter()
                .position(|(sid, _)| sid == call)
                .ok_or_else(not_found),
        }
    }
}

fn not_found() -> Refusal {
    error(404, 20404, "The requested resource was not found")
}

/// `MaxSize` when given: an integer from 1 to 5000.
fn max_size(form: &Form) -> Result<Option<u32>, Refusal> {
    let Some(given) = one(form, "MaxSize") else {
        return Ok(None);
    };
    match given.parse::<u32>() {
        Ok(size) if (1..=MAX_SIZE).contains(&size) => Ok(Some(size)),
        _ => Err(error(
            400,
            BAD_PARAMETER,
            format!("MaxSize must be from 1 to {MAX_SIZE}, not {given}"),
        )),
    }
}

/// One page of `items` as Twilio lists it, under `key`, with `PageSize` and `Page`.
fn page(query: &Form, path: &str, key: &str, items: Vec<Value>) -> Value {
    let size = one(query, "PageSize")
        .and_then(|s| s.parse().ok())
        .unwrap_or(50_usize)
        .clamp(1, 1000);
    let number = one(query, "Page").and_then(|s| s.parse().ok()).unwrap_or(0_usize);
    let uri = |n: usize| format!("{path}?PageSize={size}&Page={n}");
    let start = number * size;
    let more = items.len() > start + size;
    let shown: Vec<Value> = items.into_iter().skip(start).take(size).collect();
    json!({
        key: shown, "page": number, "page_size": size, "start": start,
        "end": start + shown.len().saturating_sub(1), "uri": uri(number), "first_page_uri": uri(0),
        "next_page_uri": more.then(|| uri(number + 1)),
        "previous_page_uri": (number > 0).then(|| uri(number - 1)),
    })
}

async fn list_queues(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let query = fake.check(&headers, &sid, LIST_QUEUES, query.unwrap_or_default().as_bytes())?;
    fake.up()?;
    let now = fake.now();
    let queues = (fake.queues.list.iter().filter(|q| q.account_sid == sid)).map(|q| q.json(now));
    let path = format!("/2010-04-01/Accounts/{sid}/Queues.json");
    Ok(Json(page(&query, &path, "queues", queues.collect())))
}

async fn create_queue(
    State(state): State<Shared>,
    Path(sid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Refusal> {
    let mut fake = lock(&state);
    let form = fake.check(&headers, &sid, CREATE_QUEUE, &body)?;
    fake.up()?;
    let name = one(&form, "FriendlyName").filter(|n| !n.is_empty() && n.chars().count() <= 64);
    let name = name.ok_or_else(|| error(400, BAD_PARAMETER, "FriendlyName is required, up to 64 characters"))?;
    let size = max_size(&form)?.unwrap_or(DEFAULT_MAX_SIZE);
    let (queue_sid, now) = (fake.next_sid("QU"), fake.now());
    let queue = FakeQueue::new(queue_sid, sid, name, size, now);
    let json = queue.json(now);
    fake.queues.list.push(queue);
    Ok((StatusCode::CREATED, Json(json)).into_response())
}

async fn fetch_queue(
    State(state): State<Shared>,
    Path((sid, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let at = fake.queue_at(&headers, &sid, &file)?;
    Ok(Json(fake.queues.list[at].json(fake.now())))
}

async fn update_queue(
    State(state): State<Shared>,
    Path((sid, file)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let mut fake = lock(&state);
    let form = fake.check(&headers, &sid, UPDATE_QUEUE, &body)?;
    let at = fake.queue_at(&headers, &sid, &file)?;
    let size = max_size(&form)?;
    let now = fake.now();
    let queue = &mut fake.queues.list[at];
    if let Some(name) = one(&form, "FriendlyName") {
        name.clone_into(&mut queue.friendly_name);
    }
    queue.max_size = size.unwrap_or(queue.max_size);
    queue.updated = now;
    Ok(Json(queue.json(now)))
}

/// Twilio removes only an empty queue.
async fn delete_queue(
    State(state): State<Shared>,
    Path((sid, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, Refusal> {
    let mut fake = lock(&state);
    let at = fake.queue_at(&headers, &sid, &file)?;
    if !fake.queues.list[at].members.is_empty() {
        return Err(error(400, BAD_PARAMETER, "Only an empty queue can be removed"));
    }
    fake.queues.list.remove(at);
    Ok(StatusCode::NO_CONTENT)
}

async fn list_members(
    State(state): State<Shared>,
    Path((sid, queue)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let query = fake.check(&headers, &sid, LIST_MEMBERS, query.unwrap_or_default().as_bytes())?;
    let at = fake.queue_at(&headers, &sid, &queue)?;
    let (queue, now) = (&fake.queues.list[at], fake.now());
    let members = (0..queue.members.len()).map(|i| queue.member_json(i, now)).collect();
    let path = format!("{}/Members.json", queue.uri().trim_end_matches(".json"));
    Ok(Json(page(&query, &path, "queue_members", members)))
}

async fn fetch_member(
    State(state): State<Shared>,
    Path((sid, queue, file)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Json<Value>, Refusal> {
    let fake = lock(&state);
    let at = fake.queue_at(&headers, &sid, &queue)?;
    let queue = &fake.queues.list[at];
    Ok(Json(queue.member_json(queue.member(&file)?, fake.now())))
}

/// Dequeues the member: its call leaves the queue for the TwiML at `Url`.
async fn update_member(
    State(state): State<Shared>,
    Path((sid, queue, file)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Refusal> {
    let mut fake = lock(&state);
    let form = fake.check(&headers, &sid, UPDATE_MEMBER, &body)?;
    let at = fake.queue_at(&headers, &sid, &queue)?;
    let url = one(&form, "Url").ok_or_else(|| error(400, BAD_PARAMETER, "Url is required"))?;
    if one(&form, "Method").is_some_and(|m| m != "GET" && m != "POST") {
        return Err(error(400, BAD_PARAMETER, "Method must be GET or POST"));
    }
    let url = url.to_owned();
    let now = fake.now();
    let queue = &mut fake.queues.list[at];
    let index = queue.member(&file)?;
    let json = queue.member_json(index, now);
    let (call_sid, _) = queue.members.remove(index);
    fake.queues.dequeued.push((call_sid, url));
    Ok(Json(json))
}
