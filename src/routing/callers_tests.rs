//! Caller lists: blocked numbers, VIPs with a route of their own, and sticky routing to
//! the assistant a caller spoke with lately.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};

use super::rules::{BlockAnswer, Spoken};
use super::*;
use crate::ids::AssistantId;
use crate::phone::E164;

const RULES: &str = r#"
client = "test-clinic"
name = "Test Clinic"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
tue = ["09:00-17:00"]

[[assistants]]
id = "ann"
phone = "+12125550111"
priority = 1

[[assistants]]
id = "bob"
phone = "+12125550112"
priority = 2

[[assistants]]
id = "john"
phone = "+12125550113"
priority = 3

[open]
strategy = "priority"
then = ["voicemail"]

[voicemail]
greeting = "Leave a message."

[block]
numbers = ["(917) 555-0142", "+44 20 7946 0958"]
message = "This number cannot reach the clinic. Goodbye."

[vip]
numbers = ["917.555.0199"]
strategy = "simultaneous"
assistants = ["ann", "bob"]
ring_seconds = 30
then = ["voicemail"]

[sticky]
days = 7
"#;

fn rules() -> Rules {
    parse(RULES).unwrap_or_else(|e| panic!("{e}"))
}

fn e164(n: &str) -> E164 {
    E164::parse(n).unwrap()
}

fn id(s: &str) -> AssistantId {
    AssistantId::parse(s).unwrap()
}

/// Tuesday 2026-12-01 10:00 in New York.
fn tuesday_10am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()
}

/// Wednesday 03:00 in New York: closed.
fn night() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 8, 0, 0).unwrap()
}

fn call(rules: &Rules, at: DateTime<Utc>, from: &str, spoke_with: Option<&str>) -> Decision {
    let spoke_with = spoke_with.map(id);
    let unavailable = HashMap::new();
    decide(
        rules,
        at,
        &CallInput {
            called: "+12125550100",
            at_menu: crate::routing::rules::MenuId::TOP,
            menu: MenuChoice::NotAsked,
            language: None,
            unavailable: &unavailable,
            rotation: 0,
            from: Some(from),
            spoke_with: spoke_with.as_ref(),
        },
    )
}

#[test]
fn numbers_in_any_common_format_are_stored_in_e164_for_the_clients_country() {
    let r = rules();
    let block = r.block.as_ref().unwrap();
    assert_eq!(block.numbers, [e164("+19175550142"), e164("+442079460958")]);
    assert_eq!(r.vip.as_ref().unwrap().numbers, [e164("+19175550199")]);
}

#[test]
fn a_blocked_caller_hears_the_message_and_nobody_is_rung() {
    let r = rules();
    for at in [tuesday_10am(), night()] {
        let d = call(&r, at, "+19175550142", None);
        assert_eq!(d.labels(), ["blocked"]);
        assert_eq!(
            d.steps[0].action,
            Action::Blocked {
                answer: BlockAnswer::Message(Spoken::Say("This number cannot reach the clinic. Goodbye.".into()))
            }
        );
        assert!(d.steps[0].speaks());
        assert!(d
            .trace(&r)
            .contains(&"The caller's number is blocked: nobody is rung".to_owned()));
    }
}

#[test]
fn a_blocked_caller_can_be_rejected_instead() {
    let text = RULES.replace(
        "message = \"This number cannot reach the clinic. Goodbye.\"",
        "reject = true",
    );
    let r = parse(&text).unwrap();
    let d = call(&r, tuesday_10am(), "+442079460958", None);
    assert_eq!(
        d.steps[0].action,
        Action::Blocked {
            answer: BlockAnswer::Reject
        }
    );
    assert!(d.steps[0].action.rejects() && !d.steps[0].speaks());
}

#[test]
fn a_vip_takes_their_own_route_at_any_hour() {
    let r = rules();
    for at in [tuesday_10am(), night()] {
        let d = call(&r, at, "+19175550199", None);
        assert_eq!(d.labels(), ["ann+bob", "voicemail"]);
        let Action::Dial { ring_seconds, .. } = &d.steps[0].action else {
            panic!("{:?}", d.steps);
        };
        assert_eq!(*ring_seconds, 30);
        assert!(d
            .trace(&r)
            .contains(&"The caller is on the VIP list: their own route".to_owned()));
    }
    // Anyone else, at night: voicemail.
    assert_eq!(call(&r, night(), "+19175550100", None).labels(), ["voicemail"]);
}

#[test]
fn a_caller_john_spoke_with_rings_john_first_then_the_rest_in_order() {
    let r = rules();
    let d = call(&r, tuesday_10am(), "+19175550100", Some("john"));
    assert_eq!(d.labels(), ["john", "ann", "bob", "voicemail"]);
    assert!(d
        .trace(&r)
        .contains(&"john answered this caller lately, so john is rung first".to_owned()));
    // Without history, priority order.
    assert_eq!(
        call(&r, tuesday_10am(), "+19175550100", None).labels(),
        ["ann", "bob", "john", "voicemail"]
    );
}

#[test]
fn sticky_routing_never_rings_someone_the_route_does_not_ring_nor_someone_away() {
    let r = rules();
    // After hours nobody is rung, John included.
    let d = call(&r, night(), "+19175550100", Some("john"));
    assert_eq!(d.labels(), ["voicemail"]);
    // The VIP route rings Ann and Bob only.
    let d = call(&r, tuesday_10am(), "+19175550199", Some("john"));
    assert_eq!(d.labels(), ["ann+bob", "voicemail"]);
    assert!(d
        .trace(&r)
        .contains(&"john answered this caller lately, but this route does not ring them".to_owned()));
    // Ann at once with everyone else: alone first, then the others together.
    let d = call(&r, tuesday_10am(), "+19175550199", Some("ann"));
    assert_eq!(d.labels(), ["ann", "bob", "voicemail"]);
    // John off duty: the usual order, and the trace says why.
    let john = id("john");
    let away = HashMap::from([(john.clone(), Unavailable::OffDuty)]);
    let input = CallInput {
        called: "+12125550100",
        at_menu: crate::routing::rules::MenuId::TOP,
        menu: MenuChoice::NotAsked,
        language: None,
        unavailable: &away,
        rotation: 0,
        from: Some("+19175550100"),
        spoke_with: Some(&john),
    };
    let d = decide(&r, tuesday_10am(), &input);
    assert_eq!(d.labels(), ["ann", "bob", "voicemail"]);
    assert!(d.trace(&r).contains(&"john is skipped: off duty".to_owned()));
}

#[test]
fn a_vip_skips_the_menu() {
    let text = format!(
        "{RULES}\n[menu]\nprompt = \"Press 1.\"\n\n[menu.options.1]\nstrategy = \"priority\"\nassistants = [\"bob\"]\nthen = [\"voicemail\"]\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(call(&r, tuesday_10am(), "+19175550100", None).labels(), ["menu"]);
    assert_eq!(
        call(&r, tuesday_10am(), "+19175550199", None).labels(),
        ["ann+bob", "voicemail"]
    );
}

fn errors(source: &str) -> Vec<String> {
    let errors = parse(source).expect_err("should be refused");
    errors.0.iter().map(|e| format!("{}: {}", e.line, e.message)).collect()
}

fn line_containing(source: &str, text: &str) -> usize {
    source.lines().position(|l| l.contains(text)).expect("in the source") + 1
}

#[test]
fn bad_caller_lists_are_refused_at_their_line_in_plain_words() {
    let text = RULES.replace("\"(917) 555-0142\"", "\"555-01\"");
    let line = line_containing(&text, "555-01\"");
    assert!(
        errors(&text).contains(&format!(
            "{line}: `555-01` is not a phone number (write it as (917) 555-0142, or +44 20 7946 0123 abroad)"
        )),
        "{:?}",
        errors(&text)
    );

    let text = RULES.replace("message = ", "reject = true\nmessage = ");
    assert!(
        errors(&text)
            .iter()
            .any(|e| e.contains("either rejected or hears the message")),
        "{:?}",
        errors(&text)
    );

    let text = RULES.replace("\"917.555.0199\"", "\"917.555.0142\"");
    assert!(
        errors(&text)
            .iter()
            .any(|e| e.contains("+19175550142 is both blocked and a VIP")),
        "{:?}",
        errors(&text)
    );

    let text = RULES.replace("days = 7", "days = 0");
    let line = line_containing(&text, "days = 0");
    assert!(errors(&text).contains(&format!("{line}: sticky days must be between 1 and 365, not 0")));

    let text = RULES.replace("[vip]\nnumbers = [\"917.555.0199\"]\n", "[vip]\n");
    assert!(
        errors(&text).iter().any(|e| e.contains("[vip] needs `numbers`")),
        "{:?}",
        errors(&text)
    );

    let text = RULES.replace("[open]\n", "[open]\nnumbers = [\"+19175550199\"]\n");
    assert!(errors(&text)
        .iter()
        .any(|e| e.contains("`numbers` only belongs in [vip]")));

    // The VIP route is checked as every route is.
    let text = RULES.replace("ring_seconds = 30\nthen = [\"voicemail\"]", "ring_seconds = 30");
    assert!(
        errors(&text)
            .iter()
            .any(|e| e.contains("route `vip` can end in silence")),
        "{:?}",
        errors(&text)
    );
}

#[test]
fn rule_file_tests_state_the_caller_and_whom_they_spoke_with() {
    let text = format!(
        "{RULES}\n[[tests]]\nat = \"2026-12-01T10:00\"\nfrom = \"(917) 555-0100\"\nspoke_with = \"john\"\nexpect = [\"john\", \"ann\", \"bob\", \"voicemail\"]\n\n\
         [[tests]]\nat = \"2026-12-01T10:00\"\nfrom = \"(917) 555-0142\"\nexpect = [\"blocked\"]\n\n\
         [[tests]]\nat = \"2026-12-02T03:00\"\nfrom = \"+1 917 555 0199\"\nexpect = [\"ann+bob\", \"voicemail\"]\n"
    );
    let r = parse(&text).unwrap();
    assert_eq!(cases::run(&r), []);

    let wrong = text.replace("spoke_with = \"john\"", "spoke_with = \"zed\"");
    assert!(errors(&wrong).iter().any(|e| e.contains("unknown assistant `zed`")));
}

#[test]
fn round_robin_names_its_own_first_after_the_callers_assistant() {
    let r = parse(&RULES.replace("strategy = \"priority\"", "strategy = \"round_robin\"")).unwrap();
    let from = "+19175550100";
    let unavailable = HashMap::new();
    let john = id("john");
    let input = CallInput {
        called: "+12125550100",
        at_menu: crate::routing::rules::MenuId::TOP,
        menu: MenuChoice::NotAsked,
        language: None,
        unavailable: &unavailable,
        rotation: 1,
        from: Some(from),
        spoke_with: Some(&john),
    };
    let d = decide(&r, tuesday_10am(), &input);
    assert_eq!(d.labels(), ["john", "bob", "ann", "voicemail"]);
    assert!(
        d.trace(&r)
            .contains(&"During opening hours: take turns; this is call 1 in turn, so bob is rung first".to_owned()),
        "{:?}",
        d.trace(&r)
    );
}
