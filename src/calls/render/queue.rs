//! The TwiML of the queue: the caller's wait loop and keys, and the call that offers a
//! waiting caller (or a call back) to an assistant. Pure, like the rest of `render`.

use super::{say, screen_prompt, spoken_number, GOODBYE};
use crate::routing::rules::{Queue, Spoken};
use crate::routing::Rules;
use crate::twiml::{self, Dial, Gather, Number, Pause, Play, Redirect, Response, Verb};

/// Said to a caller who asked to be called back, before they hang up.
const CALLBACK_PROMISED: &str = "We will call you back from this number when it is your turn.";

/// Twilio's name for the client's queue: one queue per client.
pub fn queue_name(client: &str) -> &str {
    client
}

/// One turn of the wait loop: the caller's place when it is time to say it, then the hold
/// music or message, listening for the keys that leave the queue. When it ends Twilio asks
/// for the next turn. Spoken with the voice of the `language` the caller chose.
pub fn wait(
    rules: &Rules,
    queue: &Queue,
    language: Option<&str>,
    announce: Option<&str>,
    key_action: &str,
) -> Response {
    let speech = rules.speech_in(language);
    let mut verbs: Vec<Verb> = Vec::with_capacity(3);
    verbs.extend(announce.map(|a| say(&speech, a).into()));
    match &queue.hold {
        Spoken::Say(text) => {
            verbs.push(say(&speech, text).into());
            verbs.push(Pause::new(queue.announce_seconds).into());
        }
        Spoken::Play(url) => verbs.push(Play::new(&**url).into()),
    }
    if queue.voicemail_key.is_none() && queue.callback_key.is_none() {
        return verbs.into_iter().fold(Response::new(), Response::push);
    }
    let gather = verbs
        .into_iter()
        .fold(Gather::new(key_action).num_digits(1).timeout(1), |g, v| match v {
            Verb::Say(s) => g.say(s),
            Verb::Play(p) => g.play(p),
            Verb::Pause(p) => g.pause(p),
            _ => g,
        });
    Response::new().push(gather)
}

/// The caller leaves the queue; the `<Enqueue action>` says what comes next.
pub fn leave() -> Response {
    Response::new().push(Verb::Leave)
}

/// A key that means nothing here: back to waiting.
pub fn keep_waiting(wait_url: &str) -> Response {
    Response::new().push(Redirect::new(wait_url))
}

/// To a caller who asked for a call back, as they leave the queue, in the voice of the
/// `language` they chose.
pub fn callback_promised(rules: &Rules, language: Option<&str>) -> Response {
    let speech = rules.speech_in(language);
    Response::new()
        .push(say(&speech, CALLBACK_PROMISED))
        .push(say(&speech, GOODBYE))
        .push(Verb::Hangup)
}

/// The call to an assistant that offers them a caller: screened, they press 1 at the
/// whisper (in the `language` the caller chose, when the rules say it in it); otherwise
/// they are taken straight to `answer_url`.
pub fn offer(rules: &Rules, caller: &str, screen: bool, answer_url: &str, language: Option<&str>) -> Response {
    if screen {
        screen_prompt(rules, caller, answer_url, language)
    } else {
        Response::new().push(Redirect::new(answer_url))
    }
}

/// The assistant took the offer: bridged to the caller at the front of the queue, after
/// Twilio asks `bridge_url` on that caller's call.
pub fn take_from_queue(client: &str, bridge_url: &str) -> Response {
    Response::new().push(Dial::new().queue(twiml::Queue::new(queue_name(client)).url(bridge_url)))
}

/// The assistant took a call back: the caller is rung, seeing the business number.
pub fn ring_back(rules: &Rules, caller: &str, business: &str, action: &str) -> Response {
    let text = format!("Calling back {} now.", spoken_number(caller));
    Response::new().push(say(&rules.speech, &text)).push(
        Dial::new()
            .caller_id(business)
            .action(action)
            .timeout(30)
            .number(Number::new(caller)),
    )
}

/// The offer was taken by someone else, or the caller is gone.
pub fn offer_gone(rules: &Rules) -> Response {
    Response::new()
        .push(say(&rules.speech, "Sorry, that caller is no longer waiting. Goodbye."))
        .push(Verb::Hangup)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routing::rules::CallbackRetries;

    fn rules() -> Rules {
        let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/routing-rules/acme-dental.toml"));
        crate::routing::parse(&source.unwrap()).unwrap()
    }

    fn queue(hold: Spoken, keys: bool) -> Queue {
        Queue {
            hold,
            announce_seconds: 45,
            max_wait_seconds: 600,
            voicemail_key: keys.then_some('1'),
            callback_key: None,
            callback: CallbackRetries {
                attempts: 1,
                spacing_seconds: 60,
            },
            max_callers: 1000,
        }
    }

    #[test]
    fn music_without_keys_plays_once_after_the_place_and_listens_for_nothing() {
        let music = queue(Spoken::Play("https://example.com/hold.mp3".into()), false);
        let xml = wait(&rules(), &music, None, Some("You are next in line."), "/keys").render();
        assert!(xml.contains("<Play>https://example.com/hold.mp3</Play>"), "{xml}");
        assert!(!xml.contains("<Gather"), "{xml}");
        assert!(xml.find("You are next in line.") < xml.find("<Play>"), "{xml}");
    }

    #[test]
    fn words_on_hold_pause_for_the_interval_inside_a_gather_for_the_keys() {
        let words = queue(Spoken::Say("Please hold.".into()), true);
        let xml = wait(&rules(), &words, None, None, "/keys?a=1&b=2").render();
        assert!(
            xml.contains(r#"<Gather action="/keys?a=1&amp;b=2" numDigits="1" timeout="1">"#),
            "{xml}"
        );
        assert!(xml.contains(r#"<Pause length="45"/>"#), "{xml}");
        assert!(!xml.contains("in line"), "no announcement this turn: {xml}");
    }
}
