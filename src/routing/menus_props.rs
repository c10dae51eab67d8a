//! Properties of menus and languages: whatever menus, keys and language, a call ends in
//! speech, and everything said after a language is chosen (the queue's words included) is
//! in it.

use std::collections::HashMap;

use proptest::prelude::{prop_assert, prop_oneof, proptest, Just};
use proptest::strategy::Strategy as _;

use super::menus_tests::{rules, tuesday_10am};
use super::rules::{Language, Menu, MenuId, MenuInput, MenuOption, QueueWords, Route, Spoken, Target};
use super::*;
use crate::calls::position::Position;
use crate::calls::render;
use crate::twilio::webhooks::Links;

fn any_route() -> impl proptest::strategy::Strategy<Value = Route> {
    (
        proptest::option::of(Just(super::rules::Strategy::Priority)),
        proptest::collection::vec(
            prop_oneof![Just(Target::External), Just(Target::Queue), Just(Target::Voicemail)],
            0..3,
        ),
        proptest::sample::subsequence(vec!["ann", "bob"], 0..=2),
    )
        .prop_map(|(strategy, then, who)| Route {
            strategy,
            assistants: who.iter().map(|a| crate::ids::AssistantId::parse(a).unwrap()).collect(),
            ring_seconds: 20,
            screen: true,
            caller_id: super::rules::CallerId::Caller,
            record: false,
            then,
        })
}

/// An option: a route, another menu (any, even one validation would refuse: itself, a
/// menu that leads back, one that does not exist), and perhaps a language (one with
/// words of its own, or one the rules have no table for).
fn any_option(menus: u8) -> impl proptest::strategy::Strategy<Value = MenuOption> {
    (
        proptest::sample::select(vec!['1', '2', '9', '*']),
        any_route(),
        proptest::option::of(0..=menus),
        proptest::option::of(prop_oneof![Just("es-US".to_owned()), Just("fr-CA".to_owned())]),
    )
        .prop_map(|(digit, route, opens, language)| MenuOption {
            digit,
            speech: Vec::new(),
            route,
            opens: opens.map(MenuId),
            language,
        })
}

fn any_menu(menus: u8) -> impl proptest::strategy::Strategy<Value = Menu> {
    (
        proptest::collection::vec(any_option(menus), 0..4),
        0u32..3,
        proptest::option::of(proptest::sample::select(vec!['1', '2', '9', '*'])),
    )
        .prop_map(|(options, retries, default)| Menu {
            name: Some("m".into()),
            prompt: Spoken::Say("Press a key.".into()),
            input: vec![MenuInput::Dtmf],
            timeout_seconds: 5,
            retries,
            options,
            default,
        })
}

proptest! {
    /// Whatever the menus (any depth, circles, options naming menus that do not exist),
    /// whatever keys the caller presses at each menu and whatever language they choose,
    /// the call always ends in something said to the caller, and from the moment a
    /// language with its own table is chosen, every step that speaks speaks it, and so does
    /// everything the queue says (to the assistant too, when the table has its words).
    #[test]
    fn every_menu_path_ends_in_speech_in_the_chosen_language(
        mut top in any_menu(4),
        subs in proptest::collection::vec(any_menu(4), 0..4),
        mut keys in proptest::collection::vec(proptest::sample::select(vec!["1", "2", "9", "*", "5", ""]), 0..8),
        // Often the caller chooses Spanish first, so its routes (and queues) are walked often.
        spanish_first in proptest::option::of(any_option(4)),
        has_vm in proptest::bool::ANY,
        open in any_route(),
        // Half the calls while the menu plays (Tuesday until 5 pm), half at any time of the week.
        minutes in prop_oneof![0i64..420, 0i64..(60 * 24 * 7)],
    ) {
        if let Some(option) = spanish_first {
            let spanish = MenuOption { digit: '9', language: Some("es-US".into()), ..option };
            top.options.insert(0, spanish);
            keys.insert(0, "9");
        }
        let mut r = rules();
        r.menu = Some(Menu { name: None, ..top });
        r.submenus = subs;
        r.open = open;
        if !has_vm { r.voicemail = None; }
        r.languages = vec![Language {
            code: "es-US".into(),
            name: "Español".into(),
            voice: Some("Polly.Lupe".into()),
            menus: vec![(MenuId::TOP, Spoken::Say("Oprima una tecla.".into()))],
            greeting: Some(Spoken::Say("Deje su mensaje.".into())),
            apology: Some(Spoken::Say("Lo sentimos.".into())),
            not_understood: None,
            goodbye: Some("Gracias. Adiós.".into()),
            whisper: None,
            queue: spanish_queue(),
        }];
        r.queue = Some(super::queue_tests::queue());
        let walked = menu::walk(&r, &keys);
        let nobody = HashMap::new();
        let at = tuesday_10am() + chrono::Duration::minutes(minutes);
        let d = decide(&r, at, &CallInput {
            called: "+12125550100",
            at_menu: walked.menu,
            menu: walked.choice,
            language: walked.language,
            unavailable: &nobody,
            rotation: 0,
            from: None,
            spoke_with: None,
        });
        let last = d.steps.last();
        prop_assert!(last.is_some_and(Step::speaks), "{:?} after {keys:?}", d.labels());
        let pos = Position {
            client: "acme".into(),
            version: 1,
            at,
            at_menu: walked.menu,
            menu: walked.choice,
            language: walked.language.map(str::to_owned),
            rotation: 0,
            away: Vec::new(),
            spoke_with: None,
            step: 0,
        };
        let links = Links::new(Some(&"https://sb.example".parse().unwrap()));
        for step in d.steps.iter().filter(|s| s.speaks()) {
            let twiml = crate::calls::render::step(&r, step, &pos, &links).render();
            prop_assert!(twiml.contains("<Say") || twiml.contains("<Play"), "{twiml}");
            if walked.language == Some("es-US") {
                prop_assert!(twiml.contains(r#"language="es-US""#), "{twiml}");
            } else {
                prop_assert!(!twiml.contains("es-US"), "{twiml}");
            }
        }
        for (queue, index) in d.steps.iter().filter_map(|s| match &s.action {
            Action::Queue { queue, .. } => Some((queue, s.index)),
            _ => None,
        }) {
            let here = Position { step: index, ..pos.clone() };
            for twiml in queue_heard(&r, queue, &here) {
                prop_assert!(twiml.contains("<Say"), "{twiml}");
                if walked.language == Some("es-US") {
                    // Every word in Spanish, in the Spanish voice: none of the file's English.
                    for say in twiml.split("<Say").skip(1) {
                        prop_assert!(say.starts_with(r#" voice="Polly.Lupe" language="es-US">"#), "{twiml}");
                        prop_assert!(say.contains("(es)") || say.contains("Adiós"), "{twiml}");
                    }
                } else {
                    prop_assert!(!twiml.contains("es-US") && !twiml.contains("(es)"), "{twiml}");
                }
            }
        }
    }
}

/// Every queue phrase in Spanish, each marked so a test can tell it from the file's words.
fn spanish_queue() -> QueueWords {
    let say = |words: &str| Some(Spoken::Say(words.into()));
    QueueWords {
        hold: say("Por favor, espere (es)."),
        announce: Some("Usted es la persona número {position}; unos {minutes} minutos (es).".into()),
        announce_next: Some("Usted es la siguiente persona (es).".into()),
        keys: say("Para que le llamemos, oprima 2 (es)."),
        callback_promise: say("Le llamaremos (es)."),
        calling_back: Some("Devolviendo la llamada a {caller} (es).".into()),
        offer_gone: Some("Esa persona ya no espera (es).".into()),
    }
}

/// What the queue says on a call at `pos`: a turn of the wait loop (for the caller next in
/// line and one further back), the call-back promise, and, to the assistant, the call back
/// and an offer that came too late.
fn queue_heard(r: &Rules, queue: &super::rules::Queue, pos: &Position) -> Vec<String> {
    let language = pos.language.as_deref();
    let turn = |place| {
        let facts = super::queue::WaitFacts {
            waited: 0,
            average: 0,
            place,
        };
        let announce = super::queue::announcement(&queue.words, facts);
        render::queue::wait(r, queue, language, Some(&announce), "/keys").render()
    };
    vec![
        turn(1),
        turn(4),
        render::queue::callback_promised(r, language).render(),
        render::queue::ring_back(r, "+19175550142", "+12125550100", "/done", language).render(),
        render::queue::offer_gone(r, "+19175550142", language).render(),
    ]
}
