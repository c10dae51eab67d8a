//! A caller's place in the chain never moves under them: the chain is fixed when the
//! call arrives, and another caller's call can only make a later step pass over an
//! assistant who has become busy, never skip or repeat a step.

use std::path::Path;

use crate::helpers::{spawn_with, Answer, Options, TestApp, CALLER};

pub const OFFICE: &str = "+12125550130";
pub const ANN: &str = "+12125550131";
pub const BOB: &str = "+12125550132";
pub const CAT: &str = "+12125550133";
pub const EXTERNAL: &str = "+16465550198";

/// A small office open 09:00-17:00 every weekday (New York), whose open route is `open`.
pub fn office_rules(open: &str) -> String {
    format!(
        r#"
client = "small-office"
name = "Small Office"
numbers = ["{OFFICE}"]
timezone = "America/New_York"

[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
wed = ["09:00-17:00"]
thu = ["09:00-17:00"]
fri = ["09:00-17:00"]

[[assistants]]
id = "ann"
phone = "{ANN}"
priority = 1

[[assistants]]
id = "bob"
phone = "{BOB}"
priority = 2

[[assistants]]
id = "cat"
phone = "{CAT}"
priority = 3

{open}

[after_hours]
then = ["voicemail"]

[external]
phone = "{EXTERNAL}"

[voicemail]
greeting = "You have reached the Small Office. Please leave a message."
"#
    )
}

/// The server on a folder holding only the small office (Tuesday 10:00 in New York).
pub async fn office(open: &str) -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    write_rules(dir.path(), open);
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        ..Options::default()
    })
    .await;
    (app, dir)
}

fn write_rules(dir: &Path, open: &str) {
    std::fs::write(dir.join("small-office.toml"), office_rules(open)).unwrap();
}

pub fn sid(kind: char, n: u32) -> String {
    format!("CA{kind}{n:031x}")
}

/// Puts the small office's `assistants` on or off duty through the admin API.
pub async fn set_duty(app: &TestApp, assistants: &[&str], on_duty: bool) {
    let token = app.admin_token(None).await;
    for who in assistants {
        let path = format!("/api/clients/small-office/assistants/{who}/duty");
        let body = serde_json::json!({ "on_duty": on_duty });
        assert_eq!(app.api("PUT", &path, Some(&token), Some(body)).await.0, 204);
    }
}

/// Twilio reporting that the leg `answer` rang to `number` was picked up.
pub async fn leg_answered(app: &TestApp, answer: &Answer, parent: &str, number: &str, child: &str) {
    leg_status(app, answer, parent, number, child, "in-progress").await;
}

pub async fn leg_status(app: &TestApp, answer: &Answer, parent: &str, number: &str, child: &str, status: &str) {
    let leg = answer
        .all("Number")
        .into_iter()
        .find(|n| n.text == number)
        .unwrap_or_else(|| panic!("{number} is not rung in {}", answer.body));
    let done = app
        .post(
            leg.attr("statusCallback").unwrap(),
            &[
                ("CallSid", child),
                ("ParentCallSid", parent),
                ("From", CALLER),
                ("To", number),
                ("CallStatus", status),
                ("Direction", "outbound-dial"),
            ],
        )
        .await;
    assert_eq!(done.status, 204, "{}", done.body);
}

/// The `<Dial>` of `answer` ended unanswered: what the caller hears next.
pub async fn no_answer(app: &TestApp, answer: &Answer, call: &str, child: &str) -> Answer {
    let action = answer.first("Dial").attr("action").unwrap().to_owned();
    app.dial_result(&action, call, OFFICE, "no-answer", child).await
}

/// The call's trace: why it went where it went, at arrival and at each later step.
pub async fn trace(app: &TestApp, call: &str) -> Vec<String> {
    let detail = app.call_detail(call).await;
    serde_json::from_str(detail.call.trace.as_deref().unwrap_or("[]")).unwrap()
}

/// Ann pressing `key` at the whisper of the leg `answer` rang to her.
async fn whisper(app: &TestApp, answer: &Answer, parent: &str, child: &str, key: &str) -> Answer {
    let url = answer.first("Number").attr("url").unwrap().to_owned();
    let form = [
        ("CallSid", child),
        ("ParentCallSid", parent),
        ("From", OFFICE),
        ("To", ANN),
        ("Digits", key),
    ];
    app.post(&url, &form).await
}

fn is_voicemail(answer: &Answer) -> bool {
    answer.verbs().contains(&"Record".to_owned())
}

const PRIORITY: &str = r#"[open]
strategy = "priority"
ring_seconds = 20
then = ["voicemail"]"#;

#[tokio::test]
async fn a_caller_whose_only_assistant_took_another_call_still_gets_voicemail() {
    let (app, _dir) = office(PRIORITY).await;
    // Only Ann: Bob and Cat are off duty for the whole test.
    set_duty(&app, &["bob", "cat"], false).await;
    let (x, y) = (sid('a', 1), sid('a', 2));
    let first = app.call(&x, OFFICE).await;
    assert_eq!(first.dialled(), [ANN]);
    let second = app.call(&y, OFFICE).await;
    assert_eq!(second.dialled(), [ANN], "Ann is only ringing for the first caller");
    leg_answered(&app, &second, &y, ANN, &sid('b', 2)).await;

    let after = no_answer(&app, &first, &x, &sid('b', 1)).await;

    assert!(
        is_voicemail(&after),
        "the first caller is owed voicemail: {}",
        after.body
    );
    assert!(!after.body.contains("Goodbye"), "{}", after.body);
}

#[tokio::test]
async fn a_caller_keeps_the_second_assistant_when_the_first_takes_another_call() {
    let (app, _dir) = office(PRIORITY).await;
    set_duty(&app, &["cat"], false).await;
    let (x, y) = (sid('a', 1), sid('a', 2));
    let first = app.call(&x, OFFICE).await;
    let second = app.call(&y, OFFICE).await;
    assert_eq!(second.dialled(), [ANN]);
    leg_answered(&app, &second, &y, ANN, &sid('b', 2)).await;

    let after = no_answer(&app, &first, &x, &sid('b', 1)).await;

    assert_eq!(
        after.dialled(),
        [BOB],
        "Bob is the next step of the first caller's chain"
    );
    let after_bob = no_answer(&app, &after, &x, &sid('b', 3)).await;
    assert!(is_voicemail(&after_bob), "{}", after_bob.body);
}

#[tokio::test]
async fn a_round_robin_caller_goes_on_in_their_own_order_without_a_repeat() {
    let (app, _dir) = office(
        r#"[open]
strategy = "round_robin"
then = ["voicemail"]"#,
    )
    .await;
    let (w, x) = (sid('a', 1), sid('a', 2));
    let first = app.call(&w, OFFICE).await;
    assert_eq!(first.dialled(), [ANN]);
    let second = app.call(&x, OFFICE).await;
    assert_eq!(second.dialled(), [BOB], "the second call takes the next turn");
    leg_answered(&app, &first, &w, ANN, &sid('b', 1)).await;

    let after = no_answer(&app, &second, &x, &sid('b', 2)).await;
    assert_eq!(after.dialled(), [CAT], "after Bob comes Cat in this call's order");
    let last = no_answer(&app, &after, &x, &sid('b', 3)).await;

    assert!(
        is_voicemail(&last),
        "Ann is on the first call, so voicemail: {}",
        last.body
    );
    let trace = trace(&app, &x).await;
    assert!(
        trace
            .iter()
            .any(|l| l == "Step 3: ann is not rung: took another call after this call came in"),
        "{trace:?}"
    );
}

#[tokio::test]
async fn a_caller_rung_to_everyone_at_once_gets_voicemail_when_all_are_taken() {
    let (app, _dir) = office(
        r#"[open]
strategy = "simultaneous"
then = ["voicemail"]"#,
    )
    .await;
    let (x, y, z) = (sid('a', 1), sid('a', 2), sid('a', 3));
    let first = app.call(&x, OFFICE).await;
    assert_eq!(first.dialled(), [ANN, BOB, CAT]);
    let second = app.call(&y, OFFICE).await;
    leg_answered(&app, &second, &y, ANN, &sid('b', 2)).await;
    let third = app.call(&z, OFFICE).await;
    assert_eq!(third.dialled(), [BOB, CAT]);
    leg_answered(&app, &third, &z, BOB, &sid('b', 3)).await;
    let fourth = app.call(&sid('a', 4), OFFICE).await;
    leg_answered(&app, &fourth, &sid('a', 4), CAT, &sid('b', 4)).await;

    let after = no_answer(&app, &first, &x, &sid('b', 1)).await;

    assert!(is_voicemail(&after), "{}", after.body);
}

#[tokio::test]
async fn a_menu_choice_keeps_its_chain_when_the_first_assistant_takes_another_call() {
    let (app, _dir) = office(&format!(
        r#"{PRIORITY}

[menu]
prompt = "For appointments press 1."

[menu.options.1]
strategy = "priority"
assistants = ["ann", "bob"]
then = ["voicemail"]"#
    ))
    .await;
    let choose = |answer: &Answer, call: &str| {
        let action = answer.first("Gather").attr("action").unwrap().to_owned();
        let call = call.to_owned();
        let app = &app;
        async move {
            app.post(
                &action,
                &[
                    ("CallSid", call.as_str()),
                    ("From", CALLER),
                    ("To", OFFICE),
                    ("CallStatus", "in-progress"),
                    ("Direction", "inbound"),
                    ("Digits", "1"),
                ],
            )
            .await
        }
    };
    let (x, y) = (sid('a', 1), sid('a', 2));
    let menu_x = app.call(&x, OFFICE).await;
    let first = choose(&menu_x, &x).await;
    assert_eq!(first.dialled(), [ANN]);
    let menu_y = app.call(&y, OFFICE).await;
    let second = choose(&menu_y, &y).await;
    assert_eq!(second.dialled(), [ANN]);
    leg_answered(&app, &second, &y, ANN, &sid('b', 2)).await;
    // The office drops its menu meanwhile: the first caller's call keeps its own rules.
    let token = app.admin_token(None).await;
    let (saved, body) = app
        .api(
            "PUT",
            "/api/clients/small-office/rules",
            Some(&token),
            Some(serde_json::Value::String(office_rules(PRIORITY))),
        )
        .await;
    assert_eq!(saved, 200, "{body}");

    let after = no_answer(&app, &first, &x, &sid('b', 1)).await;

    assert_eq!(after.dialled(), [BOB], "{}", after.body);
}

#[tokio::test]
async fn a_caller_whose_assistant_declines_at_the_whisper_goes_on_to_the_next() {
    let (app, _dir) = office(&PRIORITY.replace("ring_seconds = 20", "ring_seconds = 20\nscreen = true")).await;
    let (x, y) = (sid('a', 1), sid('a', 2));
    let first = app.call(&x, OFFICE).await;
    let second = app.call(&y, OFFICE).await;
    assert_eq!(
        whisper(&app, &second, &y, &sid('b', 2), "1").await.verbs(),
        Vec::<String>::new()
    );
    assert_eq!(whisper(&app, &first, &x, &sid('b', 1), "2").await.verbs(), ["Hangup"]);

    let action = first.first("Dial").attr("action").unwrap().to_owned();
    let after = app.dial_result(&action, &x, OFFICE, "completed", &sid('b', 1)).await;

    assert_eq!(after.dialled(), [BOB], "{}", after.body);
}

#[tokio::test]
async fn a_caller_keeps_the_external_number_when_the_assistant_takes_another_call() {
    let (app, _dir) = office(&PRIORITY.replace("then = [\"voicemail\"]", "then = [\"external\", \"voicemail\"]")).await;
    set_duty(&app, &["bob", "cat"], false).await;
    let (x, y) = (sid('a', 1), sid('a', 2));
    let first = app.call(&x, OFFICE).await;
    let second = app.call(&y, OFFICE).await;
    leg_answered(&app, &second, &y, ANN, &sid('b', 2)).await;

    let after = no_answer(&app, &first, &x, &sid('b', 1)).await;

    assert_eq!(after.dialled(), [EXTERNAL], "{}", after.body);
    assert!(is_voicemail(&no_answer(&app, &after, &x, &sid('b', 3)).await));
}

#[tokio::test]
async fn a_next_step_past_the_end_or_of_an_unknown_version_gets_voicemail_and_says_why() {
    let (app, _dir) = office(PRIORITY).await;
    let x = sid('a', 1);
    let first = app.call(&x, OFFICE).await;
    let action = first.first("Dial").attr("action").unwrap().to_owned();
    assert!(action.contains("step=0") && action.contains("version=1"), "{action}");

    for (name, url, says) in [
        (
            "past the end",
            action.replace("step=0", "step=9"),
            "Nothing was left to try after step 10",
        ),
        (
            "an unknown version",
            action.replace("version=1", "version=99"),
            "no such version",
        ),
        (
            "a bad position",
            action.replace("step=0", "step=x"),
            "`step` is not a number",
        ),
    ] {
        let answer = app.dial_result(&url, &x, OFFICE, "no-answer", &sid('b', 1)).await;

        assert_eq!(answer.status, 200, "{name}");
        assert!(is_voicemail(&answer), "{name}: {}", answer.body);
        let trace = trace(&app, &x).await;
        assert!(trace.iter().any(|l| l.contains(says)), "{name}: {trace:?}");
    }
}
