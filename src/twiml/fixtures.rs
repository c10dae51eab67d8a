//! Test-only: each document in `tests/fixtures/twiml/` was rendered by Twilio's
//! official Python helper library (see `generate.py` there); the same document
//! built with our builder must mean the same thing. The comparison is canonical
//! (see `canonical.rs`) because the two serializers escape quotes differently
//! and order attributes differently.

use super::canonical::parse;
use super::*;

const DECLARATION_AND_ROOT: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Response"#;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/twiml/{name}.xml", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn assert_matches_fixture(name: &str, ours: &Response) {
    let ours = ours.render();
    let theirs = fixture(name);

    assert!(
        ours.starts_with(DECLARATION_AND_ROOT),
        "our {name} starts wrongly: {ours}"
    );
    assert_eq!(parse(&ours), parse(&theirs), "\nours:   {ours}\ntheirs: {theirs}");
}

#[test]
fn empty_response_is_byte_identical_to_twilio_sdk() {
    assert_eq!(Response::new().render(), fixture("empty"));
}

#[test]
fn screened_dial_matches_twilio_sdk() {
    let number = |e164: &str| {
        Number::new(e164)
            .url("https://switchboard.example/voice/screen?leg=1&rule=sales")
            .status_callback("https://switchboard.example/voice/status")
            .status_callback_event(&[
                CallEvent::Initiated,
                CallEvent::Ringing,
                CallEvent::Answered,
                CallEvent::Completed,
            ])
    };
    let dial = Dial::new()
        .action("https://switchboard.example/voice/dial-result?rule=sales&step=0")
        .caller_id("+14155550100")
        .record(DialRecord::RecordFromAnswer)
        .recording_status_callback("https://switchboard.example/voice/recording")
        .timeout(20)
        .number(number("+14155550101"))
        .number(number("+14155550102"));

    assert_matches_fixture("screened_dial", &Response::new().push(dial));
}

#[test]
fn dial_options_match_twilio_sdk() {
    let dial = Dial::new()
        .method(Method::Get)
        .answer_on_bridge(true)
        .time_limit(600)
        .hangup_on_star(false)
        .record(DialRecord::RecordFromRingingDual)
        .recording_status_callback_event(&[
            RecordingEvent::InProgress,
            RecordingEvent::Completed,
            RecordingEvent::Absent,
        ])
        .number(
            Number::new("+442071838750")
                .send_digits("wwww1928")
                .method(Method::Get)
                .url("/whisper")
                .status_callback_event(&[CallEvent::Answered]),
        );

    assert_matches_fixture("dial_options", &Response::new().push(dial));
}

#[test]
fn voicemail_matches_twilio_sdk() {
    let doc = Response::new()
        .push(
            Say::new("Sorry, nobody can take your call. Leave a message after the beep.")
                .voice("Polly.Joanna")
                .language("en-US"),
        )
        .push(
            Record::new("https://switchboard.example/voice/voicemail?client=acme")
                .max_length(120)
                .transcribe(true)
                .transcribe_callback("https://switchboard.example/voice/transcript")
                .recording_status_callback("https://switchboard.example/voice/recording"),
        );

    assert_matches_fixture("voicemail", &doc);
}

#[test]
fn record_options_match_twilio_sdk() {
    let record = Record::new("/voice/recorded")
        .timeout(0)
        .finish_on_key("#*")
        .play_beep(false)
        .trim(Trim::DoNotTrim)
        .transcribe(false)
        .recording_status_callback_event(&[RecordingEvent::InProgress, RecordingEvent::Completed]);

    assert_matches_fixture("record_options", &Response::new().push(record));
}

#[test]
fn gather_menu_matches_twilio_sdk() {
    let doc = Response::new()
        .push(
            Gather::new("/voice/menu")
                .input(&[GatherInput::Dtmf, GatherInput::Speech])
                .num_digits(1)
                .hints("sales, support, billing")
                .timeout(7)
                .say(Say::new("For sales, press 1 or say sales.").loop_count(2))
                .play(Play::new("https://cdn.example/menu.mp3"))
                .pause(Pause::new(2)),
        )
        .push(Say::new("We did not get that. Goodbye."))
        .push(Verb::Hangup);

    assert_matches_fixture("gather_menu", &doc);
}

#[test]
fn gather_speech_matches_twilio_sdk() {
    let gather = Gather::new("/voice/speech")
        .input(&[GatherInput::Speech])
        .speech_timeout("auto")
        .language("fr-FR")
        .finish_on_key("")
        .action_on_empty_result(true)
        .say(Say::new("Dites votre nom.").language("fr-FR"));

    assert_matches_fixture("gather_speech", &Response::new().push(gather));
}

#[test]
fn redirect_matches_twilio_sdk() {
    let redirect = Redirect::new("https://switchboard.example/voice/next?a=1&b=2").method(Method::Get);

    assert_matches_fixture("redirect", &Response::new().push(redirect));
}

#[test]
fn hangup_matches_twilio_sdk() {
    assert_matches_fixture("hangup", &Response::new().push(Verb::Hangup));
}

#[test]
fn reject_busy_matches_twilio_sdk() {
    let reject = Reject::new().reason(RejectReason::Busy);

    assert_matches_fixture("reject_busy", &Response::new().push(reject));
}

#[test]
fn pause_then_play_matches_twilio_sdk() {
    let doc = Response::new()
        .push(Pause::new(3))
        .push(Play::new("https://cdn.example/hold.mp3").loop_count(0))
        .push(Play::new("").digits("wwww1928#"));

    assert_matches_fixture("pause_then_play", &doc);
}

#[test]
fn message_matches_twilio_sdk() {
    let status = "https://switchboard.example/sms/status?id=7&kind=reply";
    let doc = Response::new()
        .push(
            Message::new("Thanks! We'll call you back.")
                .to("+14155550101")
                .from("+14155550100")
                .action(status)
                .status_callback(status),
        )
        .push(Message::new("Second message"));

    assert_matches_fixture("message", &doc);
}

#[test]
fn escaped_text_and_urls_match_twilio_sdk() {
    let doc = Response::new()
        .push(Say::new("Tom & Jerry <said> \"hi\" & 'bye' > café déjà vu 😀 ☎"))
        .push(Redirect::new("/voice/next?a=1&b=2&c=<x>"))
        .push(
            Dial::new()
                .action("https://switchboard.example/x?a=1&b=2")
                .caller_id("\"Q\" & 'A'")
                .number(Number::new("+14155550101").url("/screen?a=1&b=2")),
        );

    assert_matches_fixture("escaping", &doc);
}

#[test]
fn url_attribute_ampersand_renders_as_entity() {
    let xml = Response::new()
        .push(Dial::new().action("https://switchboard.example/x?a=1&b=2"))
        .render();

    assert!(xml.contains(r#"action="https://switchboard.example/x?a=1&amp;b=2""#));
}
