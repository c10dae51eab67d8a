//! TwiML: arbitrary strings in every text and attribute position → a well-formed document out
//! (only characters XML 1.0 allows), and every string reads back unchanged through quick-xml,
//! less the characters XML cannot carry at all.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use switchboard::twiml::canonical::{parse, Element, Node};
use switchboard::twiml::{Dial, Gather, Message, Number, Play, Record, Redirect, Response, Say};

#[derive(Debug, Arbitrary)]
struct Texts {
    say: String,
    voice: String,
    language: String,
    play: String,
    digits: String,
    redirect: String,
    gather_action: String,
    finish_on_key: String,
    speech_timeout: String,
    hints: String,
    prompt: String,
    dial_action: String,
    caller_id: String,
    recording_callback: String,
    number: String,
    number_url: String,
    number_status: String,
    send_digits: String,
    record_action: String,
    transcribe_callback: String,
    body: String,
    to: String,
    from: String,
    message_status: String,
}

/// XML 1.0's `Char` production: what a document may contain at all, escaped or not.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

fn carried(s: &str) -> String {
    s.chars().filter(|&c| xml_char(c)).collect()
}

fn child<'a>(parent: &'a Element, index: usize) -> &'a Element {
    match parent.children.get(index) {
        Some(Node::Element(e)) => e,
        other => panic!("expected an element at {index} of <{}>, got {other:?}", parent.name),
    }
}

fn attr(element: &Element, key: &str, sent: &str) {
    assert_eq!(element.attrs.get(key).map(String::as_str), Some(carried(sent).as_str()), "<{} {key}>", element.name);
}

fuzz_target!(|t: Texts| {
    let xml = Response::new()
        .push(Say::new(t.say.as_str()).voice(t.voice.as_str()).language(t.language.as_str()))
        .push(Play::new(t.play.as_str()).digits(t.digits.as_str()))
        .push(
            Gather::new(t.gather_action.as_str())
                .finish_on_key(t.finish_on_key.as_str())
                .speech_timeout(t.speech_timeout.as_str())
                .hints(t.hints.as_str())
                .language(t.language.as_str())
                .say(Say::new(t.prompt.as_str())),
        )
        .push(
            Dial::new()
                .action(t.dial_action.as_str())
                .caller_id(t.caller_id.as_str())
                .recording_status_callback(t.recording_callback.as_str())
                .number(
                    Number::new(t.number.as_str())
                        .url(t.number_url.as_str())
                        .status_callback(t.number_status.as_str())
                        .send_digits(t.send_digits.as_str()),
                ),
        )
        .push(
            Record::new(t.record_action.as_str())
                .finish_on_key(t.finish_on_key.as_str())
                .transcribe_callback(t.transcribe_callback.as_str())
                .recording_status_callback(t.recording_callback.as_str()),
        )
        .push(
            Message::new(t.body.as_str())
                .to(t.to.as_str())
                .from(t.from.as_str())
                .action(t.redirect.as_str())
                .status_callback(t.message_status.as_str()),
        )
        .push(Redirect::new(t.redirect.as_str()))
        .render();

    if let Some(bad) = xml.chars().find(|&c| !xml_char(c)) {
        panic!("{bad:?} is not allowed anywhere in XML: {xml:?}");
    }
    let root = parse(&xml);
    assert_eq!(root.name, "Response");
    assert_eq!(root.children.len(), 7, "{xml}");

    let say = child(&root, 0);
    assert_eq!(say.text(), carried(&t.say));
    attr(say, "voice", &t.voice);
    attr(say, "language", &t.language);

    let play = child(&root, 1);
    assert_eq!(play.text(), carried(&t.play));
    attr(play, "digits", &t.digits);

    let gather = child(&root, 2);
    attr(gather, "action", &t.gather_action);
    attr(gather, "finishOnKey", &t.finish_on_key);
    attr(gather, "speechTimeout", &t.speech_timeout);
    attr(gather, "hints", &t.hints);
    attr(gather, "language", &t.language);
    assert_eq!(child(gather, 0).text(), carried(&t.prompt));

    let dial = child(&root, 3);
    attr(dial, "action", &t.dial_action);
    attr(dial, "callerId", &t.caller_id);
    attr(dial, "recordingStatusCallback", &t.recording_callback);
    let number = child(dial, 0);
    assert_eq!(number.text(), carried(&t.number));
    attr(number, "url", &t.number_url);
    attr(number, "statusCallback", &t.number_status);
    attr(number, "sendDigits", &t.send_digits);

    let record = child(&root, 4);
    attr(record, "action", &t.record_action);
    attr(record, "finishOnKey", &t.finish_on_key);
    attr(record, "transcribeCallback", &t.transcribe_callback);
    attr(record, "recordingStatusCallback", &t.recording_callback);

    let message = child(&root, 5);
    assert_eq!(message.text(), carried(&t.body));
    attr(message, "to", &t.to);
    attr(message, "from", &t.from);
    attr(message, "action", &t.redirect);
    attr(message, "statusCallback", &t.message_status);

    assert_eq!(child(&root, 6).text(), carried(&t.redirect));
});
