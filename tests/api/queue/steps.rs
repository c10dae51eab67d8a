//! The steps of a queued call as Twilio's voice engine takes them, for the queue's tests:
//! the small office with a queue, a caller's arrival, their wait turns and keys, the
//! assistant's offer and its end, and Twilio bridging its front caller.

use crate::chain::{office_rules, set_duty, OFFICE};
use crate::fake_twilio::{AcceptedCall, FakeTwilio};
use crate::helpers::{spawn_with, Answer, Element, Options, TestApp};

pub(crate) const QUEUE: &str = r#"[open]
strategy = "priority"
assistants = ["ann", "bob"]
screen = true
then = ["queue", "voicemail"]

[queue]
hold = "Please hold."
announce_seconds = 30
max_wait_seconds = 300
voicemail_key = "1"
callback_key = "2"
callback_attempts = 2
callback_spacing_seconds = 60"#;

pub(crate) fn caller(n: u32) -> String {
    format!("+1917555{n:04}")
}

/// The small office with a queue, sending through a fake Twilio; both assistants off duty.
pub(crate) async fn queued_office() -> (TestApp, FakeTwilio, tempfile::TempDir) {
    queued_office_with("").await
}

/// [`queued_office`], with `more` rules tables.
pub(crate) async fn queued_office_with(more: &str) -> (TestApp, FakeTwilio, tempfile::TempDir) {
    office_from(&format!("{QUEUE}\n\n{more}")).await
}

/// The small office with these routes and tables (`office_rules`), as [`queued_office`].
pub(crate) async fn office_from(tables: &str) -> (TestApp, FakeTwilio, tempfile::TempDir) {
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rules = office_rules(tables);
    std::fs::write(dir.path().join("small-office.toml"), rules).unwrap();
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    set_duty(&app, &["ann", "bob"], false).await;
    (app, fake, dir)
}

/// A call from caller `n`: the `<Enqueue>` it is answered with, and the call in Twilio's queue.
pub(crate) async fn arrive(app: &TestApp, fake: &FakeTwilio, call: &str, n: u32) -> Answer {
    let answer = answered_with_enqueue(app, call, n).await;
    fake.enqueue(&app.account_sid, "small-office", call).unwrap();
    answer
}

/// A call from caller `n`, answered with `<Enqueue>`.
pub(crate) async fn answered_with_enqueue(app: &TestApp, call: &str, n: u32) -> Answer {
    let from = caller(n);
    let params = [
        ("CallSid", call),
        ("From", from.as_str()),
        ("To", OFFICE),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    let answer = app.post("/twilio/voice", &params).await;
    assert_eq!(answer.verbs(), ["Enqueue"], "{}", answer.body);
    assert_eq!(answer.first("Enqueue").text, "small-office");
    answer
}

pub(crate) fn call_params<'a>(call: &'a str, from: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![
        ("CallSid", call),
        ("From", from),
        ("To", OFFICE),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
    ];
    all.extend_from_slice(extra);
    all
}

/// One turn of Twilio's wait loop for the caller `enqueued` answered.
pub(crate) async fn wait_turn(app: &TestApp, enqueued: &Answer, call: &str, n: u32, waited: &str) -> Answer {
    let url = enqueued.first("Enqueue").attr("waitUrl").unwrap().to_owned();
    let from = caller(n);
    let extra = [
        ("QueueTime", waited),
        ("AvgQueueTime", "0"),
        ("QueuePosition", "1"),
        ("CurrentQueueSize", "3"),
    ];
    let answer = app.post(&url, &call_params(call, &from, &extra)).await;
    answer.assert_twiml();
    answer
}

/// What the caller is told of their place, if anything, this turn.
pub(crate) fn said(answer: &Answer) -> Vec<String> {
    answer.all("Say").into_iter().map(|s| s.text).collect()
}

/// Twilio's `<Enqueue action>` once the caller left the queue.
pub(crate) async fn left_queue(app: &TestApp, enqueued: &Answer, call: &str, n: u32, result: &str) -> Answer {
    let url = enqueued.first("Enqueue").attr("action").unwrap().to_owned();
    let from = caller(n);
    app.post(
        &url,
        &call_params(call, &from, &[("QueueResult", result), ("QueueTime", "40")]),
    )
    .await
}

/// The caller pressing `key` during the wait turn `turn`.
pub(crate) async fn press(app: &TestApp, turn: &Answer, call: &str, n: u32, key: &str) -> Answer {
    let url = turn.first("Gather").attr("action").unwrap().to_owned();
    let from = caller(n);
    app.post(&url, &call_params(call, &from, &[("Digits", key)])).await
}

/// Twilio's final status for caller `n`, who hung up.
pub(crate) async fn hang_up(app: &TestApp, call: &str, n: u32) {
    let from = caller(n);
    let mut hung_up: Vec<_> = call_params(call, &from, &[("CallDuration", "30")])
        .into_iter()
        .filter(|(k, _)| *k != "CallStatus")
        .collect();
    hung_up.push(("CallStatus", "completed"));
    assert_eq!(app.post("/twilio/voice/status", &hung_up).await.status, 204);
}

/// The calls the outbox placed since `seen`, after delivering what is due.
pub(crate) async fn placed(app: &TestApp, fake: &FakeTwilio, seen: usize) -> Vec<AcceptedCall> {
    app.drain_outbox().await;
    fake.calls().into_iter().skip(seen).collect()
}

pub(crate) fn twiml(call: &AcceptedCall) -> Answer {
    Answer {
        status: 200,
        content_type: "text/xml".into(),
        headers: Default::default(),
        body: call.twiml.clone(),
    }
}

/// The assistant the offer rang presses 1 at the whisper; when they are answered with
/// `<Dial><Queue>`, Twilio bridges them to the front of its queue.
pub(crate) async fn accept(app: &TestApp, fake: &FakeTwilio, offer: &AcceptedCall) -> Answer {
    let whisper = twiml(offer);
    assert!(
        said(&whisper)[0].starts_with("Call for Small Office from"),
        "{}",
        whisper.body
    );
    press_one(app, fake, offer).await
}

/// [`accept`], whatever the whisper said.
pub(crate) async fn press_one(app: &TestApp, fake: &FakeTwilio, offer: &AcceptedCall) -> Answer {
    let whisper = twiml(offer);
    let gather = whisper.first("Gather");
    let form = [
        ("CallSid", offer.sid.as_str()),
        ("From", OFFICE),
        ("To", offer.to.as_str()),
        ("CallStatus", "in-progress"),
        ("Direction", "outbound-api"),
        ("Digits", "1"),
    ];
    let answer = app.post(gather.attr("action").unwrap(), &form).await;
    if let Some(queue) = answer.all("Queue").first() {
        bridge_front(app, fake, offer, queue).await;
    }
    answer
}

/// Twilio's part of `<Dial><Queue url>`: the call at the front of its queue leaves it, and
/// the `url` is asked on that call just before the bridge. The front call's SID, if any.
pub(crate) async fn bridge_front(
    app: &TestApp,
    fake: &FakeTwilio,
    offer: &AcceptedCall,
    queue: &Element,
) -> Option<String> {
    let (front, queue_sid) = fake.dequeue_front(&queue.text)?;
    let url = queue.attr("url").expect("<Queue url>");
    let form = [
        ("CallSid", front.as_str()),
        ("To", OFFICE),
        ("CallStatus", "in-progress"),
        ("Direction", "inbound"),
        ("QueueSid", queue_sid.as_str()),
        ("QueueTime", "40"),
        ("DequeingCallSid", offer.sid.as_str()),
    ];
    let heard = app.post(url, &form).await;
    heard.assert_twiml();
    assert!(
        heard.verbs().is_empty(),
        "nothing is said before the bridge: {}",
        heard.body
    );
    Some(front)
}

/// Twilio's status callback for the call the outbox placed.
pub(crate) async fn offer_ended(app: &TestApp, offer: &AcceptedCall, status: &str) {
    let form = [
        ("CallSid", offer.sid.as_str()),
        ("From", OFFICE),
        ("To", offer.to.as_str()),
        ("CallStatus", status),
        ("Direction", "outbound-api"),
        ("CallDuration", "60"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &form).await.status, 204);
}

pub(crate) async fn leg_of(app: &TestApp, call: &str, number: &str) -> switchboard::store::legs::LegRow {
    let legs = app.call_detail(call).await.legs;
    legs.iter()
        .find(|l| l.number == number)
        .unwrap_or_else(|| panic!("no leg to {number} on {call}: {legs:?}"))
        .clone()
}

/// The office's chain simulated through the admin API for `request`.
pub(crate) async fn simulate(app: &TestApp, token: &str, request: serde_json::Value) -> serde_json::Value {
    let path = "/api/clients/small-office/simulate";
    let (status, sim) = app.api("POST", path, Some(token), Some(request)).await;
    assert_eq!(status, 200, "{sim}");
    sim
}

/// The console's Try a call page for `query`, signed in with `token`.
pub(crate) async fn try_a_call(app: &TestApp, token: &str, query: &str) -> String {
    let (session, _) = crate::console::sign_in(app, token).await;
    let path = format!("/admin/clients/small-office/try?{query}");
    let (status, page) = crate::console::get(app, &path, Some(&session)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    page
}
