//! Call backs from the queue: a caller leaves for voicemail or asks to be called back, a
//! call back that fails is tried again and reported, is no missed call, and is made in the
//! language the caller chose.

use super::steps::*;
use crate::chain::{set_duty, sid, trace, ANN, OFFICE};
use crate::fake_twilio::{AcceptedCall, FakeTwilio};
use crate::helpers::{Answer, TestApp};

#[tokio::test]
async fn a_caller_leaves_for_voicemail_and_another_is_called_back_in_their_turn() {
    let (app, fake, _dir) = queued_office().await;
    let (first, second) = (sid('b', 1), sid('b', 2));
    let first_in = arrive(&app, &fake, &first, 1).await;
    app.advance(5);
    let second_in = arrive(&app, &fake, &second, 2).await;
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
    let ring = accept(&app, &fake, &offers[0]).await;
    let number = ring.first("Number");
    assert_eq!(number.text, caller(2));
    assert_eq!(ring.first("Dial").attr("callerId"), Some(OFFICE));
    assert_eq!(
        call_back_dialled(&app, &offers[0], &ring, "completed").await.verbs(),
        ["Hangup"]
    );
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

/// Twilio's `<Dial action>` of the call back `ring` (the assistant's offer call, once they
/// accepted) dialled: `completed` when the caller answered, else why not.
pub(crate) async fn call_back_dialled(app: &TestApp, offer: &AcceptedCall, ring: &Answer, status: &str) -> Answer {
    let action = ring.first("Dial").attr("action").unwrap().to_owned();
    let mut form = vec![
        ("CallSid", offer.sid.as_str()),
        ("From", OFFICE),
        ("To", offer.to.as_str()),
        ("CallStatus", "in-progress"),
        ("Direction", "outbound-api"),
        ("DialCallStatus", status),
        ("DialCallSid", "CA00000000000000000000000000000b01"),
    ];
    if status == "completed" {
        form.push(("DialCallDuration", "95"));
    }
    app.post(&action, &form).await
}

/// Ann takes the waiting call back twice and the caller never answers: the rules' two
/// attempts, a minute apart.
pub(crate) async fn call_backs_unanswered(app: &TestApp, fake: &FakeTwilio) {
    for attempt in 0..2 {
        call_back_unanswered(app, fake, attempt).await;
        if attempt == 0 {
            // Not again before the spacing has passed.
            switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
            assert!(placed(app, fake, 1).await.is_empty());
            app.advance(60);
        }
    }
}

/// The worker's round places the call back that is due (the outbox's call number `seen`
/// on), Ann takes it, and the caller does not answer.
pub(crate) async fn call_back_unanswered(app: &TestApp, fake: &FakeTwilio, seen: usize) {
    switchboard::calls::queue::serve_all(&app.state.webhooks).await.unwrap();
    let offers = placed(app, fake, seen).await;
    assert_eq!(offers.len(), 1, "call {seen}");
    let ring = accept(app, fake, &offers[0]).await;
    call_back_dialled(app, &offers[0], &ring, "no-answer").await;
    offer_ended(app, &offers[0], "completed").await;
}

#[tokio::test]
async fn a_caller_waiting_for_a_call_back_is_not_reported_missed_and_only_its_failure_is() {
    let (app, fake, _dir) = queued_office_with("[alerts]\nmissed_call = true").await;
    let (patient, gone) = (sid('d', 1), sid('d', 2));
    let enqueued = arrive(&app, &fake, &patient, 1).await;
    let turn = wait_turn(&app, &enqueued, &patient, 1, "0").await;
    press(&app, &turn, &patient, 1, "2").await;
    left_queue(&app, &enqueued, &patient, 1, "leave").await;
    hang_up(&app, &patient, 1).await;
    // Another caller hangs up while waiting: they were missed.
    let other = arrive(&app, &fake, &gone, 2).await;
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
    let enqueued = arrive(&app, &fake, &call, 1).await;
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
    let (app, fake, _dir) = office_from(SPANISH).await;
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
    let ring_back = press_one(&app, &fake, &offers[0]).await;
    all_in_spanish(&ring_back);
    assert_eq!(said(&ring_back), ["Devolviendo la llamada a 1 9 1 7 5 5 5 0 0 0 1."]);
    assert_eq!(ring_back.dialled(), [from.as_str()], "{}", ring_back.body);
}

#[tokio::test]
async fn simulate_and_try_a_call_show_the_queue_in_the_language_the_caller_chose() {
    let (app, _fake, _dir) = office_from(SPANISH).await;
    let token = app.admin_token(None).await;
    let sim = simulate(
        &app,
        &token,
        serde_json::json!({ "at": "2026-12-01T10:00", "digits": "9,1" }),
    )
    .await;
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

    let page = try_a_call(&app, &token, "at=2026-12-01T10:00&digits=9,1").await;
    assert!(page.contains("Por favor, espere."), "{page}");
    assert!(page.contains("Usted es la persona número 2 en la fila"), "{page}");
    assert!(page.contains("Le llamaremos desde este número"), "{page}");
}
