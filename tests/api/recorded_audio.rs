//! Recordings instead of words: wherever the rules give `{ play = "https://…" }`, the
//! caller hears it through `<Play>`; the safe answer and the fallback URL keep working,
//! in words.

use crate::chain::{office_rules, sid, OFFICE};
use crate::helpers::{new_york, spawn_with, Answer, Options, TestApp, CALLER};

const GREETING: &str = "https://media.example.com/small-office/greeting.mp3";
const BLOCKED: &str = "https://media.example.com/small-office/blocked.mp3";
const MENU: &str = "https://media.example.com/small-office/menu.mp3";

fn rules() -> String {
    let open = format!(
        r#"[open]
strategy = "priority"
then = ["voicemail"]

[block]
numbers = ["(917) 555-0142"]
message = {{ play = "{BLOCKED}" }}

[menu]
prompt = {{ play = "{MENU}" }}
retries = 1

[menu.options.1]
strategy = "priority"
assistants = ["ann"]
then = ["voicemail"]"#
    );
    office_rules(&open).replace(
        "greeting = \"You have reached the Small Office. Please leave a message.\"",
        &format!("greeting = {{ play = \"{GREETING}\" }}"),
    )
}

async fn spawn() -> (TestApp, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small-office.toml"), rules()).unwrap();
    let app = spawn_with(Options {
        rules_dir: dir.path().to_owned(),
        ..Options::default()
    })
    .await;
    (app, dir)
}

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

#[tokio::test]
async fn the_voicemail_greeting_plays_the_recording_before_the_beep() {
    let (app, _dir) = spawn().await;
    app.clock.set(new_york(2026, 12, 1, 22, 0));

    let answer = call_from(&app, &sid('a', 1), CALLER).await;

    assert_eq!(answer.verbs(), ["Play", "Record"], "{}", answer.body);
    assert_eq!(answer.first("Play").text, GREETING);
}

#[tokio::test]
async fn the_menu_plays_its_recording_and_says_it_did_not_understand_on_a_retry() {
    let (app, _dir) = spawn().await;
    let x = sid('a', 1);

    let menu = call_from(&app, &x, CALLER).await;

    assert_eq!(menu.verbs(), ["Gather", "Play"], "{}", menu.body);
    assert_eq!(menu.first("Play").text, MENU);
    let silent = [
        ("CallSid", x.as_str()),
        ("From", CALLER),
        ("To", OFFICE),
        ("CallStatus", "in-progress"),
        ("Digits", ""),
    ];
    let retry = app.post(menu.first("Gather").attr("action").unwrap(), &silent).await;
    assert_eq!(retry.verbs(), ["Gather", "Say", "Play"], "{}", retry.body);
    assert_eq!(retry.first("Say").text, "Sorry, I did not get that.");
}

#[tokio::test]
async fn a_blocked_caller_hears_the_recording() {
    let (app, _dir) = spawn().await;
    let answer = call_from(&app, &sid('a', 1), "+19175550142").await;
    assert_eq!(answer.verbs(), ["Play", "Hangup"], "{}", answer.body);
    assert_eq!(answer.first("Play").text, BLOCKED);
}

#[tokio::test]
async fn the_fallback_url_answers_in_words_whatever_the_rules_play() {
    let (app, _dir) = spawn().await;
    let answer = app
        .post(
            "/twilio/voice/fallback",
            &[
                ("CallSid", sid('a', 1).as_str()),
                ("From", CALLER),
                ("To", OFFICE),
                ("ErrorCode", "11200"),
            ],
        )
        .await;
    answer.assert_twiml();
    assert_eq!(answer.verbs(), ["Say", "Record", "Say"], "{}", answer.body);
    assert!(!answer.body.contains(GREETING), "{}", answer.body);
}
