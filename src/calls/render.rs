//! Steps of a decision → TwiML. Pure: the URLs come from [`Links`], the text from the
//! rules, so each answer can be checked without a server.

pub mod queue;

use super::position::{encode, Position};
use crate::routing::rules::{BlockAnswer, MenuInput, Speech, Spoken};
use crate::routing::{Action, DialTarget, Rules, Step};
use crate::twilio::webhooks::{
    Links, PATH_NEXT, PATH_QUEUE_WAIT, PATH_RECORDING, PATH_SCREEN, PATH_STATUS, PATH_TRANSCRIPTION, PATH_VOICEMAIL,
};
use crate::twiml::{
    CallEvent, Dial, DialRecord, Enqueue, Gather, GatherInput, Number, Play, Record, RecordingEvent, Reject,
    RejectReason, Response, Say, Verb,
};

const GOODBYE: &str = "Thank you. Goodbye.";
/// Said before the menu plays again, after no input or a key that is no option.
const NOT_UNDERSTOOD: &str = "Sorry, I did not get that.";
const TROUBLE: &str = "Sorry, we are having trouble connecting your call. Please leave a message after the tone, and we will call you back.";
const NOT_IN_SERVICE: &str = "Sorry, this number is not in service. Goodbye.";

/// What the rules give the caller to hear: their words in the client's voice, or their
/// recording.
fn spoken(speech: &Speech, what: &Spoken) -> Verb {
    match what {
        Spoken::Say(text) => say(speech, text).into(),
        Spoken::Play(url) => Play::new(&**url).into(),
    }
}

/// `<Say>` in the client's voice and language, for every call Switchboard answers or places.
pub fn say(speech: &Speech, text: &str) -> Say {
    let mut s = Say::new(text);
    if let Some(v) = &speech.voice {
        s = s.voice(v);
    }
    if let Some(l) = &speech.language {
        s = s.language(l);
    }
    s
}

/// The TwiML of one step of a call's chain.
pub fn step(rules: &Rules, step: &Step, pos: &Position, links: &Links) -> Response {
    let here = Position {
        step: step.index,
        ..pos.clone()
    };
    // Only a menu, a dial and a queue come back to the chain: the other steps need not build it.
    let next = || links.url(PATH_NEXT, &here.to_query());
    // Everything the caller hears is in the language they chose at a menu, if they did.
    let speech = rules.speech_in(pos.language.as_deref());
    let language = rules.language(pos.language.as_deref());
    match &step.action {
        Action::Menu {
            menu,
            prompt,
            input,
            timeout_seconds,
            attempt,
        } => {
            let inputs: Vec<GatherInput> = input
                .iter()
                .map(|i| match i {
                    MenuInput::Dtmf => GatherInput::Dtmf,
                    MenuInput::Speech => GatherInput::Speech,
                })
                .collect();
            let mut gather = Gather::new(next())
                .input(&inputs)
                .num_digits(1)
                .timeout(*timeout_seconds)
                .action_on_empty_result(true);
            if *attempt > 0 {
                let sorry = language.and_then(|l| l.not_understood.as_deref());
                gather = gather.say(say(&speech, sorry.unwrap_or(NOT_UNDERSTOOD)));
            }
            gather = match prompt {
                Spoken::Say(text) => gather.say(say(&speech, text)),
                Spoken::Play(url) => gather.play(Play::new(&**url)),
            };
            if input.contains(&MenuInput::Speech) {
                let hints: Vec<&str> = rules
                    .menu_at(*menu)
                    .into_iter()
                    .flat_map(|m| &m.options)
                    .flat_map(|o| o.speech.iter().map(String::as_str))
                    .collect();
                gather = gather.speech_timeout("auto");
                if !hints.is_empty() {
                    gather = gather.hints(hints.join(","));
                }
            }
            Response::new().push(gather)
        }
        Action::Dial {
            targets,
            ring_seconds,
            caller_id,
            record,
        } => {
            let mut dial = Dial::new().action(next()).timeout(*ring_seconds);
            if let Some(id) = caller_id {
                dial = dial.caller_id(id.as_str());
            }
            if *record {
                dial = dial
                    .record(DialRecord::RecordFromAnswer)
                    .recording_status_callback(links.url(PATH_RECORDING, &recording_query(pos, "call")));
            }
            for t in targets {
                dial = dial.number(number(t, &here, links));
            }
            Response::new().push(dial)
        }
        Action::Voicemail {
            greeting,
            max_seconds,
            transcribe,
        } => {
            let query = recording_query(pos, "voicemail");
            // The goodbye after the message is in the caller's language too.
            let lang = pos.language.as_deref().unwrap_or_default();
            let action = match lang {
                "" => query.clone(),
                lang => encode(&[("client", &pos.client), ("kind", "voicemail"), ("lang", lang)]),
            };
            let mut record = Record::new(links.url(PATH_VOICEMAIL, &action))
                .max_length(*max_seconds)
                .timeout(5)
                .finish_on_key("#")
                .play_beep(true)
                .recording_status_callback(links.url(PATH_RECORDING, &query))
                .recording_status_callback_event(&[RecordingEvent::Completed, RecordingEvent::Absent]);
            if *transcribe {
                record = record
                    .transcribe(true)
                    .transcribe_callback(links.url(PATH_TRANSCRIPTION, &query));
            }
            Response::new().push(spoken(&speech, greeting)).push(record)
        }
        Action::Queue { .. } => Response::new().push(
            Enqueue::new(queue::queue_name(&pos.client))
                .action(next())
                .wait_url(links.url(PATH_QUEUE_WAIT, &here.to_query())),
        ),
        Action::Apology { message }
        | Action::Blocked {
            answer: BlockAnswer::Message(message),
        } => Response::new().push(spoken(&speech, message)).push(Verb::Hangup),
        Action::Blocked {
            answer: BlockAnswer::Reject,
        } => Response::new().push(Reject::new().reason(RejectReason::Busy)),
    }
}

fn recording_query(pos: &Position, kind: &str) -> String {
    encode(&[("client", &pos.client), ("kind", kind)])
}

/// Query naming one leg: who was rung at which step of which client's chain, and the
/// language the caller chose (the whisper is in it).
pub fn leg_query(pos: &Position, target: &DialTarget) -> String {
    let (step, version) = (pos.step.to_string(), pos.version.to_string());
    let mut q = Vec::with_capacity(6);
    q.extend(target.assistant.as_ref().map(|a| ("assistant", a.as_str())));
    q.push(("client", pos.client.as_str()));
    q.extend(pos.language.as_deref().map(|l| ("lang", l)));
    q.extend([
        ("number", target.number.as_str()),
        ("step", step.as_str()),
        ("version", version.as_str()),
    ]);
    encode(&q)
}

fn number(target: &DialTarget, pos: &Position, links: &Links) -> Number {
    let leg = leg_query(pos, target);
    let mut n = Number::new(target.number.as_str())
        .status_callback(links.url(PATH_STATUS, &leg))
        .status_callback_event(&[CallEvent::Answered, CallEvent::Completed]);
    if target.screen {
        n = n.url(links.url(PATH_SCREEN, &leg));
    }
    n
}

/// The whisper an assistant hears before being connected: only a key press (which a
/// personal voicemail cannot make) bridges the call. In the language the caller chose,
/// when the rules say the whisper in it.
pub fn screen_prompt(rules: &Rules, caller: &str, action: &str, language: Option<&str>) -> Response {
    let translated = (rules.language(language)).and_then(|l| l.whisper.as_deref());
    let own = "Call for {client} from {caller}. Press 1 to accept.";
    let (speech, text) = assistant_hears(rules, language, translated, own, caller);
    Response::new()
        .push(Gather::new(action).num_digits(1).timeout(8).say(say(&speech, &text)))
        .push(Verb::Hangup)
}

/// What an assistant hears about `caller`: the words the caller's `language` has for it
/// (`translated`) in that language's voice, else `own` (the file's words) in the file's
/// voice; `{caller}` and `{client}` filled in.
fn assistant_hears(
    rules: &Rules,
    language: Option<&str>,
    translated: Option<&str>,
    own: &str,
    caller: &str,
) -> (Speech, String) {
    let vars = crate::routing::templates::Vars {
        caller: spoken_number(caller),
        client: rules.name.clone(),
        ..Default::default()
    };
    // The placeholders were checked when the file was read.
    let fill = |words: &str| crate::routing::templates::render(words, &vars).ok();
    match translated.and_then(fill) {
        Some(text) => (rules.speech_in(language), text),
        None => (rules.speech.clone(), fill(own).unwrap_or_else(|| own.to_owned())),
    }
}

/// Digits one by one, so text-to-speech does not read a phone number as an amount.
pub fn spoken_number(number: &str) -> String {
    let digits: Vec<String> = number.chars().filter(char::is_ascii_digit).map(String::from).collect();
    if digits.len() < 3 {
        "an unknown number".to_owned()
    } else {
        digits.join(" ")
    }
}

/// Said after a voicemail was left, or when the call is over, in the caller's language.
pub fn goodbye(rules: Option<&Rules>, language: Option<&str>) -> Response {
    let speech = rules.map(|r| r.speech_in(language)).unwrap_or_default();
    Response::new()
        .push(say(&speech, goodbye_words(rules, language)))
        .push(Verb::Hangup)
}

/// "Thank you. Goodbye.", or the caller's language's goodbye.
fn goodbye_words<'r>(rules: Option<&'r Rules>, language: Option<&str>) -> &'r str {
    (rules.and_then(|r| r.language(language)))
        .and_then(|l| l.goodbye.as_deref())
        .unwrap_or(GOODBYE)
}

/// Ends the call without a word (the caller already hung up or was connected).
pub fn hang_up() -> Response {
    Response::new().push(Verb::Hangup)
}

/// For a number that is not any client's.
pub fn not_in_service() -> Response {
    Response::new().push(Say::new(NOT_IN_SERVICE)).push(Verb::Hangup)
}

/// When anything went wrong inside the call path: the caller still leaves a message.
/// Uses only what is in memory, so it works with the database down.
pub fn safe_answer(rules: Option<&Rules>, links: &Links) -> Response {
    // The client's own words, but never a recording: fetching it from the web is one
    // more thing that can fail when something already has.
    let greeting = |r: &Rules| match r.voicemail.as_ref().map(|v| &v.greeting) {
        Some(Spoken::Say(text)) => text.to_string(),
        Some(Spoken::Play(_)) | None => TROUBLE.to_owned(),
    };
    let (speech, greeting, client) = match rules {
        Some(r) => (r.speech.clone(), greeting(r), r.client.to_string()),
        None => (Speech::default(), TROUBLE.to_owned(), String::new()),
    };
    let query = encode(&[("client", &client), ("kind", "voicemail")]);
    Response::new()
        .push(say(&speech, &greeting))
        .push(
            Record::new(links.url(PATH_VOICEMAIL, &query))
                .max_length(120)
                .timeout(5)
                .finish_on_key("#")
                .recording_status_callback(links.url(PATH_RECORDING, &query)),
        )
        .push(say(&speech, GOODBYE))
}
