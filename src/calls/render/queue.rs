//! The TwiML of the queue: the caller's wait loop and keys, and the call that offers a
//! waiting caller (or a call back) to an assistant. Pure, like the rest of `render`.

use super::{assistant_hears, goodbye_words, say, screen_prompt, spoken};
use crate::routing::rules::{Queue, QueueWords, Spoken, DEFAULT_CALLING_BACK, DEFAULT_OFFER_GONE};
use crate::routing::Rules;
use crate::twiml::{self, Dial, Gather, Number, Pause, Play, Redirect, Response, Verb};

/// Twilio's name for the client's queue: one queue per client.
pub fn queue_name(client: &str) -> &str {
    client
}

/// One turn of the wait loop: the caller's place when it is time to say it, the keys that
/// leave the queue, then the hold music or message, listening for those keys. When it ends
/// Twilio asks for the next turn. `queue`'s words are those of the `language` the caller
/// chose (the decision put them there), spoken in its voice.
pub fn wait(
    rules: &Rules,
    queue: &Queue,
    language: Option<&str>,
    announce: Option<&str>,
    key_action: &str,
) -> Response {
    let speech = rules.speech_in(language);
    let mut verbs: Vec<Verb> = Vec::with_capacity(4);
    verbs.extend(announce.map(|a| say(&speech, a).into()));
    verbs.extend(queue.words.keys.as_ref().map(|k| spoken(&speech, k)));
    match queue.words.hold() {
        Spoken::Say(text) => {
            verbs.push(say(&speech, &text).into());
            verbs.push(Pause::new(queue.announce_seconds).into());
        }
        Spoken::Play(url) => verbs.push(Play::new(&*url).into()),
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

/// To a caller who asked for a call back, as they leave the queue, in the words and voice
/// of the `language` they chose.
pub fn callback_promised(rules: &Rules, language: Option<&str>) -> Response {
    let speech = rules.speech_in(language);
    Response::new()
        .push(spoken(&speech, &rules.queue_words(language).callback_promise()))
        .push(say(&speech, goodbye_words(Some(rules), language)))
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

/// The assistant took a call back: told so (as the whisper is, in the caller's `language`
/// when the rules say it in it), then the caller is rung, seeing the business number.
pub fn ring_back(rules: &Rules, caller: &str, business: &str, action: &str, language: Option<&str>) -> Response {
    let (speech, text) = to_assistant(
        rules,
        language,
        |w| w.calling_back.as_deref(),
        DEFAULT_CALLING_BACK,
        caller,
    );
    Response::new().push(say(&speech, &text)).push(
        Dial::new()
            .caller_id(business)
            .action(action)
            .timeout(30)
            .number(Number::new(caller)),
    )
}

/// The offer was taken by someone else, or the caller is gone.
pub fn offer_gone(rules: &Rules, caller: &str, language: Option<&str>) -> Response {
    let (speech, text) = to_assistant(rules, language, |w| w.offer_gone.as_deref(), DEFAULT_OFFER_GONE, caller);
    Response::new().push(say(&speech, &text)).push(Verb::Hangup)
}

/// A queue phrase `pick` chooses, as an assistant hears it: the caller's language's, the
/// file's, or `default`.
fn to_assistant(
    rules: &Rules,
    language: Option<&str>,
    pick: fn(&QueueWords) -> Option<&str>,
    default: &str,
    caller: &str,
) -> (crate::routing::rules::Speech, String) {
    let translated = rules.language(language).and_then(|l| pick(&l.queue));
    let own = rules.queue.as_ref().and_then(|q| pick(&q.words)).unwrap_or(default);
    assistant_hears(rules, language, translated, own, caller)
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
            words: QueueWords {
                hold: Some(hold),
                ..QueueWords::default()
            },
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

    /// Acme Dental with a queue whose words are in Spanish too, for callers who chose it.
    fn spanish() -> Rules {
        let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/routing-rules/acme-dental.toml"));
        let source = source.unwrap()
            + r#"
[queue]
callback_key = "2"

[languages.es-US]
voice = "Polly.Lupe"
goodbye = "Gracias. Adiós."

[languages.es-US.queue]
announce = "Usted es la persona número {position} en la fila. La espera es de unos {minutes} minutos."
keys = "Para que le llamemos, oprima 2."
callback_promise = "Le llamaremos cuando sea su turno."
calling_back = "Devolviendo la llamada a {caller} para {client}."
offer_gone = "Esa persona ya no espera."
"#;
        crate::routing::parse(&source).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Each `<Say>`'s voice, language and words, in order.
    fn said(xml: &str) -> Vec<(String, String)> {
        xml.split("<Say")
            .skip(1)
            .map(|say| {
                let (attributes, rest) = say.split_once('>').unwrap();
                (
                    attributes.trim().to_owned(),
                    rest.split("</Say>").next().unwrap().to_owned(),
                )
            })
            .collect()
    }

    const FILE_VOICE: &str = "";
    const SPANISH_VOICE: &str = r#"voice="Polly.Lupe" language="es-US""#;
    const CALLER: &str = "+19175550142";

    fn in_voice(voice: &str, words: &[&str]) -> Vec<(String, String)> {
        words.iter().map(|w| (voice.to_owned(), (*w).to_owned())).collect()
    }

    #[test]
    fn every_phrase_left_out_is_said_in_the_words_it_always_had() {
        let rules = rules();
        let words = queue(Spoken::Say("Please hold.".into()), true);
        let place = crate::routing::queue::announcement(
            &words.words,
            crate::routing::queue::WaitFacts {
                waited: 0,
                average: 0,
                place: 2,
            },
        );
        let turn = wait(&rules, &words, None, Some(&place), "/keys").render();
        let expected = [
            "You are caller number 2 in line. The wait is about 2 minutes.",
            "Please hold.",
        ];
        assert_eq!(said(&turn), in_voice(FILE_VOICE, &expected), "{turn}");
        let promised = callback_promised(&rules, None).render();
        let expected = [
            "We will call you back from this number when it is your turn.",
            "Thank you. Goodbye.",
        ];
        assert_eq!(said(&promised), in_voice(FILE_VOICE, &expected));
        let ring = ring_back(&rules, CALLER, "+12125550100", "/done", None).render();
        let expected = ["Calling back 1 9 1 7 5 5 5 0 1 4 2 now."];
        assert_eq!(said(&ring), in_voice(FILE_VOICE, &expected));
        let gone = offer_gone(&rules, CALLER, None).render();
        let expected = ["Sorry, that caller is no longer waiting. Goodbye."];
        assert_eq!(said(&gone), in_voice(FILE_VOICE, &expected));
    }

    #[test]
    fn a_translated_queue_speaks_spanish_with_the_spanish_voice() {
        let rules = spanish();
        let es = Some("es-US");
        let mut waiting = rules.queue.clone().unwrap();
        waiting.words = rules.queue_words(es);
        let facts = crate::routing::queue::WaitFacts {
            waited: 0,
            average: 0,
            place: 2,
        };
        let place = crate::routing::queue::announcement(&waiting.words, facts);
        let turn = wait(&rules, &waiting, es, Some(&place), "/keys").render();
        let expected = [
            "Usted es la persona número 2 en la fila. La espera es de unos 2 minutos.",
            "Para que le llamemos, oprima 2.",
            // `hold` has no translation: the file's (here its default), in the Spanish voice.
            "Please hold.",
        ];
        assert_eq!(said(&turn), in_voice(SPANISH_VOICE, &expected), "{turn}");
        let promised = callback_promised(&rules, es).render();
        let expected = ["Le llamaremos cuando sea su turno.", "Gracias. Adiós."];
        assert_eq!(said(&promised), in_voice(SPANISH_VOICE, &expected));
        let ring = ring_back(&rules, CALLER, "+12125550100", "/done", es).render();
        let expected = ["Devolviendo la llamada a 1 9 1 7 5 5 5 0 1 4 2 para Acme Dental."];
        assert_eq!(said(&ring), in_voice(SPANISH_VOICE, &expected));
        assert!(ring.contains("<Number>+19175550142</Number>"), "{ring}");
        let gone = offer_gone(&rules, CALLER, es).render();
        assert_eq!(said(&gone), in_voice(SPANISH_VOICE, &["Esa persona ya no espera."]));
    }
}
