//! Menus within menus and a language chosen at a menu: how rule files write them, what
//! validation refuses, where a caller's keys take them, and what they hear after.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};

use super::menu::{self, Pressed};
use super::rules::MenuId;
use super::*;
use crate::calls::position::Position;
use crate::twilio::webhooks::Links;

const RULES: &str = r#"
client = "acme"
name = "Acme"
numbers = ["+12125550100"]
timezone = "America/New_York"
language = "en-US"

[hours]
tue = ["09:00-17:00"]

[[assistants]]
id = "ann"
phone = "+12125550111"

[[assistants]]
id = "bob"
phone = "+12125550112"

[open]
strategy = "priority"
then = ["voicemail"]

[voicemail]
greeting = "Leave a message."

[menu]
prompt = "Press 1 for sales, 2 for billing. Para español, oprima 9."

[menu.options.1]
strategy = "priority"
assistants = ["ann"]
then = ["voicemail"]

[menu.options.2]
menu = "billing"

[menu.options.9]
language = "es-US"

[menus.billing]
prompt = "Press 1 for an invoice, 2 to pay."
retries = 0
default = "1"

[menus.billing.options.1]
strategy = "priority"
assistants = ["bob"]
then = ["voicemail"]

[menus.billing.options.2]
then = ["voicemail"]

[languages.es-US]
name = "Español"
voice = "Polly.Lupe"
menu = "Para ventas, oprima 1. Para facturas, oprima 2."
menus = { billing = "Para una factura, oprima 1." }
greeting = "Deje su mensaje."
whisper = "Llamada en español de {caller}. Press 1 to accept."
"#;

pub(super) fn rules() -> Rules {
    parse(RULES).unwrap_or_else(|e| panic!("{e}"))
}

/// Tuesday 2026-12-01 10:00 in New York.
pub(super) fn tuesday_10am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()
}

fn after(rules: &Rules, keys: &[&str]) -> Decision {
    let walked = menu::walk(rules, keys);
    let nobody = HashMap::new();
    decide(
        rules,
        tuesday_10am(),
        &CallInput {
            called: "+12125550100",
            at_menu: walked.menu,
            menu: walked.choice,
            language: walked.language,
            unavailable: &nobody,
            rotation: 0,
            from: None,
            spoke_with: None,
        },
    )
}

fn problems(source: &str) -> Vec<String> {
    match parse(source) {
        Ok(_) => Vec::new(),
        Err(e) => e.0.into_iter().map(|e| format!("{}: {}", e.line, e.message)).collect(),
    }
}

fn line_of(source: &str, text: &str) -> usize {
    source.lines().position(|l| l.contains(text)).unwrap() + 1
}

#[test]
fn an_option_opens_a_named_menu_whose_options_route_the_call() {
    let r = rules();
    let d = after(&r, &["2"]);
    assert!(matches!(&d.steps[0].action, Action::Menu { menu, prompt, .. }
        if *menu == MenuId(1) && prompt.to_string().starts_with("Press 1 for an invoice")));
    assert_eq!(after(&r, &["2", "1"]).labels(), ["bob", "voicemail"]);
    assert_eq!(after(&r, &["2", "2"]).labels(), ["voicemail"]);
    assert_eq!(after(&r, &["1"]).labels(), ["ann", "voicemail"]);
}

#[test]
fn each_menu_has_its_own_retries_and_default() {
    let r = rules();
    // The billing menu plays once (no retries): a wrong key takes its default, 1.
    let wrong = menu::resolve(&r, MenuId(1), Some("7"), None, 0);
    assert_eq!(wrong.choice, MenuChoice::Default);
    assert_eq!(after(&r, &["2", "7"]).labels(), ["bob", "voicemail"]);
    // [menu] keeps its own: one retry.
    assert_eq!(
        menu::resolve(&r, MenuId::TOP, Some("7"), None, 0).choice,
        MenuChoice::Retry { attempt: 1 }
    );
}

#[test]
fn choosing_a_language_plays_the_menu_again_in_it_and_every_later_prompt_follows() {
    let r = rules();
    let pressed = menu::resolve(&r, MenuId::TOP, Some("9"), None, 0);
    assert_eq!(
        pressed,
        Pressed {
            menu: MenuId::TOP,
            choice: MenuChoice::NotAsked,
            language: Some("es-US"),
            digit: Some('9'),
        }
    );
    let heard = |d: &Decision| match &d.steps[0].action {
        Action::Menu { prompt, .. } => prompt.to_string(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        heard(&after(&r, &["9"])),
        "Para ventas, oprima 1. Para facturas, oprima 2."
    );
    assert_eq!(heard(&after(&r, &["9", "2"])), "Para una factura, oprima 1.");
    let d = after(&r, &["9", "2", "2"]);
    assert!(matches!(&d.steps[0].action, Action::Voicemail { greeting, .. }
        if greeting.to_string() == "Deje su mensaje."));
    // No apology is translated: the file's own words.
    let mut none = r.clone();
    none.voicemail = None;
    let d = after(&none, &["9", "2", "2"]);
    assert!(matches!(&d.steps.last().unwrap().action, Action::Apology { message }
        if message.to_string().starts_with("Sorry")));
}

#[test]
fn the_trace_says_where_each_key_took_the_caller_in_plain_words() {
    let r = rules();
    let walked = menu::walk(&r, &["9", "2", "1"]);
    let said: Vec<String> = walked.steps.iter().map(|p| p.describe(&r)).collect();
    assert_eq!(
        said,
        [
            "Chose 9: the rest of the call in Español (es-US)",
            "Chose 2: the billing menu",
            "Chose 1"
        ]
    );
    let trace = after(&r, &["9", "2", "1"]).trace(&r);
    assert!(
        trace.contains(&"The call is in Español (es-US)".to_owned()),
        "{trace:?}"
    );
    assert!(
        trace.contains(&"The billing menu: the caller chose 1".to_owned()),
        "{trace:?}"
    );
    assert!(
        trace.contains(&"The billing menu, choice 1: ring one at a time, in order".to_owned()),
        "{trace:?}"
    );
}

#[test]
fn the_chosen_language_speaks_every_later_step_and_the_whisper() {
    let r = rules();
    let links = Links::new(Some(&"https://sb.example".parse().unwrap()));
    let d = after(&r, &["9", "1"]);
    let pos = Position {
        client: "acme".into(),
        version: 1,
        at: tuesday_10am(),
        at_menu: MenuId::TOP,
        menu: MenuChoice::Option('1'),
        language: Some("es-US".into()),
        rotation: 0,
        away: Vec::new(),
        spoke_with: None,
        step: 0,
    };
    let dial = crate::calls::render::step(&r, &d.steps[0], &pos, &links).render();
    assert!(
        dial.contains("lang=es-US"),
        "the whisper's URL carries the language: {dial}"
    );
    let voicemail = crate::calls::render::step(&r, &d.steps[1], &pos, &links).render();
    assert!(
        voicemail.contains(r#"<Say voice="Polly.Lupe" language="es-US">Deje su mensaje.</Say>"#),
        "{voicemail}"
    );
    let whisper = crate::calls::render::screen_prompt(&r, "+19175550142", "/screen", Some("es-US")).render();
    assert!(
        whisper.contains("Llamada en español de 1 9 1 7 5 5 5 0 1 4 2."),
        "{whisper}"
    );
    let english = crate::calls::render::screen_prompt(&r, "+19175550142", "/screen", None).render();
    assert!(english.contains("Call for Acme from"), "{english}");
}

#[test]
fn rule_file_tests_give_the_keys_at_each_menu_and_expect_a_language() {
    let source = format!(
        "{RULES}
[[tests]]
at = \"2026-12-01T10:00\"
digits = [\"9\", \"2\", \"1\"]
language = \"es-US\"
expect = [\"bob\", \"voicemail\"]

[[tests]]
at = \"2026-12-01T10:00\"
digits = \"1\"
language = \"es-US\"
expect = [\"ann\", \"voicemail\"]
"
    );
    let r = parse(&source).unwrap();
    let failures = cases::run(&r);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0]
            .message
            .contains("expected the call in es-US but it is in en-US"),
        "{failures:?}"
    );
}

#[test]
fn menus_that_lead_back_to_themselves_are_refused_at_their_line() {
    let source = format!(
        "{RULES}
[menus.billing.options.3]
menu = \"billing\"
"
    );
    let found = problems(&source);
    let line = source
        .lines()
        .collect::<Vec<_>>()
        .iter()
        .rposition(|l| *l == "menu = \"billing\"")
        .unwrap()
        + 1;
    assert_eq!(
        found,
        [format!(
            "{line}: [menus.billing] opens [menus.billing], which leads back to it: a caller could go round for ever"
        )]
    );
}

#[test]
fn menus_deeper_than_the_limit_are_refused() {
    let mut source = RULES.replace(
        "[menus.billing.options.2]\nthen = [\"voicemail\"]",
        "[menus.billing.options.2]\nmenu = \"m2\"",
    );
    for (name, next) in [("m2", Some("m3")), ("m3", Some("m4")), ("m4", None)] {
        source.push_str(&format!(
            "\n[menus.{name}]\nprompt = \"Press 1.\"\n[menus.{name}.options.1]\n"
        ));
        match next {
            Some(next) => source.push_str(&format!("menu = \"{next}\"\n")),
            None => source.push_str("then = [\"voicemail\"]\n"),
        }
    }
    let found = problems(&source);
    let line = line_of(&source, "menu = \"m4\"");
    assert_eq!(
        found,
        [format!(
            "{line}: menus go more than 4 deep here: callers lose their way; open fewer menus in turn"
        )]
    );
}

#[test]
fn unknown_menus_and_languages_and_stray_menus_are_refused() {
    let source = RULES
        .replace("menu = \"billing\"", "menu = \"bills\"")
        .replace("language = \"es-US\"", "language = \"fr-CA\"");
    let found = problems(&source);
    assert!(
        found.contains(&format!(
            "{}: no [menus.bills] for option 2 to open",
            line_of(&source, "\"bills\"")
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&format!(
            "{}: no [languages.fr-CA]: add one with what callers hear in fr-CA",
            line_of(&source, "\"fr-CA\"")
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&format!(
            "{}: [menus.billing] is never heard: no option opens it",
            line_of(&source, "[menus.billing]")
        )),
        "{found:?}"
    );
}

#[test]
fn a_default_that_opens_a_menu_and_an_option_that_both_opens_and_rings_are_refused() {
    let source = RULES
        .replace("[menu]\n", "[menu]\ndefault = \"2\"\n")
        .replace("menu = \"billing\"", "menu = \"billing\"\nstrategy = \"priority\"");
    let found = problems(&source);
    assert!(
        found
            .iter()
            .any(|p| p.ends_with("menu default `2` opens a menu: the default must be an option that rings someone")),
        "{found:?}"
    );
    assert!(
        found.iter().any(|p| p
            .ends_with("option 2 opens a menu, so it rings nobody itself: remove `strategy`, `assistants` and `then`")),
        "{found:?}"
    );
}

#[test]
fn the_first_menus_options_keep_the_names_their_turns_are_stored_under() {
    assert_eq!(RouteKey::Option(MenuId::TOP, '1').to_string(), "option-1");
    assert_eq!(RouteKey::Option(MenuId(2), '1').to_string(), "menu-2-option-1");
}

#[test]
fn a_call_may_hear_every_menu_in_turn_before_anyone_is_rung() {
    // Each menu with all its attempts (spoken, then the wait): [menu] twice, billing
    // once; then the longest route, [open] ringing both assistants before voicemail.
    let menus = 2 * (30 + 5) + (30 + 5);
    let open = 2 * 20 + (30 + 120);
    assert_eq!(rules().longest_unanswered_seconds(), menus + open + 30);
}

#[test]
fn missing_translations_are_listed_as_warnings() {
    let r = rules();
    assert_eq!(
        untranslated(&r),
        ["[languages.es-US] has no `apology`: callers hear it untranslated"]
    );
}
