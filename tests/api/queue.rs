//! The queue over real webhooks, with the outbox placing its calls through the fake
//! Twilio: callers wait in order and hear their place, assistants who become free are
//! offered the longest-waiting caller and bridged with `<Dial><Queue>`, callers leave for
//! voicemail or a call back, a call back is placed (and, failing, retried then reported),
//! and a process killed while callers wait loses nobody's place.

use crate::chain::{office_rules, set_duty, sid, trace, ANN, BOB, OFFICE};
use crate::database::TestDb;
use crate::fake_twilio::{AcceptedCall, FakeTwilio};
use crate::helpers::{spawn_with, Answer, Options, TestApp};
use crate::server_process::{deliver, ServerProcess};

const QUEUE: &str = r#"[open]
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

fn caller(n: u32) -> String {
    format!("+1917555{n:04}")
}

/// The small office with a queue, sending through a fake Twilio; both assistants off duty.
async fn queued_office() -> (TestApp, FakeTwilio, tempfile::TempDir) {
    queued_office_with("").await
}

/// [`queued_office`], with `more` rules tables.
async fn queued_office_with(more: &str) -> (TestApp, FakeTwilio, tempfile::TempDir) {
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    let rules = office_rules(&format!("{QUEUE}\n\n{more}"));
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

/// A call from caller `n`: the `<Enqueue>` it is answered with.
async fn arrive(app: &TestApp, call: &str, n: u32) -> Answer {
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

fn call_params<'a>(call: &'a str, from: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
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
async fn wait_turn(app: &TestApp, enqueued: &Answer, call: &str, n: u32, waited: &str) -> Answer {
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
fn said(answer: &Answer) -> Vec<String> {
    answer.all("Say").into_iter().map(|s| s.text).collect()
}

/// Twilio's `<Enqueue action>` once the caller left the queue.
async fn left_queue(app: &TestApp, enqueued: &Answer, call: &str, n: u32, result: &str) -> Answer {
    let url = enqueued.first("Enqueue").attr("action").unwrap().to_owned();
    let from = caller(n);
    app.post(
        &url,
        &call_params(call, &from, &[("QueueResult", result), ("QueueTime", "40")]),
    )
    .await
}

/// The caller pressing `key` during the wait turn `turn`.
async fn press(app: &TestApp, turn: &Answer, call: &str, n: u32, key: &str) -> Answer {
    let url = turn.first("Gather").attr("action").unwrap().to_owned();
    let from = caller(n);
    app.post(&url, &call_params(call, &from, &[("Digits", key)])).await
}

/// Twilio's final status for caller `n`, who hung up.
async fn hang_up(app: &TestApp, call: &str, n: u32) {
    let from = caller(n);
    let mut hung_up: Vec<_> = call_params(call, &from, &[("CallDuration", "30")])
        .into_iter()
        .filter(|(k, _)| *k != "CallStatus")
        .collect();
    hung_up.push(("CallStatus", "completed"));
    assert_eq!(app.post("/twilio/voice/status", &hung_up).await.status, 204);
}

/// The calls the outbox placed since `seen`, after delivering what is due.
async fn placed(app: &TestApp, fake: &FakeTwilio, seen: usize) -> Vec<AcceptedCall> {
    app.drain_outbox().await;
    fake.calls().into_iter().skip(seen).collect()
}

fn twiml(call: &AcceptedCall) -> Answer {
    Answer {
        status: 200,
        content_type: "text/xml".into(),
        headers: Default::default(),
        body: call.twiml.clone(),
    }
}

/// The assistant the offer rang presses 1 at the whisper.
async fn accept(app: &TestApp, offer: &AcceptedCall) -> Answer {
    let whisper = twiml(offer);
    assert!(
        said(&whisper)[0].starts_with("Call for Small Office from"),
        "{}",
        whisper.body
    );
    press_one(app, offer).await
}

/// The assistant the offer rang presses 1, whatever the whisper said.
async fn press_one(app: &TestApp, offer: &AcceptedCall) -> Answer {
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
    app.post(gather.attr("action").unwrap(), &form).await
}

/// Twilio's status callback for the call the outbox placed.
async fn offer_ended(app: &TestApp, offer: &AcceptedCall, status: &str) {
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

async fn leg_of(app: &TestApp, call: &str, number: &str) -> switchboard::store::legs::LegRow {
    let legs = app.call_detail(call).await.legs;
    legs.iter()
        .find(|l| l.number == number)
        .unwrap_or_else(|| panic!("no leg to {number} on {call}: {legs:?}"))
        .clone()
}

#[tokio::test]
async fn three_callers_are_bridged_in_order_as_two_assistants_become_free() {
    let (app, fake, _dir) = queued_office().await;
    let calls = [sid('a', 1), sid('a', 2), sid('a', 3)];
    let mut enqueued = Vec::new();
    for (n, call) in (1..).zip(&calls) {
        enqueued.push(arrive(&app, call, n).await);
        app.advance(5);
    }
    let places = [
        "You are next in line. The wait is about 1 minute.",
        "You are caller number 2 in line. The wait is about 2 minutes.",
        "You are caller number 3 in line. The wait is about 3 minutes.",
    ];
    for (i, (call, place)) in calls.iter().zip(places).enumerate() {
        let n = u32::try_from(i).unwrap() + 1;
        let turn = wait_turn(&app, &enqueued[i], call, n, "0").await;
        assert_eq!(said(&turn), [place, "Please hold."], "{}", turn.body);
        assert!(turn
            .first("Gather")
            .attr("action")
            .unwrap()
            .contains("/twilio/voice/queue/key"));
    }
    assert!(placed(&app, &fake, 0).await.is_empty(), "nobody is on duty");

    // Ann comes on duty; the next turn of anyone's wait loop offers her the first caller.
    set_duty(&app, &["ann"], true).await;
    app.advance(30);
    let turn = wait_turn(&app, &enqueued[2], &calls[2], 3, "40").await;
    assert_eq!(
        said(&turn)[0],
        "You are caller number 3 in line. The wait is about 3 minutes."
    );
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(offers.len(), 1);
    assert_eq!((offers[0].to.as_str(), offers[0].from.as_str()), (ANN, OFFICE));
    let bridge = accept(&app, &offers[0]).await;
    assert_eq!(bridge.first("Queue").text, "small-office", "{}", bridge.body);
    assert!(bridge.verbs().contains(&"Dial".to_owned()));
    let ann = leg_of(&app, &calls[0], ANN).await;
    assert!(ann.accepted);
    assert_eq!(ann.child_call_sid.as_deref(), Some(offers[0].sid.as_str()));
    assert_eq!(
        app.call_detail(&calls[0]).await.call.outcome.as_deref(),
        Some("answered")
    );
    assert!(trace(&app, &calls[0])
        .await
        .iter()
        .any(|l| l == "ann took the caller from the queue"));
    assert_eq!(
        left_queue(&app, &enqueued[0], &calls[0], 1, "bridged").await.verbs(),
        ["Hangup"]
    );

    // The second caller is next now; Bob comes on duty and takes them.
    app.advance(30);
    let turn = wait_turn(&app, &enqueued[1], &calls[1], 2, "70").await;
    assert!(said(&turn)[0].starts_with("You are next in line."), "{}", turn.body);
    assert!(
        placed(&app, &fake, 1).await.is_empty(),
        "Ann is talking with the first caller"
    );
    set_duty(&app, &["bob"], true).await;
    app.advance(30);
    wait_turn(&app, &enqueued[1], &calls[1], 2, "100").await;
    let offers = placed(&app, &fake, 1).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [BOB]);
    accept(&app, &offers[0]).await;
    assert!(leg_of(&app, &calls[1], BOB).await.accepted);

    // Ann's call with the first caller ends: she is offered the third at once.
    let first_offer = fake.calls()[0].clone();
    offer_ended(&app, &first_offer, "completed").await;
    let offers = placed(&app, &fake, 2).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [ANN]);
    accept(&app, &offers[0]).await;
    assert!(leg_of(&app, &calls[2], ANN).await.accepted);
    assert_eq!(leg_of(&app, &calls[0], ANN).await.status, "completed");
}

#[tokio::test]
async fn a_caller_leaves_for_voicemail_and_another_is_called_back_in_their_turn() {
    let (app, fake, _dir) = queued_office().await;
    let (first, second) = (sid('b', 1), sid('b', 2));
    let first_in = arrive(&app, &first, 1).await;
    app.advance(5);
    let second_in = arrive(&app, &second, 2).await;
    let turn = wait_turn(&app, &first_in, &first, 1, "0").await;
    assert_eq!(press(&app, &turn, &first, 1, "1").await.verbs(), ["Leave"]);
    let voicemail = left_queue(&app, &first_in, &first, 1, "leave").await;
    assert!(voicemail.verbs().contains(&"Record".to_owned()), "{}", voicemail.body);
    assert!(trace(&app, &first)
        .await
        .iter()
        .any(|l| l == "The caller left the queue for voicemail"));

    let turn = wait_turn(&app, &second_in, &second, 2, "0").await;
    assert!(
        said(&turn)[0].starts_with("You are next in line."),
        "the first caller left: {}",
        turn.body
    );
    let other = press(&app, &turn, &second, 2, "7").await;
    assert_eq!(other.verbs(), ["Redirect"], "a key that is no exit keeps them waiting");
    assert_eq!(press(&app, &turn, &second, 2, "2").await.verbs(), ["Leave"]);
    let promised = left_queue(&app, &second_in, &second, 2, "leave").await;
    assert_eq!(promised.verbs(), ["Say", "Say", "Hangup"]);
    assert!(said(&promised)[0].contains("call you back"));
    hang_up(&app, &second, 2).await;

    // Ann comes on duty: the worker's round rings her first, then the caller.
    set_duty(&app, &["ann"], true).await;
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [ANN]);
    let ring = accept(&app, &offers[0]).await;
    let number = ring.first("Number");
    assert_eq!(number.text, caller(2));
    assert_eq!(ring.first("Dial").attr("callerId"), Some(OFFICE));
    let action = ring.first("Dial").attr("action").unwrap().to_owned();
    let reached = [
        ("CallSid", offers[0].sid.as_str()),
        ("From", OFFICE),
        ("To", ANN),
        ("CallStatus", "in-progress"),
        ("Direction", "outbound-api"),
        ("DialCallStatus", "completed"),
        ("DialCallSid", "CA00000000000000000000000000000b01"),
        ("DialCallDuration", "95"),
    ];
    assert_eq!(app.post(&action, &reached).await.verbs(), ["Hangup"]);
    let detail = app.call_detail(&second).await;
    assert_eq!(detail.call.outcome.as_deref(), Some("answered"));
    assert!(leg_of(&app, &second, ANN).await.accepted);
    let back = leg_of(&app, &second, &caller(2)).await;
    assert_eq!(back.status, "completed");
    assert!(trace(&app, &second)
        .await
        .iter()
        .any(|l| l == "The caller was called back"));
}

/// Ann takes the waiting call back twice and the caller never answers: the rules' two
/// attempts, a minute apart.
async fn call_backs_unanswered(app: &TestApp, fake: &FakeTwilio) {
    let unanswered = |offer: &AcceptedCall| {
        [
            ("CallSid", offer.sid.clone()),
            ("From", OFFICE.to_owned()),
            ("To", ANN.to_owned()),
            ("CallStatus", "in-progress".to_owned()),
            ("Direction", "outbound-api".to_owned()),
            ("DialCallStatus", "no-answer".to_owned()),
            ("DialCallSid", "CA00000000000000000000000000000c01".to_owned()),
        ]
    };
    for attempt in 0..2 {
        switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
        let offers = placed(app, fake, attempt).await;
        assert_eq!(offers.len(), 1, "attempt {attempt}");
        let ring = accept(app, &offers[0]).await;
        let action = ring.first("Dial").attr("action").unwrap().to_owned();
        let form = unanswered(&offers[0]);
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post(&action, &form).await;
        offer_ended(app, &offers[0], "completed").await;
        if attempt == 0 {
            // Not again before the spacing has passed.
            switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
            assert!(placed(app, fake, 1).await.is_empty());
            app.advance(60);
        }
    }
}

#[tokio::test]
async fn a_caller_waiting_for_a_call_back_is_not_reported_missed_and_only_its_failure_is() {
    let (app, fake, _dir) = queued_office_with("[alerts]\nmissed_call = true").await;
    let (patient, gone) = (sid('d', 1), sid('d', 2));
    let enqueued = arrive(&app, &patient, 1).await;
    let turn = wait_turn(&app, &enqueued, &patient, 1, "0").await;
    press(&app, &turn, &patient, 1, "2").await;
    left_queue(&app, &enqueued, &patient, 1, "leave").await;
    hang_up(&app, &patient, 1).await;
    // Another caller hangs up while waiting: they were missed.
    let other = arrive(&app, &gone, 2).await;
    left_queue(&app, &other, &gone, 2, "hangup").await;
    hang_up(&app, &gone, 2).await;
    let sent = |with: &'static str| {
        let bodies: Vec<String> = fake
            .accepted()
            .into_iter()
            .map(|m| m.body)
            .filter(|b| b.contains(with))
            .collect();
        bodies
    };

    app.advance(60);
    app.drain_outbox().await;
    let missed = sent("Missed call");
    assert_eq!(
        missed.len(),
        3,
        "one per assistant, for the caller who hung up: {missed:?}"
    );
    assert!(missed.iter().all(|b| b.contains("555-0002")), "{missed:?}");

    set_duty(&app, &["ann"], true).await;
    call_backs_unanswered(&app, &fake).await;
    app.advance(60);
    app.drain_outbox().await;
    assert_eq!(
        sent("Missed call").len(),
        3,
        "the call back's failure is no missed call"
    );
    let failed = sent("asked to be called back");
    assert_eq!(failed.len(), 3, "its failure told once to each assistant: {failed:?}");
}

#[tokio::test]
async fn a_call_back_that_fails_is_tried_again_then_reported_to_the_assistants() {
    let (app, fake, _dir) = queued_office().await;
    let call = sid('f', 1);
    let enqueued = arrive(&app, &call, 1).await;
    let turn = wait_turn(&app, &enqueued, &call, 1, "0").await;
    press(&app, &turn, &call, 1, "2").await;
    left_queue(&app, &enqueued, &call, 1, "leave").await;
    set_duty(&app, &["ann"], true).await;
    call_backs_unanswered(&app, &fake).await;
    let lines = trace(&app, &call).await;
    assert!(
        lines.iter().any(|l| l
            .starts_with("Call back attempt 1 failed: the caller did not answer (no-answer); tried again in 1 minute")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("Call back attempt 2 failed")),
        "{lines:?}"
    );
    let alerts: Vec<_> = app
        .outbox("small-office")
        .await
        .into_iter()
        .filter(|m| m.purpose == "callback_failed")
        .collect();
    assert!(alerts.iter().any(|m| m.to_number == ANN), "{alerts:?}");
    assert!(
        alerts[0].body.contains("asked to be called back") && alerts[0].body.contains("after 2 attempts"),
        "{}",
        alerts[0].body
    );
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    app.advance(600);
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    assert_eq!(fake.calls().len(), 2, "a call back given up is not tried again");
}

#[tokio::test]
async fn a_caller_who_waits_the_longest_allowed_goes_on_to_voicemail() {
    let (app, _fake, _dir) = queued_office().await;
    let call = sid('c', 1);
    let enqueued = arrive(&app, &call, 1).await;
    wait_turn(&app, &enqueued, &call, 1, "0").await;
    assert_eq!(wait_turn(&app, &enqueued, &call, 1, "300").await.verbs(), ["Leave"]);
    let next = left_queue(&app, &enqueued, &call, 1, "leave").await;
    assert!(next.verbs().contains(&"Record".to_owned()), "{}", next.body);
    assert!(trace(&app, &call)
        .await
        .iter()
        .any(|l| l == "The caller left the queue after the longest wait"));
}

const PROCESS_ADMIN: &str = "sb_queue_process_token";

/// The office's rules, open at all hours (the process runs on the real clock).
fn always_open() -> String {
    let rules = office_rules(QUEUE);
    let week = ["mon", "tue", "wed", "thu", "fri"].map(|d| format!("{d} = [\"09:00-17:00\"]"));
    let mut open = rules;
    for line in week {
        open = open.replace(&line, "");
    }
    open.replace(
        "[hours]",
        "[hours]\nmon = [\"00:00-24:00\"]\ntue = [\"00:00-24:00\"]\nwed = [\"00:00-24:00\"]\nthu = [\"00:00-24:00\"]\nfri = [\"00:00-24:00\"]\nsat = [\"00:00-24:00\"]\nsun = [\"00:00-24:00\"]",
    )
}

async fn duty(http: &reqwest::Client, server: &ServerProcess, who: &str, on: bool) {
    let url = server.url(&format!("/api/clients/small-office/assistants/{who}/duty"));
    let sent = http
        .put(url)
        .bearer_auth(PROCESS_ADMIN)
        .header("content-type", "application/json")
        .body(serde_json::json!({ "on_duty": on }).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 204);
}

#[tokio::test]
async fn a_process_killed_while_callers_wait_loses_nobodys_place() {
    let db = TestDb::new().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), always_open()).unwrap();
    let env = [
        ("SWITCHBOARD_ADMIN_TOKEN", PROCESS_ADMIN),
        ("SWITCHBOARD_OUTBOX_WORKER", "false"),
    ];
    let mut server = ServerProcess::start(&db.url, dir.path(), &env).await;
    let http = reqwest::Client::new();
    duty(&http, &server, "ann", false).await;
    duty(&http, &server, "bob", false).await;
    let mut waits = Vec::new();
    for n in 1..=3u32 {
        let call = sid('d', n);
        let from = caller(n);
        let params = [("CallSid", call.as_str()), ("From", from.as_str()), ("To", OFFICE)];
        let answer = deliver(&http, server.port, "/twilio/voice", &params).await;
        let wait = answer.first("Enqueue").attr("waitUrl").unwrap().to_owned();
        let turn = [
            ("CallSid", call.as_str()),
            ("From", from.as_str()),
            ("To", OFFICE),
            ("QueueTime", "0"),
        ];
        let heard = deliver(&http, server.port, &wait, &turn).await;
        let place = if n == 1 {
            "You are next in line.".to_owned()
        } else {
            format!("You are caller number {n} in line.")
        };
        assert!(said(&heard)[0].starts_with(&place), "{}", heard.body);
        waits.push((call, from, wait));
    }

    server.restart();
    let call = sid('d', 4);
    let from = caller(4);
    let params = [("CallSid", call.as_str()), ("From", from.as_str()), ("To", OFFICE)];
    let answer = deliver(&http, server.port, "/twilio/voice", &params).await;
    let wait = answer.first("Enqueue").attr("waitUrl").unwrap().to_owned();
    let turn = [
        ("CallSid", call.as_str()),
        ("From", from.as_str()),
        ("To", OFFICE),
        ("QueueTime", "0"),
    ];
    let heard = deliver(&http, server.port, &wait, &turn).await;
    assert!(
        said(&heard)[0].starts_with("You are caller number 4 in line."),
        "{}",
        heard.body
    );

    // Ann comes on duty: the caller who came first is the one she is offered.
    duty(&http, &server, "ann", true).await;
    let (first, first_from, first_wait) = &waits[1];
    let turn = [
        ("CallSid", first.as_str()),
        ("From", first_from.as_str()),
        ("To", OFFICE),
        ("QueueTime", "20"),
    ];
    deliver(&http, server.port, first_wait, &turn).await;
    let store = switchboard::store::connect(&db.url).await.unwrap();
    let offers = switchboard::store::outbox::for_client(&store, "small-office")
        .await
        .unwrap();
    let offered: Vec<_> = offers.iter().filter(|m| m.purpose == "queue_offer").collect();
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert_eq!(offered[0].call_sid.as_deref(), Some(waits[0].0.as_str()));
    assert_eq!(offered[0].to_number, ANN);
}

#[tokio::test]
async fn simulate_and_try_a_call_show_the_queue_in_words_and_twiml() {
    let (app, _fake, _dir) = queued_office().await;
    set_duty(&app, &["ann", "bob"], true).await;
    let token = app.admin_token(None).await;
    let request = serde_json::json!({ "at": "2026-12-01T10:00" });
    let (status, sim) = app
        .api(
            "POST",
            "/api/clients/small-office/simulate",
            Some(&token),
            Some(request),
        )
        .await;
    assert_eq!(status, 200, "{sim}");
    let labels: Vec<&str> = sim["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["ann", "bob", "queue", "voicemail"]);
    assert!(
        sim["steps"][2]["twiml"].as_str().unwrap().contains("<Enqueue "),
        "{sim}"
    );
    let trace = sim["trace"].to_string();
    assert!(
        trace.contains("In turn: ring ann, then ring bob, then wait in the queue up to 5 minutes, then voicemail"),
        "{trace}"
    );

    let (session, _) = crate::console::sign_in(&app, &token).await;
    let (status, page) = crate::console::get(
        &app,
        "/admin/clients/small-office/try?at=2026-12-01T10:00",
        Some(&session),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("the caller waits up to 5 minutes"), "{page}");
    assert!(page.contains("asks for a call back"), "{page}");
}

#[tokio::test]
async fn a_wait_that_cannot_be_served_leaves_the_queue_and_the_caller_still_reaches_voicemail() {
    let (app, _fake, _dir) = queued_office().await;
    let call = sid('e', 1);
    arrive(&app, &call, 1).await;
    let from = caller(1);
    let lost = app
        .post(
            "/twilio/voice/queue/wait?client=small-office",
            &call_params(&call, &from, &[("QueueTime", "5")]),
        )
        .await;
    assert_eq!(lost.verbs(), ["Leave"]);
    let next = app
        .post(
            "/twilio/voice/next?client=small-office",
            &call_params(&call, &from, &[("QueueResult", "leave")]),
        )
        .await;
    assert!(next.verbs().contains(&"Record".to_owned()), "{}", next.body);
}

#[tokio::test]
async fn the_first_assistant_to_accept_takes_the_caller_who_waited_longest() {
    let (app, fake, _dir) = queued_office().await;
    let (first, second) = (sid('e', 7), sid('e', 8));
    let first_in = arrive(&app, &first, 1).await;
    wait_turn(&app, &first_in, &first, 1, "0").await;
    app.advance(5);
    let second_in = arrive(&app, &second, 2).await;
    wait_turn(&app, &second_in, &second, 2, "0").await;
    set_duty(&app, &["ann", "bob"], true).await;
    app.advance(5);
    wait_turn(&app, &first_in, &first, 1, "10").await;
    let offers = placed(&app, &fake, 0).await;
    let to: Vec<&str> = offers.iter().map(|c| c.to.as_str()).collect();
    assert_eq!(to, [ANN, BOB], "the first caller to Ann, the second to Bob");

    // Bob accepts first: `<Dial><Queue>` gives him Twilio's front caller, the first.
    accept(&app, &offers[1]).await;
    assert!(leg_of(&app, &first, BOB).await.accepted);
    accept(&app, &offers[0]).await;
    assert!(leg_of(&app, &second, ANN).await.accepted);
    offer_ended(&app, &offers[1], "completed").await;
    assert_eq!(leg_of(&app, &first, BOB).await.status, "completed");
    assert_eq!(app.call_detail(&first).await.call.outcome.as_deref(), Some("answered"));
}

#[tokio::test]
async fn an_assistant_whose_forwarded_call_ends_is_offered_the_next_caller_at_once() {
    let (app, fake, _dir) = queued_office().await;
    set_duty(&app, &["ann"], true).await;
    let (talking, waiting) = (sid('e', 3), sid('e', 4));
    let params = [
        ("CallSid", talking.as_str()),
        ("From", "+19175550009"),
        ("To", OFFICE),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    let rung = app.post("/twilio/voice", &params).await;
    assert_eq!(rung.dialled(), [ANN]);
    let ann_leg = "CA00000000000000000000000000000d01";
    crate::chain::leg_answered(&app, &rung, &talking, ANN, ann_leg).await;

    let enqueued = arrive(&app, &waiting, 1).await;
    wait_turn(&app, &enqueued, &waiting, 1, "0").await;
    assert!(placed(&app, &fake, 0).await.is_empty(), "Ann is on the other call");
    crate::chain::leg_status(&app, &rung, &talking, ANN, ann_leg, "completed").await;
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [ANN]);
    accept(&app, &offers[0]).await;
    assert!(leg_of(&app, &waiting, ANN).await.accepted);
}

const SPANISH: &str = r#"[open]
strategy = "priority"
assistants = ["ann", "bob"]
screen = true
then = ["queue", "voicemail"]

[menu]
prompt = "For the office press 1. Para español, oprima 9."

[menu.options.1]
strategy = "priority"
assistants = ["ann", "bob"]
screen = true
then = ["queue", "voicemail"]

[menu.options.9]
language = "es-US"

[queue]
hold = "Please hold."
callback_key = "2"
keys = "To be called back, press 2."

[languages.es-US]
name = "Español"
voice = "Polly.Lupe"
menu = "Para la oficina, oprima 1."
goodbye = "Gracias. Adiós."
whisper = "Llamada en español para {client} de {caller}. Oprima 1 para aceptar."

[languages.es-US.queue]
hold = "Por favor, espere."
announce = "Usted es la persona número {position} en la fila. La espera es de unos {minutes} minutos."
announce_next = "Usted es la siguiente persona en la fila."
keys = "Para que le llamemos, oprima 2."
callback_promise = "Le llamaremos desde este número cuando sea su turno."
calling_back = "Devolviendo la llamada a {caller}."
"#;

/// Every `<Say>` of `answer` in Spanish, with the Spanish voice.
fn all_in_spanish(answer: &Answer) {
    let says = answer.all("Say");
    assert!(!says.is_empty(), "{}", answer.body);
    for say in says {
        assert_eq!(
            (say.attr("voice"), say.attr("language")),
            (Some("Polly.Lupe"), Some("es-US")),
            "{}",
            answer.body
        );
    }
}

#[tokio::test]
async fn a_caller_who_chose_spanish_waits_and_is_called_back_in_spanish() {
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), office_rules(SPANISH)).unwrap();
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    set_duty(&app, &["ann", "bob"], false).await;
    let call = sid('e', 1);
    let from = caller(1);
    let first = app
        .post(
            "/twilio/voice",
            &[
                ("CallSid", call.as_str()),
                ("From", from.as_str()),
                ("To", OFFICE),
                ("CallStatus", "ringing"),
                ("Direction", "inbound"),
            ],
        )
        .await;
    let mut menu = first;
    for key in ["9", "1"] {
        let action = menu.first("Gather").attr("action").unwrap().to_owned();
        menu = app.post(&action, &call_params(&call, &from, &[("Digits", key)])).await;
    }
    let enqueued = menu;
    assert_eq!(enqueued.verbs(), ["Enqueue"], "{}", enqueued.body);
    assert!(enqueued
        .first("Enqueue")
        .attr("waitUrl")
        .unwrap()
        .contains("lang=es-US"));

    let turn = wait_turn(&app, &enqueued, &call, 1, "0").await;
    all_in_spanish(&turn);
    assert_eq!(
        said(&turn),
        [
            "Usted es la siguiente persona en la fila.",
            "Para que le llamemos, oprima 2.",
            "Por favor, espere."
        ]
    );
    press(&app, &turn, &call, 1, "2").await;
    let promised = left_queue(&app, &enqueued, &call, 1, "leave").await;
    all_in_spanish(&promised);
    assert_eq!(
        said(&promised),
        [
            "Le llamaremos desde este número cuando sea su turno.",
            "Gracias. Adiós."
        ]
    );
    hang_up(&app, &call, 1).await;

    set_duty(&app, &["ann"], true).await;
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(offers.len(), 1);
    let whisper = twiml(&offers[0]);
    all_in_spanish(&whisper);
    assert!(
        said(&whisper)[0].starts_with("Llamada en español para Small Office de 1 9 1 7"),
        "{}",
        whisper.body
    );
    let ring_back = press_one(&app, &offers[0]).await;
    all_in_spanish(&ring_back);
    assert_eq!(said(&ring_back), ["Devolviendo la llamada a 1 9 1 7 5 5 5 0 0 0 1."]);
    assert_eq!(ring_back.dialled(), [from.as_str()], "{}", ring_back.body);
}

#[tokio::test]
async fn simulate_and_try_a_call_show_the_queue_in_the_language_the_caller_chose() {
    let fake = FakeTwilio::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), office_rules(SPANISH)).unwrap();
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let token = app.admin_token(None).await;
    let request = serde_json::json!({ "at": "2026-12-01T10:00", "digits": "9,1" });
    let (status, sim) = app
        .api(
            "POST",
            "/api/clients/small-office/simulate",
            Some(&token),
            Some(request),
        )
        .await;
    assert_eq!(status, 200, "{sim}");
    let queue = sim["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["label"] == "queue")
        .unwrap_or_else(|| panic!("a queue step: {sim}"));
    let waiting = queue["waiting"].as_str().unwrap();
    assert!(
        waiting.contains(r#"<Say voice="Polly.Lupe" language="es-US">Usted es la siguiente persona en la fila.</Say>"#),
        "{waiting}"
    );
    assert!(waiting.contains("Por favor, espere."), "{waiting}");

    let (session, _) = crate::console::sign_in(&app, &token).await;
    let (status, page) = crate::console::get(
        &app,
        "/admin/clients/small-office/try?at=2026-12-01T10:00&digits=9,1",
        Some(&session),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("Por favor, espere."), "{page}");
    assert!(page.contains("Usted es la persona número 2 en la fila"), "{page}");
    assert!(page.contains("Le llamaremos desde este número"), "{page}");
}
