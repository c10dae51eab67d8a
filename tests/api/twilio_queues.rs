//! The queue at Twilio itself, with the fake Twilio holding the queue as Twilio does and the
//! tests playing its voice engine: the record names the caller Twilio bridged (not the one
//! the database would have guessed), each client's queue is created with the rules'
//! `max_callers` and resized when they change, a caller the full queue refuses goes on along
//! the chain, and a caller Twilio's queue no longer holds is marked gone, unless Twilio does
//! not answer.

use switchboard::calls::queue::{serve_all, twilio};

use crate::chain::{office_rules, set_duty, sid, trace, ANN};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::TestApp;
use crate::queue::{
    accept, answered_with_enqueue, arrive, left_queue, leg_of, offer_ended, office_from, placed, queued_office,
    wait_turn, QUEUE,
};

const GONE: &str = "The caller was no longer in Twilio's queue (their hang-up never reached us)";

fn sized(max_callers: u32) -> String {
    QUEUE.replace("[queue]\n", &format!("[queue]\nmax_callers = {max_callers}\n"))
}

/// The worker's round for the client's Twilio queue, and the outbox doing its REST work.
async fn keep_in_step(app: &TestApp) -> usize {
    let queued = twilio::provision_due(&app.state.webhooks).await.unwrap();
    app.drain_outbox().await;
    queued
}

/// The outbox's offers so far, by the caller each offers.
async fn offered_callers(app: &TestApp) -> Vec<String> {
    let rows = app.outbox("small-office").await;
    let offers = rows.into_iter().filter(|m| m.purpose == "queue_offer");
    offers.filter_map(|m| m.call_sid).collect()
}

#[tokio::test]
async fn the_record_names_the_caller_twilio_bridged_when_its_front_is_not_the_databases_first() {
    let (app, fake, _dir) = queued_office().await;
    let (first, second) = (sid('a', 1), sid('a', 2));
    // In the same second, Twilio queues the second call first, but the first call's wait
    // loop reaches us first: the database holds the first as longest waiting.
    let first_in = answered_with_enqueue(&app, &first, 1).await;
    let second_in = arrive(&app, &fake, &second, 2).await;
    fake.enqueue(&app.account_sid, "small-office", &first).unwrap();
    wait_turn(&app, &first_in, &first, 1, "0").await;
    wait_turn(&app, &second_in, &second, 2, "0").await;
    set_duty(&app, &["ann"], true).await;
    wait_turn(&app, &first_in, &first, 1, "0").await;
    let offers = placed(&app, &fake, 0).await;
    assert_eq!(
        offered_callers(&app).await,
        [first.as_str()],
        "the database's first is offered"
    );

    let taken = accept(&app, &fake, &offers[0]).await;
    let bridge = taken.first("Queue").attr("url").unwrap().to_owned();
    let forged = [("CallSid", first.as_str()), ("DequeingCallSid", offers[0].sid.as_str())];
    let refused = app.post_signed_with("not-the-auth-token", &bridge, &forged).await;
    assert_eq!(refused.status, 403, "the bridge URL is signature-checked");

    assert!(
        leg_of(&app, &second, ANN).await.accepted,
        "Twilio bridged Ann to its front call"
    );
    let bridged = app.call_detail(&second).await.call;
    assert_eq!(bridged.outcome.as_deref(), Some("answered"));
    assert!(trace(&app, &second)
        .await
        .iter()
        .any(|l| l == "ann took the caller from the queue"));
    assert!(
        !leg_of(&app, &first, ANN).await.accepted,
        "the caller offered is still waiting"
    );
    assert_ne!(app.call_detail(&first).await.call.outcome.as_deref(), Some("answered"));
    assert_eq!(fake.queues_named("small-office")[0].members, [first.as_str()]);

    // Ann's call ends: the caller still waiting is offered to her again.
    app.advance(5);
    offer_ended(&app, &offers[0], "completed").await;
    assert_eq!(placed(&app, &fake, 1).await.len(), 1);
    assert_eq!(offered_callers(&app).await, [first.clone(), first]);
}

#[tokio::test]
async fn the_clients_queue_is_created_with_its_size_and_resized_after_a_rules_edit() {
    let (app, fake, _dir) = office_from(&sized(2)).await;
    assert_eq!(keep_in_step(&app).await, 1);
    let made = fake.queues_named("small-office");
    assert_eq!(made.len(), 1, "{made:?}");
    assert_eq!(made[0].max_size, 2);
    let kept = app
        .row("SELECT queue_sid, max_size FROM twilio_queues WHERE client_id = 'small-office'")
        .await;
    assert_eq!(kept.try_get::<String>("", "queue_sid").unwrap(), made[0].sid);
    assert_eq!(keep_in_step(&app).await, 0, "in step: nothing to do");

    let token = app.admin_token(None).await;
    let edited = serde_json::Value::String(office_rules(&sized(3)));
    let (saved, body) = app
        .api("PUT", "/api/clients/small-office/rules", Some(&token), Some(edited))
        .await;
    assert_eq!(saved, 200, "{body}");
    assert_eq!(keep_in_step(&app).await, 1);
    let resized = fake.queues_named("small-office");
    assert_eq!(
        (resized.len(), resized[0].sid.as_str(), resized[0].max_size),
        (1, made[0].sid.as_str(), 3)
    );
}

#[tokio::test]
async fn a_caller_the_full_queue_refuses_goes_on_to_the_next_step() {
    let (app, fake, _dir) = office_from(&sized(1)).await;
    keep_in_step(&app).await;
    let (first, second) = (sid('b', 1), sid('b', 2));
    arrive(&app, &fake, &first, 1).await;
    let refused = answered_with_enqueue(&app, &second, 2).await;
    assert_eq!(
        fake.enqueue(&app.account_sid, "small-office", &second),
        Err("queue-full")
    );

    let next = left_queue(&app, &refused, &second, 2, "queue-full").await;

    assert!(next.verbs().contains(&"Record".to_owned()), "{}", next.body);
    let lines = trace(&app, &second).await;
    assert!(
        lines
            .iter()
            .any(|l| l == "The queue was full: the caller went on to the next step"),
        "{lines:?}"
    );
}

/// Two callers on hold; Twilio's queue, made on demand by `<Enqueue>`, is adopted as the
/// client's; then the first caller hangs up and Twilio never tells us.
async fn first_caller_lost(app: &TestApp, fake: &FakeTwilio) -> (String, String) {
    let (first, second) = (sid('c', 1), sid('c', 2));
    for (n, call) in [(1, &first), (2, &second)] {
        let enqueued = arrive(app, fake, call, n).await;
        wait_turn(app, &enqueued, call, n, "0").await;
    }
    keep_in_step(app).await;
    assert_eq!(
        fake.queues_named("small-office").len(),
        1,
        "the queue made on demand is adopted"
    );
    fake.drop_member("small-office", &first);
    (first, second)
}

#[tokio::test]
async fn a_caller_missing_from_twilios_queue_is_marked_gone_and_not_offered() {
    let (app, fake, _dir) = queued_office().await;
    let (first, second) = first_caller_lost(&app, &fake).await;
    // A caller Twilio holds whom the database does not know is only logged.
    fake.enqueue(&app.account_sid, "small-office", &sid('c', 9)).unwrap();

    twilio::reconcile_all(&app.state.worker).await.unwrap();

    assert!(trace(&app, &first).await.iter().any(|l| l == GONE));
    assert!(!trace(&app, &second).await.iter().any(|l| l == GONE));
    set_duty(&app, &["ann"], true).await;
    serve_all(&app.state.webhooks).await.unwrap();
    assert_eq!(
        offered_callers(&app).await,
        [second],
        "nobody is offered a caller who is gone"
    );
}

#[tokio::test]
async fn a_failing_twilio_leaves_the_queue_as_it_is() {
    let (app, fake, _dir) = queued_office().await;
    let (first, _) = first_caller_lost(&app, &fake).await;
    fake.queues_down(true);

    twilio::reconcile_all(&app.state.worker).await.unwrap();

    assert!(!trace(&app, &first).await.iter().any(|l| l == GONE));
    set_duty(&app, &["ann"], true).await;
    serve_all(&app.state.webhooks).await.unwrap();
    assert_eq!(
        offered_callers(&app).await,
        [first],
        "the database's first is still offered"
    );
}
