//! The queue over real webhooks, with the outbox placing its calls through the fake
//! Twilio: callers wait in order and hear their place, assistants who become free are
//! offered the longest-waiting caller and bridged with `<Dial><Queue>` to Twilio's front
//! caller, and a process killed while callers wait loses nobody's place. Call backs are in
//! [`callbacks`], the steps every test takes in [`steps`].

pub(crate) mod callbacks;
mod steps;

pub(crate) use steps::*;

use crate::chain::{office_rules, set_duty, sid, trace, ANN, BOB, OFFICE};
use crate::database::TestDb;
use crate::server_process::{deliver, ServerProcess};

#[tokio::test]
async fn three_callers_are_bridged_in_order_as_two_assistants_become_free() {
    let (app, fake, _dir) = queued_office().await;
    let calls = [sid('a', 1), sid('a', 2), sid('a', 3)];
    let mut enqueued = Vec::new();
    for (n, call) in (1..).zip(&calls) {
        enqueued.push(arrive(&app, &fake, call, n).await);
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
    let bridge = accept(&app, &fake, &offers[0]).await;
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
    accept(&app, &fake, &offers[0]).await;
    assert!(leg_of(&app, &calls[1], BOB).await.accepted);

    // Ann's call with the first caller ends: she is offered the third at once.
    let first_offer = fake.calls()[0].clone();
    offer_ended(&app, &first_offer, "completed").await;
    let offers = placed(&app, &fake, 2).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [ANN]);
    accept(&app, &fake, &offers[0]).await;
    assert!(leg_of(&app, &calls[2], ANN).await.accepted);
    assert_eq!(leg_of(&app, &calls[0], ANN).await.status, "completed");
}

#[tokio::test]
async fn a_caller_who_waits_the_longest_allowed_goes_on_to_voicemail() {
    let (app, fake, _dir) = queued_office().await;
    let call = sid('c', 1);
    let enqueued = arrive(&app, &fake, &call, 1).await;
    wait_turn(&app, &enqueued, &call, 1, "0").await;
    assert_eq!(wait_turn(&app, &enqueued, &call, 1, "300").await.verbs(), ["Leave"]);
    let next = left_queue(&app, &enqueued, &call, 1, "leave").await;
    assert!(next.verbs().contains(&"Record".to_owned()), "{}", next.body);
    assert!(trace(&app, &call)
        .await
        .iter()
        .any(|l| l == "The caller left the queue after the longest wait"));
}

pub(crate) const PROCESS_ADMIN: &str = "sb_queue_process_token";

/// The office's rules, open at all hours (the process runs on the real clock).
pub(crate) fn always_open() -> String {
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

pub(crate) async fn duty(http: &reqwest::Client, server: &ServerProcess, who: &str, on: bool) {
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
    let sim = simulate(&app, &token, serde_json::json!({ "at": "2026-12-01T10:00" })).await;
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

    let page = try_a_call(&app, &token, "at=2026-12-01T10:00").await;
    assert!(page.contains("the caller waits up to 5 minutes"), "{page}");
    assert!(page.contains("asks for a call back"), "{page}");
}

#[tokio::test]
async fn a_wait_that_cannot_be_served_leaves_the_queue_and_the_caller_still_reaches_voicemail() {
    let (app, fake, _dir) = queued_office().await;
    let call = sid('e', 1);
    arrive(&app, &fake, &call, 1).await;
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
    let first_in = arrive(&app, &fake, &first, 1).await;
    wait_turn(&app, &first_in, &first, 1, "0").await;
    app.advance(5);
    let second_in = arrive(&app, &fake, &second, 2).await;
    wait_turn(&app, &second_in, &second, 2, "0").await;
    set_duty(&app, &["ann", "bob"], true).await;
    app.advance(5);
    wait_turn(&app, &first_in, &first, 1, "10").await;
    let offers = placed(&app, &fake, 0).await;
    let to: Vec<&str> = offers.iter().map(|c| c.to.as_str()).collect();
    assert_eq!(to, [ANN, BOB], "the first caller to Ann, the second to Bob");

    // Bob accepts first: `<Dial><Queue>` gives him Twilio's front caller, the first.
    accept(&app, &fake, &offers[1]).await;
    assert!(leg_of(&app, &first, BOB).await.accepted);
    accept(&app, &fake, &offers[0]).await;
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

    let enqueued = arrive(&app, &fake, &waiting, 1).await;
    wait_turn(&app, &enqueued, &waiting, 1, "0").await;
    assert!(placed(&app, &fake, 0).await.is_empty(), "Ann is on the other call");
    crate::chain::leg_status(&app, &rung, &talking, ANN, ann_leg, "completed").await;
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(offers.iter().map(|c| c.to.as_str()).collect::<Vec<_>>(), [ANN]);
    accept(&app, &fake, &offers[0]).await;
    assert!(leg_of(&app, &waiting, ANN).await.accepted);
}
