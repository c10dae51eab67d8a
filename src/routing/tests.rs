//! The engine's behaviour, case by case: time is always passed in.

use std::collections::HashMap;

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::{any, prop_assert, prop_assert_eq, prop_oneof, proptest, Just};
use proptest::strategy::Strategy as _;

use super::rules::{CallerId, Channel, MenuId, Route, Strategy, Target};
use super::*;
use crate::ids::AssistantId;

const BASE: &str = r#"
client = "test-clinic"
name = "Test Clinic"
numbers = ["+12125550100", "+12125550101"]
timezone = "America/New_York"

[hours]
mon = ["09:00-17:00"]
tue = ["09:00-17:00"]
closed = ["2026-12-25"]

[[assistants]]
id = "ann"
phone = "+12125550111"
priority = 1

[[assistants]]
id = "bob"
phone = "+12125550112"
priority = 2
screen = false

[[assistants]]
id = "cat"
phone = "+12125550113"
priority = 3

[open]
strategy = "priority"
screen = true
then = ["external", "voicemail"]

[external]
phone = "+16465550199"

[voicemail]
greeting = "Leave a message."
"#;

fn rules() -> Rules {
    parse(BASE).expect("the base rules are valid")
}

fn id(s: &str) -> AssistantId {
    AssistantId::parse(s).unwrap()
}

/// Tuesday 2026-12-01 10:00 in New York.
fn tuesday_10am() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 15, 0, 0).unwrap()
}

fn call(rules: &Rules, at: DateTime<Utc>, menu: MenuChoice, off: &[(&str, Unavailable)], rotation: u64) -> Decision {
    let unavailable: HashMap<_, _> = off.iter().map(|(a, why)| (id(a), *why)).collect();
    decide(
        rules,
        at,
        &CallInput {
            called: "+12125550101",
            at_menu: MenuId::TOP,
            menu,
            language: None,
            unavailable: &unavailable,
            rotation,
            from: None,
            spoke_with: None,
        },
    )
}

#[test]
fn open_hours_ring_assistants_in_priority_order_then_fall_back() {
    let d = call(&rules(), tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert_eq!(d.labels(), ["ann", "bob", "cat", "external", "voicemail"]);
    assert!(
        d.trace(&rules())
            .iter()
            .any(|l| l.starts_with("Open: Tuesday hours 9:00 AM-5:00 PM")),
        "{:?}",
        d.trace(&rules())
    );
}

#[test]
fn closed_hours_go_to_voicemail_and_say_when_the_business_opens() {
    let d = call(
        &rules(),
        Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap(),
        MenuChoice::NotAsked,
        &[],
        0,
    );
    assert_eq!(d.labels(), ["voicemail"]);
    assert_eq!(
        d.status.next_open,
        Some(Utc.with_ymd_and_hms(2026, 12, 7, 14, 0, 0).unwrap())
    );
    let trace = d.trace(&rules());
    assert!(
        trace.iter().any(|l| l.contains("opens Mon 7 Dec 2026, 9:00 AM")),
        "{trace:?}"
    );
    assert_eq!(trace[0], "Call at Wed 2 Dec 2026, 10:00 AM EST");
}

#[test]
fn a_holiday_closes_a_normal_weekday() {
    let mut r = rules();
    r.hours.weekly[4] = vec!["09:00-17:00".parse().unwrap()];
    let d = call(
        &r,
        Utc.with_ymd_and_hms(2026, 12, 25, 15, 0, 0).unwrap(),
        MenuChoice::NotAsked,
        &[],
        0,
    );
    assert_eq!(d.labels(), ["voicemail"]);
    assert!(
        d.trace(&rules())
            .iter()
            .any(|l| l.contains("Closed: holiday 25 Dec 2026")),
        "{:?}",
        d.trace(&rules())
    );
}

#[test]
fn unavailable_assistants_are_skipped_and_the_trace_says_why() {
    let d = call(
        &rules(),
        tuesday_10am(),
        MenuChoice::NotAsked,
        &[("ann", Unavailable::OffDuty), ("cat", Unavailable::OnCall)],
        0,
    );
    assert_eq!(d.labels(), ["bob", "external", "voicemail"]);
    assert!(d.trace(&rules()).contains(&"ann is skipped: off duty".to_owned()));
    assert!(d
        .trace(&rules())
        .contains(&"cat is skipped: on another call".to_owned()));
}

#[test]
fn the_chain_fixed_at_arrival_comes_back_from_who_was_away_then() {
    let arrival = call(
        &rules(),
        tuesday_10am(),
        MenuChoice::NotAsked,
        &[("bob", Unavailable::OffDuty)],
        0,
    );
    let away: Vec<&AssistantId> = arrival.skipped().collect();
    assert_eq!(away, [&id("bob")]);
    let again = call(
        &rules(),
        tuesday_10am(),
        MenuChoice::NotAsked,
        &[("bob", Unavailable::WhenRouted)],
        0,
    );
    assert_eq!(again.steps, arrival.steps);
}

#[test]
fn a_later_step_passes_over_whoever_became_busy_and_keeps_the_rest_in_order() {
    let arrival = call(&rules(), tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert_eq!(arrival.labels(), ["ann", "bob", "cat", "external", "voicemail"]);
    let busy: HashMap<_, _> = [(id("bob"), Unavailable::OnCall), (id("cat"), Unavailable::OffDuty)].into();
    let next = arrival.next_step(Some(0), &busy);
    assert_eq!(next.step.as_ref().map(Step::label).as_deref(), Some("external"));
    assert_eq!(next.step.as_ref().map(|s| s.index), Some(3));
    let said: Vec<String> = next.passed.iter().map(|w| w.describe(&rules())).collect();
    assert_eq!(
        said,
        [
            "Step 2: bob is not rung: took another call after this call came in",
            "Step 3: cat is not rung: went off duty after this call came in"
        ]
    );
    // Nobody busy: the very next step, nothing passed over.
    let free = arrival.next_step(Some(0), &HashMap::new());
    assert_eq!(free.step.map(|s| s.label()).as_deref(), Some("bob"));
    assert!(free.passed.is_empty());
}

#[test]
fn a_dial_of_several_rings_only_those_still_free_and_past_the_end_is_nothing() {
    let mut r = rules();
    r.open.strategy = Some(Strategy::Simultaneous);
    let arrival = call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert_eq!(arrival.labels(), ["ann+bob+cat", "external", "voicemail"]);
    let busy: HashMap<_, _> = [(id("bob"), Unavailable::OnCall)].into();
    let first = arrival.next_step(None, &busy);
    assert_eq!(first.step.map(|s| s.label()).as_deref(), Some("ann+cat"));
    let last = arrival.steps.last().map(|s| s.index);
    assert_eq!(arrival.next_step(last, &busy).step, None);
}

#[test]
fn screening_follows_the_route_unless_the_assistant_overrides_it() {
    let d = call(&rules(), tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    let screened: Vec<bool> = d
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            Action::Dial { targets, .. } => Some(targets[0].screen),
            _ => None,
        })
        .collect();
    assert_eq!(screened, [true, false, true, false]);
}

#[test]
fn business_caller_id_shows_the_number_that_was_called() {
    let mut r = rules();
    r.open.caller_id = CallerId::Business;
    let d = call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    let Action::Dial { caller_id, .. } = &d.steps[0].action else {
        panic!("a dial")
    };
    assert_eq!(caller_id.as_ref().map(|n| n.as_str()), Some("+12125550101"));
    let d = call(&rules(), tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    let Action::Dial { caller_id, .. } = &d.steps[0].action else {
        panic!("a dial")
    };
    assert_eq!(*caller_id, None, "the caller's own number is Twilio's default");
}

#[test]
fn round_robin_starts_where_the_last_call_stopped() {
    let mut r = rules();
    r.open.strategy = Some(Strategy::RoundRobin);
    let firsts: Vec<String> = (0..4)
        .map(|n| call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], n).labels()[0].clone())
        .collect();
    assert_eq!(firsts, ["ann", "bob", "cat", "ann"]);
    let d = call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], 1);
    assert_eq!(d.labels(), ["bob", "cat", "ann", "external", "voicemail"]);
}

#[test]
fn simultaneous_rings_everyone_available_in_one_dial() {
    let mut r = rules();
    r.open.strategy = Some(Strategy::Simultaneous);
    let d = call(
        &r,
        tuesday_10am(),
        MenuChoice::NotAsked,
        &[("bob", Unavailable::OffDuty)],
        0,
    );
    assert_eq!(d.labels(), ["ann+cat", "external", "voicemail"]);
}

#[test]
fn a_chain_without_voicemail_ends_with_an_apology() {
    let mut r = rules();
    r.open.then = vec![Target::External];
    let d = call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert_eq!(d.labels(), ["ann", "bob", "cat", "external", "apology"]);
}

#[test]
fn recording_is_asked_for_on_every_dial_of_a_recorded_route() {
    let mut r = rules();
    r.open.record = true;
    let d = call(&r, tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert!(d.steps.iter().all(|s| match &s.action {
        Action::Dial { record, .. } => *record,
        _ => true,
    }));
}

const MENU: &str = r#"
[menu]
prompt = "Press 1 for sales, 2 for a message."
input = ["dtmf", "speech"]
retries = 1
default = "1"

[menu.options.1]
speech = ["sales"]
strategy = "priority"
assistants = ["cat", "ann"]
then = ["voicemail"]

[menu.options.2]
then = ["voicemail"]
"#;

fn menu_rules() -> Rules {
    parse(&format!("{BASE}{MENU}")).expect("valid menu rules")
}

#[test]
fn an_open_business_with_a_menu_plays_it_first() {
    let d = call(&menu_rules(), tuesday_10am(), MenuChoice::NotAsked, &[], 0);
    assert_eq!(d.labels(), ["menu"]);
}

#[test]
fn menu_options_branch_to_their_own_route() {
    let r = menu_rules();
    assert_eq!(
        call(&r, tuesday_10am(), MenuChoice::Option('1'), &[], 0).labels(),
        ["ann", "cat", "voicemail"]
    );
    assert_eq!(
        call(&r, tuesday_10am(), MenuChoice::Option('2'), &[], 0).labels(),
        ["voicemail"]
    );
}

#[test]
fn menu_input_resolves_by_key_or_by_speech_then_retries_then_defaults() {
    let r = menu_rules();
    let top = MenuId::TOP;
    assert_eq!(
        menu::resolve(&r, top, Some("2"), None, 0).choice,
        MenuChoice::Option('2')
    );
    assert_eq!(
        menu::resolve(&r, top, None, Some("I'd like Sales please"), 0).choice,
        MenuChoice::Option('1')
    );
    assert_eq!(
        menu::resolve(&r, top, Some("9"), None, 0).choice,
        MenuChoice::Retry { attempt: 1 }
    );
    assert_eq!(menu::resolve(&r, top, Some(""), None, 1).choice, MenuChoice::Default);
    assert_eq!(
        call(&r, tuesday_10am(), MenuChoice::Default, &[], 0).labels(),
        ["ann", "cat", "voicemail"]
    );
    let again = call(&r, tuesday_10am(), MenuChoice::Retry { attempt: 1 }, &[], 0);
    // The prompt again; the words saying it was not understood are the TwiML's.
    assert!(matches!(&again.steps[0].action, Action::Menu { attempt: 1, .. }));
}

#[test]
fn a_closed_business_skips_its_menu() {
    let d = call(
        &menu_rules(),
        Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap(),
        MenuChoice::NotAsked,
        &[],
        0,
    );
    assert_eq!(d.labels(), ["voicemail"]);
}

#[test]
fn the_round_robin_route_is_named_only_when_the_call_takes_it() {
    let mut r = rules();
    r.open.strategy = Some(Strategy::RoundRobin);
    assert_eq!(
        rotation_route(&r, tuesday_10am(), MenuId::TOP, MenuChoice::NotAsked, None),
        Some(RouteKey::Open)
    );
    let closed = Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap();
    assert_eq!(
        rotation_route(&r, closed, MenuId::TOP, MenuChoice::NotAsked, None),
        None
    );
}

fn line_of(source: &str, message_part: &str) -> usize {
    let errors = parse(source).expect_err("should be refused");
    errors
        .0
        .iter()
        .find(|e| e.message.contains(message_part))
        .unwrap_or_else(|| panic!("no error containing {message_part:?} in {errors:?}"))
        .line
}

/// The 1-based line of `source` that contains `text`.
fn line_containing(source: &str, text: &str) -> usize {
    source
        .lines()
        .position(|l| l.contains(text))
        .expect("text is in the source")
        + 1
}

#[test]
fn rule_errors_point_at_their_line() {
    let cases = [
        ("phone = \"+12125550112\"", "phone = \"212-555-0112\"", "E.164"),
        (
            "timezone = \"America/New_York\"",
            "timezone = \"Mars/Olympus\"",
            "unknown time zone",
        ),
        ("strategy = \"priority\"", "strategy = \"random\"", "unknown variant"),
        ("mon = [\"09:00-17:00\"]", "mon = [\"9-5\"]", "HH:MM"),
    ];
    for (good, bad, message) in cases {
        let source = BASE.replace(good, bad);
        assert_eq!(line_of(&source, message), line_containing(&source, bad), "{bad}");
    }
}

#[test]
fn lints_refuse_what_would_hurt_callers() {
    let silent = BASE.replace("then = [\"external\", \"voicemail\"]", "then = [\"external\"]");
    line_of(&silent, "can end in silence");
    let long = BASE.replace(
        "greeting = \"Leave a message.\"",
        "greeting = \"Hi\"\nmax_seconds = 300\ntranscribe = true",
    );
    line_of(&long, "only transcribes recordings up to 120");
    let unknown = BASE.replace(
        "strategy = \"priority\"",
        "strategy = \"priority\"\nassistants = [\"zed\"]",
    );
    line_of(&unknown, "unknown assistant `zed`");
    let nobody = BASE
        .replace("strategy = \"priority\"\n", "")
        .replace("[\"external\", \"voicemail\"]", "[\"voicemail\"]");
    line_of(&nobody, "rings nobody");
    let no_vm = BASE.replace("[voicemail]\ngreeting = \"Leave a message.\"", "");
    line_of(&no_vm, "no [voicemail] section");
}

#[test]
fn rule_file_tests_fail_with_the_line_of_the_case() {
    let source = format!("{BASE}\n[[tests]]\nat = \"2026-12-01T10:00\"\nexpect = [\"voicemail\"]\n");
    let rules = parse(&source).unwrap();
    let failures = cases::run(&rules);
    assert_eq!(failures.len(), 1);
    assert_eq!(
        failures[0].line,
        source.lines().position(|l| l == "[[tests]]").unwrap() + 1
    );
    assert!(failures[0]
        .message
        .contains("expected [voicemail] but got [ann, bob, cat, external, voicemail]"));
}

fn any_route(n: usize) -> impl proptest::strategy::Strategy<Value = Route> {
    (
        proptest::option::of(prop_oneof![
            Just(super::rules::Strategy::Priority),
            Just(super::rules::Strategy::RoundRobin),
            Just(super::rules::Strategy::Simultaneous)
        ]),
        proptest::collection::vec(
            prop_oneof![Just(Target::External), Just(Target::Queue), Just(Target::Voicemail)],
            0..4,
        ),
        proptest::sample::subsequence((0..n).collect::<Vec<_>>(), 0..=n),
    )
        .prop_map(|(strategy, then, picked)| Route {
            strategy,
            assistants: picked.iter().map(|i| id(["ann", "bob", "cat"][*i])).collect(),
            ring_seconds: 20,
            screen: false,
            caller_id: CallerId::Caller,
            record: false,
            then,
        })
}

proptest! {
    /// Whatever the rules (even ones validation would refuse), whoever is away, whoever
    /// calls (a VIP, a blocked caller, one an assistant spoke with lately), the caller
    /// always ends up hearing a voice, or a blocked caller is rejected on purpose; a
    /// queue, which the caller leaves after its longest wait, never ends a chain.
    #[test]
    fn every_chain_ends_in_speech(
        open in any_route(3),
        after in any_route(3),
        vip in any_route(3),
        has_vm in any::<bool>(),
        has_ext in any::<bool>(),
        has_queue in any::<bool>(),
        away in proptest::sample::subsequence(vec!["ann", "bob", "cat"], 0..=3),
        minutes in 0i64..(60 * 24 * 14),
        rotation in any::<u64>(),
        caller in 0usize..3,
        reject in any::<bool>(),
        spoke in proptest::option::of(prop_oneof![Just("ann"), Just("bob"), Just("cat")]),
    ) {
        let mut r = rules();
        r.open = open;
        r.after_hours = after;
        if !has_vm { r.voicemail = None; }
        if !has_ext { r.external = None; }
        if has_queue { r.queue = Some(super::queue_tests::queue()); }
        let [ordinary, vip_caller, blocked]: [crate::phone::E164; 3] =
            ["+19175550140", "+19175550141", "+19175550142"].map(|n| crate::phone::E164::parse(n).unwrap());
        r.vip = Some(super::rules::Vip { numbers: vec![vip_caller.clone()], route: vip });
        r.block = Some(super::rules::Block {
            numbers: vec![blocked.clone()],
            answer: if reject {
                super::rules::BlockAnswer::Reject
            } else {
                super::rules::BlockAnswer::Message(super::rules::Spoken::Say("Goodbye.".into()))
            },
        });
        let from = [ordinary, vip_caller, blocked][caller].to_string();
        let spoke = spoke.map(id);
        let unavailable: HashMap<_, _> = away.iter().map(|a| (id(a), Unavailable::OffDuty)).collect();
        let at = tuesday_10am() + chrono::Duration::minutes(minutes);
        let input = CallInput {
            called: "+12125550101",
            at_menu: MenuId::TOP,
            menu: MenuChoice::NotAsked,
            language: None,
            unavailable: &unavailable,
            rotation,
            from: Some(&from),
            spoke_with: spoke.as_ref(),
        };
        let d = decide(&r, at, &input);
        let last = d.steps.last();
        prop_assert!(last.is_some_and(|s| s.speaks() || s.action.rejects()), "{:?}", d.labels());
        prop_assert!(last.is_some_and(|s| !s.action.rejects()) || caller == 2, "{:?}", d.labels());
        let queued = d.steps.iter().filter(|s| matches!(s.action, Action::Queue { .. }));
        for q in queued {
            prop_assert!(d.steps.iter().any(|s| s.index > q.index && s.speaks()), "{:?}", d.labels());
        }
    }

    /// Over N consecutive positions, each available assistant is offered first
    /// N/k times, give or take one.
    #[test]
    fn round_robin_is_fair_within_one(calls in 1u64..200, start in 0u64..1000, away in proptest::sample::subsequence(vec!["ann", "bob", "cat"], 0..=2)) {
        let mut r = rules();
        r.open.strategy = Some(super::rules::Strategy::RoundRobin);
        let off: Vec<(&str, Unavailable)> = away.iter().map(|a| (*a, Unavailable::OffDuty)).collect();
        let mut counts: HashMap<String, u64> = HashMap::new();
        for n in start..start + calls {
            let first = call(&r, tuesday_10am(), MenuChoice::NotAsked, &off, n).labels()[0].clone();
            *counts.entry(first).or_default() += 1;
        }
        let available = 3 - away.len() as u64;
        prop_assert_eq!(counts.len() as u64, available.min(calls));
        let (lo, hi) = (calls / available, calls.div_ceil(available));
        for c in counts.values() {
            prop_assert!(*c >= lo && *c <= hi, "{:?}", counts);
        }
    }
}

/// The base rules with Ann on mornings only (and an overnight Monday), away on 2026-12-02.
fn with_shifts() -> Rules {
    let text = BASE.replace(
        "[[assistants]]\nid = \"bob\"",
        "[assistants.shifts]\nmon = [\"22:00-06:00\"]\ntue = [\"08:00-12:00\"]\nwed = [\"08:00-12:00\"]\nclosed = [\"2026-12-02\"]\n\n[[assistants]]\nid = \"bob\"",
    );
    parse(&text).expect("shifts are written as [hours] is")
}

#[test]
fn an_assistant_is_rung_only_on_their_own_shifts_and_the_trace_says_so() {
    let rules = with_shifts();
    let at = |d, h| Utc.with_ymd_and_hms(2026, 12, d, h, 0, 0).unwrap();
    // Tuesday 10:00 in New York: on shift.
    assert_eq!(call(&rules, at(1, 15), MenuChoice::NotAsked, &[], 0).labels()[0], "ann");
    // Tuesday 13:00: past the shift, so Bob first.
    let d = call(&rules, at(1, 18), MenuChoice::NotAsked, &[], 0);
    assert_eq!(d.labels(), ["bob", "cat", "external", "voicemail"]);
    assert!(
        d.trace(&rules).iter().any(|l| l == "ann is skipped: not on shift"),
        "{:?}",
        d.trace(&rules)
    );
    // Wednesday 10:00 would be a shift, but Ann is away that day.
    let mut open_wednesday = rules.clone();
    open_wednesday.hours.weekly[2] = vec!["09:00-17:00".parse().unwrap()];
    assert_eq!(
        call(&open_wednesday, at(2, 15), MenuChoice::NotAsked, &[], 0).labels()[0],
        "bob"
    );
    // Her overnight Monday shift runs into Tuesday 06:00: rung at 05:00 when the business is open.
    let mut open_at_night = rules.clone();
    open_at_night.hours.weekly[1] = vec!["00:00-23:59".parse().unwrap()];
    assert_eq!(
        call(&open_at_night, at(1, 10), MenuChoice::NotAsked, &[], 0).labels()[0],
        "ann"
    );
    assert_eq!(
        call(&open_at_night, at(1, 12), MenuChoice::NotAsked, &[], 0).labels()[0],
        "bob"
    );
}

#[test]
fn an_assistant_without_shifts_is_rung_whenever_the_route_rings() {
    let rules = rules();
    assert!(rules
        .assistants
        .iter()
        .all(|a| a.shifts.is_none() && a.on_shift(rules.timezone, tuesday_10am())));
}

#[test]
fn a_daily_summary_needs_a_time_and_known_assistants_each_refused_on_its_line() {
    let good = format!("{BASE}\n[alerts]\ndaily_summary = {{ at = \"18:00\", to = [\"ann\"] }}\n");
    let summary = parse(&good).unwrap().messaging.daily_summary.unwrap();
    assert_eq!((summary.at.to_string().as_str(), summary.to.len()), ("18:00:00", 1));
    let bad_time = format!("{BASE}\n[alerts]\ndaily_summary = {{ at = \"6pm\", to = [\"ann\"] }}\n");
    assert_eq!(
        line_of(&bad_time, "not a time like 18:00"),
        line_containing(&bad_time, "6pm")
    );
    let nobody = format!("{BASE}\n[alerts]\ndaily_summary = {{ at = \"18:00\", to = [\"zed\"] }}\n");
    assert_eq!(
        line_of(&nobody, "unknown assistant `zed`"),
        line_containing(&nobody, "zed")
    );
}

#[test]
fn assistants_are_texted_unless_they_choose_e_mail_with_an_address_each_mistake_on_its_line() {
    let rules = rules();
    assert!(rules
        .assistants
        .iter()
        .all(|a| a.alerts == [Channel::Sms] && a.email.is_none()));
    let both = BASE.replace(
        "[[assistants]]\nid = \"bob\"",
        "email = \"ann@example.com\"\nalerts = [\"sms\", \"email\", \"email\"]\n\n[[assistants]]\nid = \"bob\"",
    );
    let ann = parse(&both).unwrap().assistants.remove(0);
    assert_eq!(
        (ann.email.as_deref(), ann.alerts.as_slice()),
        (Some("ann@example.com"), [Channel::Sms, Channel::Email].as_slice())
    );
    let no_address = BASE.replace(
        "[[assistants]]\nid = \"bob\"",
        "alerts = [\"email\"]\n\n[[assistants]]\nid = \"bob\"",
    );
    assert_eq!(
        line_of(&no_address, "alerts by e-mail need this assistant's address"),
        line_containing(&no_address, "alerts = [\"email\"]")
    );
    let typo = BASE.replace(
        "[[assistants]]\nid = \"bob\"",
        "email = \"ann.example.com\"\n\n[[assistants]]\nid = \"bob\"",
    );
    assert_eq!(
        line_of(&typo, "`ann.example.com` is not an e-mail address"),
        line_containing(&typo, "ann.example.com")
    );
}

#[test]
fn accepting_a_changed_check_rewrites_its_expect_and_keeps_every_comment() {
    let source = format!(
        "{BASE}\n# the morning check\n[[tests]]\nat = \"2026-12-01T10:00\"   # a Tuesday\nexpect = [\"voicemail\"]   # what should happen\n"
    );
    let rules = parse(&source).expect("it parses; only its check fails");
    let changed: Vec<cases::Changed> = cases::failures(&rules)
        .into_iter()
        .map(|f| match f {
            cases::Failure::Changed(c) => c,
            cases::Failure::Error(e) => panic!("{e:?}"),
        })
        .collect();
    assert_eq!(changed.len(), 1);
    let accepted = cases::accept(&source, &changed).unwrap();
    assert!(
        accepted.contains("# the morning check\n[[tests]]\nat = \"2026-12-01T10:00\"   # a Tuesday\n"),
        "{accepted}"
    );
    assert!(
        accepted.contains(&format!(
            "expect = [{}]   # what should happen",
            changed[0]
                .got
                .iter()
                .map(|l| format!("\"{l}\""))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        "{accepted}"
    );
    let again = parse(&accepted).unwrap();
    assert!(
        cases::failures(&again).is_empty(),
        "the accepted file passes its checks"
    );
}

#[test]
fn consent_and_auto_reply_settings_are_read_and_checked() {
    let defaults = rules().messaging;
    assert!(!defaults.opt_in_required);
    assert_eq!(defaults.auto_reply_every_hours, 24);
    let with = |lines: &str| parse(&format!("{BASE}\n[sms]\n{lines}\n"));
    let m = with("opt_in = \"required\"\nopt_in_keywords = [\"join\", \" Yes2 \"]\nauto_reply_every_hours = 0")
        .unwrap()
        .messaging;
    assert!(m.opt_in_required);
    assert_eq!(m.opt_in_keywords, ["JOIN", "YES2"]);
    assert_eq!(m.auto_reply_every_hours, 0);
    assert!(!with("opt_in = \"implied\"").unwrap().messaging.opt_in_required);
    for (lines, says) in [
        ("opt_in = \"always\"", "opt_in must be"),
        ("opt_in_keywords = [\"join us\"]", "one word"),
        ("auto_reply_every_hours = 9000", "at most 8760"),
        ("auto_reply_closed = \"{{ if x }}\"", "only variables"),
    ] {
        let err = with(lines).unwrap_err().render("t.toml");
        assert!(err.contains(says), "{lines}: {err}");
    }
}

#[test]
fn recordings_play_wherever_words_are_said_and_only_from_https() {
    let text = BASE
        .replace(
            "greeting = \"Leave a message.\"",
            "greeting = { play = \"https://media.example.com/greeting.mp3\" }",
        )
        .replace(
            "timezone = \"America/New_York\"\n",
            "timezone = \"America/New_York\"\napology = { play = \"https://media.example.com/sorry.mp3\" }\n",
        );
    let mut r = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    let play = |u: &str| super::rules::Spoken::Play(u.into());
    assert_eq!(
        r.voicemail.as_ref().unwrap().greeting,
        play("https://media.example.com/greeting.mp3")
    );
    assert_eq!(r.apology, play("https://media.example.com/sorry.mp3"));
    r.voicemail = None;
    r.external = None;
    let everyone = [
        ("ann", Unavailable::OffDuty),
        ("bob", Unavailable::OffDuty),
        ("cat", Unavailable::OffDuty),
    ];
    let d = call(&r, tuesday_10am(), MenuChoice::NotAsked, &everyone, 0);
    assert_eq!(
        d.steps.last().unwrap().action,
        Action::Apology {
            message: play("https://media.example.com/sorry.mp3")
        }
    );

    for (written, problem) in [
        (
            "{ play = \"http://media.example.com/a.mp3\" }",
            "recordings are played from an https:// address only",
        ),
        ("{ play = \"greeting.mp3\" }", "is not a web address"),
        ("{ play = \"https://\" }", "is not a web address"),
        (
            "{ url = \"https://media.example.com/a.mp3\" }",
            "write the words to say, or { play = \"https://…\" } for a recording",
        ),
    ] {
        let text = BASE.replace("greeting = \"Leave a message.\"", &format!("greeting = {written}"));
        assert_eq!(
            line_of(&text, problem),
            line_containing(&text, "greeting = "),
            "{written}"
        );
    }
}
