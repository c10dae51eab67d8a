//! Caller lists over real webhooks: a blocked number hears its message (or is rejected)
//! and its call is still recorded; a VIP reaches their own route; a caller an assistant
//! answered yesterday rings that assistant first, the history seeded by the webhooks
//! Twilio sends for that earlier call.

use serde_json::json;

use crate::chain::{leg_answered, no_answer, office, sid, trace, ANN, BOB, CAT, OFFICE};
use crate::helpers::{new_york, Answer, TestApp, CALLER};

const LISTS: &str = r#"[open]
strategy = "priority"
ring_seconds = 20
then = ["voicemail"]

[block]
numbers = ["(917) 555-0142"]
message = "This number cannot reach the Small Office. Goodbye."

[vip]
numbers = ["+1 917-555-0199"]
strategy = "simultaneous"
assistants = ["bob", "cat"]
then = ["voicemail"]

[sticky]
days = 7"#;

const BLOCKED: &str = "+19175550142";
const VIP: &str = "+19175550199";

async fn call_from(app: &TestApp, call: &str, from: &str) -> Answer {
    let params = [
        ("CallSid", call),
        ("From", from),
        ("To", OFFICE),
        ("CallStatus", "ringing"),
        ("Direction", "inbound"),
    ];
    let answer = app.post("/twilio/voice", &params).await;
    answer.assert_twiml();
    answer
}

async fn call_ended(app: &TestApp, call: &str, from: &str, status: &str) {
    let ended = [
        ("CallSid", call),
        ("From", from),
        ("To", OFFICE),
        ("CallStatus", status),
        ("Direction", "inbound"),
        ("CallDuration", "0"),
    ];
    assert_eq!(app.post("/twilio/voice/status", &ended).await.status, 204);
}

#[tokio::test]
async fn a_blocked_caller_hears_the_message_and_the_call_is_recorded_as_blocked() {
    let (app, _dir) = office(LISTS).await;
    let x = sid('a', 1);

    let answer = call_from(&app, &x, BLOCKED).await;

    assert_eq!(answer.verbs(), ["Say", "Hangup"], "{}", answer.body);
    assert_eq!(
        answer.first("Say").text,
        "This number cannot reach the Small Office. Goodbye."
    );
    assert!(answer.dialled().is_empty());
    call_ended(&app, &x, BLOCKED, "completed").await;
    let detail = app.call_detail(&x).await;
    assert_eq!(detail.call.outcome.as_deref(), Some("blocked"));
    assert!(detail.legs.is_empty());
    assert!(trace(&app, &x)
        .await
        .contains(&"The caller's number is blocked: nobody is rung".to_owned()));
    // No missed-call alert for a caller the office chose not to hear from.
    assert!(app.outbox("small-office").await.is_empty());
    // The call log shows it, in words.
    let token = app.admin_token(None).await;
    let (status, calls) = app
        .api("GET", "/api/calls?client=small-office", Some(&token), None)
        .await;
    assert_eq!(status, 200, "{calls}");
    assert!(calls.to_string().contains("\"blocked\""), "{calls}");
    // The figures count it on its own.
    let path = "/api/clients/small-office/stats?since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z";
    let (status, stats) = app.api("GET", path, Some(&token), None).await;
    assert_eq!(status, 200, "{stats}");
    assert_eq!(
        (stats["calls"].as_u64(), stats["blocked"].as_u64()),
        (Some(1), Some(1)),
        "{stats}"
    );
    let days = stats["by_day"].as_array().unwrap();
    let today = days.iter().find(|d| d["date"] == "2026-12-01").expect("the day");
    assert_eq!(
        (&today["blocked"], &today["not_finished"]),
        (&json!(1), &json!(0)),
        "{stats}"
    );
}

#[tokio::test]
async fn a_blocked_caller_can_be_rejected_unanswered() {
    let rules = LISTS.replace(
        "message = \"This number cannot reach the Small Office. Goodbye.\"",
        "reject = true",
    );
    let (app, _dir) = office(&rules).await;
    let x = sid('a', 1);

    let answer = call_from(&app, &x, BLOCKED).await;

    assert_eq!(answer.verbs(), ["Reject"], "{}", answer.body);
    assert_eq!(answer.first("Reject").attr("reason"), Some("busy"));
    call_ended(&app, &x, BLOCKED, "busy").await;
    assert_eq!(app.call_detail(&x).await.call.outcome.as_deref(), Some("blocked"));
}

#[tokio::test]
async fn a_vip_reaches_their_own_route_even_after_hours() {
    let (app, _dir) = office(LISTS).await;
    let day = call_from(&app, &sid('a', 1), VIP).await;
    assert_eq!(day.dialled(), [BOB, CAT]);

    app.clock.set(new_york(2026, 12, 1, 22, 0));
    let night = call_from(&app, &sid('a', 2), VIP).await;
    assert_eq!(night.dialled(), [BOB, CAT]);
    assert!(trace(&app, &sid('a', 2))
        .await
        .contains(&"The caller is on the VIP list: their own route".to_owned()));
    // Anyone else at night leaves a message.
    let other = call_from(&app, &sid('a', 3), CALLER).await;
    assert!(other.verbs().contains(&"Record".to_owned()), "{}", other.body);
}

#[tokio::test]
async fn a_caller_who_spoke_with_cat_yesterday_rings_cat_first() {
    let (app, _dir) = office(LISTS).await;
    // Yesterday (Monday): Ann and Bob let it ring, Cat answered.
    app.clock.set(new_york(2026, 11, 30, 11, 0));
    let x = sid('a', 1);
    let first = call_from(&app, &x, CALLER).await;
    assert_eq!(first.dialled(), [ANN]);
    let second = no_answer(&app, &first, &x, &sid('b', 1)).await;
    assert_eq!(second.dialled(), [BOB]);
    let third = no_answer(&app, &second, &x, &sid('b', 2)).await;
    assert_eq!(third.dialled(), [CAT]);
    leg_answered(&app, &third, &x, CAT, &sid('b', 3)).await;
    let action = third.first("Dial").attr("action").unwrap().to_owned();
    app.advance(120);
    app.dial_result(&action, &x, OFFICE, "completed", &sid('b', 3))
        .await
        .assert_twiml();
    call_ended(&app, &x, CALLER, "completed").await;
    assert_eq!(app.call_detail(&x).await.call.answered_by.as_deref(), Some("cat"));

    // Today: Cat first, then the usual order without her.
    app.clock.set(new_york(2026, 12, 1, 10, 0));
    let y = sid('a', 2);
    let today = call_from(&app, &y, CALLER).await;
    assert_eq!(today.dialled(), [CAT]);
    assert!(trace(&app, &y)
        .await
        .contains(&"cat answered this caller lately, so cat is rung first".to_owned()));
    let next = no_answer(&app, &today, &y, &sid('b', 4)).await;
    assert_eq!(next.dialled(), [ANN]);
    let next = no_answer(&app, &next, &y, &sid('b', 5)).await;
    assert_eq!(next.dialled(), [BOB]);

    // Another caller: the usual order.
    let z = sid('a', 3);
    assert_eq!(call_from(&app, &z, "+19175550100").await.dialled(), [ANN]);

    // A week and more later, Cat is no longer first.
    app.clock.set(new_york(2026, 12, 8, 10, 0));
    assert_eq!(call_from(&app, &sid('a', 4), CALLER).await.dialled(), [ANN]);
}

#[tokio::test]
async fn simulate_shows_the_caller_lists_and_the_history_it_reads() {
    let (app, _dir) = office(LISTS).await;
    let token = app.admin_token(None).await;
    let simulate = |from: &'static str| {
        let (app, token) = (&app, &token);
        async move {
            let request = json!({ "at": "2026-12-01T10:00", "from": from });
            let (status, sim) = app
                .api("POST", "/api/clients/small-office/simulate", Some(token), Some(request))
                .await;
            assert_eq!(status, 200, "{sim}");
            sim
        }
    };
    let blocked = simulate("(917) 555-0142").await;
    assert_eq!(blocked["steps"][0]["label"], "blocked");
    assert!(blocked["steps"][0]["twiml"]
        .as_str()
        .unwrap()
        .contains("cannot reach the Small Office"));
    let vip = simulate("917 555 0199").await;
    assert_eq!(vip["steps"][0]["label"], "bob+cat");

    // Bob answered this caller an hour before: simulate reads it as a call would.
    app.clock.set(new_york(2026, 12, 1, 9, 0));
    let x = sid('a', 1);
    let first = call_from(&app, &x, "+19175550100").await;
    let bob = no_answer(&app, &first, &x, &sid('b', 1)).await;
    leg_answered(&app, &bob, &x, BOB, &sid('b', 2)).await;
    let action = bob.first("Dial").attr("action").unwrap().to_owned();
    app.dial_result(&action, &x, OFFICE, "completed", &sid('b', 2))
        .await
        .assert_twiml();
    call_ended(&app, &x, "+19175550100", "completed").await;
    let sticky = simulate("(917) 555-0100").await;
    let labels: Vec<&str> = (sticky["steps"].as_array().unwrap().iter())
        .map(|s| s["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["bob", "ann", "cat", "voicemail"], "{sticky}");
}
