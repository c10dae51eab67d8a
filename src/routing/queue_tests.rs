//! The queue step in rule files: parsed, refused with its line, linted, put in the chain
//! and told in plain words.

use super::rules::{CallbackRetries, Queue, Spoken};
use super::*;

const RULES: &str = r#"
client = "test-clinic"
name = "Test Clinic"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
tue = ["09:00-17:00"]

[[assistants]]
id = "ann"
name = "Ann Lee"
phone = "+12125550111"

[[assistants]]
id = "bob"
phone = "+12125550112"
screen = true

[open]
strategy = "priority"
then = ["queue", "voicemail"]

[queue]
hold = { play = "https://example.com/hold.mp3" }
announce_seconds = 30
max_wait_seconds = 300
voicemail_key = "1"
callback_key = "2"
callback_attempts = 2
callback_spacing_seconds = 120
max_callers = 50

[voicemail]
greeting = "Leave a message."
"#;

/// A queue as the property tests put in any rules.
pub(super) fn queue() -> Queue {
    Queue {
        hold: Spoken::Say("Please hold.".into()),
        announce_seconds: 60,
        max_wait_seconds: 600,
        voicemail_key: None,
        callback_key: None,
        callback: CallbackRetries {
            attempts: 3,
            spacing_seconds: 300,
        },
        max_callers: 1000,
    }
}

fn tuesday_10am() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00-05:00")
        .unwrap()
        .to_utc()
}

fn decide_now(rules: &Rules, off: &[&str]) -> Decision {
    let unavailable = off
        .iter()
        .map(|a| (crate::ids::AssistantId::parse(a).unwrap(), Unavailable::OnCall))
        .collect();
    decide(
        rules,
        tuesday_10am(),
        &CallInput {
            called: "+12125550100",
            menu: MenuChoice::NotAsked,
            at_menu: crate::routing::rules::MenuId::TOP,
            language: None,
            unavailable: &unavailable,
            rotation: 0,
            from: None,
            spoke_with: None,
        },
    )
}

#[test]
fn a_queue_section_is_read_with_its_keys_and_retries() {
    let rules = parse(RULES).unwrap();
    let q = rules.queue.as_ref().unwrap();
    assert_eq!(q.hold, Spoken::Play("https://example.com/hold.mp3".into()));
    assert_eq!((q.announce_seconds, q.max_wait_seconds), (30, 300));
    assert_eq!((q.voicemail_key, q.callback_key), (Some('1'), Some('2')));
    assert_eq!(q.max_callers, 50);
    let default_size = parse(&RULES.replace("max_callers = 50\n", "")).unwrap();
    assert_eq!(default_size.queue.unwrap().max_callers, 1000, "Twilio's default");
    assert_eq!(
        q.callback,
        CallbackRetries {
            attempts: 2,
            spacing_seconds: 120
        }
    );
}

#[test]
fn callers_queue_for_every_assistant_of_the_route_even_those_busy_now() {
    let rules = parse(RULES).unwrap();
    let d = decide_now(&rules, &["ann", "bob"]);
    assert_eq!(d.labels(), ["queue", "voicemail"]);
    let Action::Queue { targets, .. } = &d.steps[0].action else {
        panic!("a queue first")
    };
    let who: Vec<_> = targets
        .iter()
        .map(|t| (t.assistant.clone().unwrap().to_string(), t.screen))
        .collect();
    assert_eq!(who, [("ann".to_owned(), false), ("bob".to_owned(), true)]);
    let free = decide_now(&rules, &[]);
    assert_eq!(free.labels(), ["ann", "bob", "queue", "voicemail"]);
}

#[test]
fn the_trace_says_how_long_callers_wait_and_what_comes_after() {
    let rules = parse(RULES).unwrap();
    let trace = decide_now(&rules, &["ann", "bob"]).trace(&rules);
    assert_eq!(
        trace.last().unwrap(),
        "In turn: wait in the queue up to 5 minutes, then voicemail"
    );
}

#[test]
fn bad_queue_values_are_refused_at_their_line() {
    let cases = [
        (
            "announce_seconds = 30",
            "announce_seconds = 5",
            "announce_seconds must be between 15 and 600",
        ),
        (
            "max_wait_seconds = 300",
            "max_wait_seconds = 7200",
            "max_wait_seconds must be between 30 and 3600",
        ),
        ("voicemail_key = \"1\"", "voicemail_key = \"12\"", "one key 0-9"),
        (
            "max_callers = 50",
            "max_callers = 5001",
            "max_callers must be between 1 and 5000",
        ),
        (
            "max_callers = 50",
            "max_callers = 0",
            "max_callers must be between 1 and 5000",
        ),
        (
            "callback_attempts = 2",
            "callback_attempts = 0",
            "callback_attempts must be between 1 and 10",
        ),
        (
            "hold = { play = \"https://example.com/hold.mp3\" }",
            "hold = { play = \"http://example.com/hold.mp3\" }",
            "https:// address only",
        ),
        (
            "hold = { play = \"https://example.com/hold.mp3\" }",
            "hold = \"  \"",
            "hold message is empty",
        ),
    ];
    for (good, bad, message) in cases {
        let source = RULES.replace(good, bad);
        let errors = parse(&source).expect_err(bad);
        let found = errors.0.iter().find(|e| e.message.contains(message));
        let line = source.lines().position(|l| l.contains(bad)).unwrap() + 1;
        assert_eq!(found.map(|e| e.line), Some(line), "{bad}: {errors:?}");
    }
    let same = RULES.replace("callback_key = \"2\"", "callback_key = \"1\"");
    assert!(parse(&same).unwrap_err().to_string().contains("the same key"));
}

#[test]
fn a_queue_needs_its_section_and_someone_to_take_callers() {
    let no_section = RULES.replace("[queue]", "[unused]");
    assert!(parse(&no_section).is_err());
    let start = RULES.find("[queue]").unwrap();
    let end = RULES.find("[voicemail]").unwrap();
    let without = format!("{}{}", &RULES[..start], &RULES[end..]);
    assert!(parse(&without).unwrap_err().to_string().contains("no [queue] section"));
    let nobody = RULES.replace("strategy = \"priority\"\n", "");
    assert!(parse(&nobody)
        .unwrap_err()
        .to_string()
        .contains("rings nobody who could take them"));
}

#[test]
fn rule_file_tests_can_expect_the_queue() {
    let source = format!(
        "{RULES}\n[[tests]]\nat = \"2026-12-01T10:00\"\noff_duty = [\"ann\", \"bob\"]\nexpect = [\"queue\", \"voicemail\"]\n"
    );
    let rules = parse(&source).unwrap();
    assert!(cases::run(&rules).is_empty(), "{:?}", cases::run(&rules));
}
