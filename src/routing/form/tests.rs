use chrono::NaiveDate;

use super::*;
use crate::locale::LocalTime;
use crate::routing::schedule::Window;

const ACME: &str = include_str!("../../../routing-rules/acme-dental.toml");
const HARBOR: &str = include_str!("../../../routing-rules/harbor-plumbing.toml");
const SUNRISE: &str = include_str!("../../../routing-rules/sunrise-vet.toml");

fn checked(source: &str) -> crate::routing::Rules {
    let rules = crate::routing::parse(source).unwrap_or_else(|e| panic!("{}\n{source}", e.render("form")));
    let failures = crate::routing::cases::run(&rules);
    assert!(failures.is_empty(), "{failures:?}\n{source}");
    rules
}

fn day(date: &str) -> NaiveDate {
    NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap()
}

#[test]
fn a_form_saved_unchanged_leaves_the_text_exactly_as_it_was() {
    let bare = "client = \"bare\"\nname = \"Bare\"\nnumbers = [\"+12125550100\"]\ntimezone = \"UTC\"\n\n[open]\nthen = [\"voicemail\"]\n\n[voicemail]\ngreeting = \"Hello.\"\n";
    for source in [ACME, HARBOR, SUNRISE, bare] {
        let form = read(source).unwrap();
        assert_eq!(write(source, &form).unwrap(), source);
    }
}

#[test]
fn the_fields_read_as_an_office_manager_would_type_them() {
    let form = read(ACME).unwrap();
    assert_eq!(
        form.hours.days[0],
        vec![
            WindowForm {
                from: "09:00".into(),
                until: "12:30".into()
            },
            WindowForm {
                from: "13:30".into(),
                until: "17:00".into()
            },
        ]
    );
    assert!(form.hours.days[5].is_empty(), "closed on Saturdays");
    assert_eq!(
        form.hours.holidays[1],
        Holiday {
            date: "2026-12-25".into(),
            name: String::new()
        }
    );
    assert_eq!(
        form.hours.special[0],
        SpecialDay {
            date: "2026-12-24".into(),
            name: String::new(),
            hours: "09:00-12:00".into()
        }
    );
    let names: Vec<(&str, &str)> = form
        .assistants
        .iter()
        .map(|a| (a.name.as_str(), a.phone.as_str()))
        .collect();
    assert_eq!(
        names,
        [("Maria Lopez", "(212) 555-0111"), ("John Park", "(212) 555-0112")]
    );
    assert_eq!(form.open.strategy, "priority");
    assert!(form.open.screen && form.open.everyone);
    assert_eq!(form.open.then, "external");
    assert_eq!(form.external, "(646) 555-0199");
    assert_eq!(form.after_hours.strategy, "none");
    assert!(form.voicemail.transcribe);
}

#[test]
fn an_edit_keeps_every_comment_and_the_order_of_the_file() {
    let mut form = read(ACME).unwrap();
    form.hours.days[4].push(WindowForm {
        from: "17:00".into(),
        until: "18:00".into(),
    });
    form.hours.holidays.push(Holiday {
        date: "2026-12-26".into(),
        name: "Boxing Day".into(),
    });
    form.open.ring_seconds = "25".into();
    let written = write(ACME, &form).unwrap();
    for line in ACME
        .lines()
        .filter(|l| l.trim_start().starts_with('#') || l.contains(" # "))
    {
        assert!(written.contains(line), "comment kept: {line}");
    }
    assert!(written.contains(r#"fri = ["09:00-16:00", "17:00-18:00"]"#), "{written}");
    assert!(
        written.contains(r#"{ date = "2026-12-26", name = "Boxing Day" }"#),
        "{written}"
    );
    assert!(
        written.contains("ring_seconds = 25\nscreen = true"),
        "in place: {written}"
    );
    let keys = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with('['))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&written), keys(ACME), "sections in the file's order");
    let diff = similar::TextDiff::from_lines(ACME, &written);
    let changed: Vec<_> = diff
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .collect();
    assert_eq!(
        changed.len(),
        6,
        "three lines changed, each removed and added: {changed:?}"
    );
    let rules = crate::routing::parse(&written).unwrap();
    assert!(
        rules.hours.closed.contains(&day("2026-12-26")),
        "a named holiday is a holiday"
    );
}

#[test]
fn phones_typed_in_any_common_format_are_stored_as_e164() {
    let mut form = read(ACME).unwrap();
    for (name, typed) in [
        ("Ana", "(212) 555-0113"),
        ("Ben", "212.555.0114"),
        ("Cleo", "+44 7911 123401"),
    ] {
        form.assistants.push(AssistantForm {
            name: name.into(),
            phone: typed.into(),
            ..AssistantForm::default()
        });
    }
    let written = write(ACME, &form).unwrap();
    for stored in ["+12125550113", "+12125550114", "+447911123401"] {
        assert!(
            written.contains(&format!("phone = \"{stored}\"")),
            "{stored}: {written}"
        );
    }
    // The file's own checks now see five people rung: the console offers to update them.
    let rules = crate::routing::parse(&written).unwrap();
    let ids: Vec<&str> = rules.assistants.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["maria", "john", "ana", "ben", "cleo"], "new ones ring last");
}

#[test]
fn unusable_input_is_refused_at_its_field_in_words() {
    let mut form = read(ACME).unwrap();
    form.hours.days[0][0].until = "25:00".into();
    form.hours.holidays[0].date = "next friday".into();
    form.assistants[1].phone = "555".into();
    form.open.ring_seconds = "2".into();
    let problems = write(ACME, &form).unwrap_err();
    let fields: Vec<&str> = problems.keys().map(String::as_str).collect();
    assert_eq!(
        fields,
        [
            "assistant.1.phone",
            "holiday.0.date",
            "mon.0.until",
            "open.ring_seconds"
        ]
    );
    assert!(
        problems["assistant.1.phone"].contains("“555” is not a number"),
        "{problems:?}"
    );
}

#[test]
fn times_are_read_as_people_type_them() {
    let mut form = read(ACME).unwrap();
    form.hours.days[5] = vec![WindowForm {
        from: "9am".into(),
        until: "1:30 pm".into(),
    }];
    let written = write(ACME, &form).unwrap();
    assert!(written.contains(r#"sat = ["09:00-13:30"]"#), "{written}");
}

#[test]
fn a_window_past_midnight_reads_as_overnight_into_the_next_day() {
    let late: Window = "22:00-03:00".parse().unwrap();
    assert_eq!(
        day_notes(4, &[late], &LocalTime::UTC),
        ["22:00 to 03:00: overnight, until 03:00 Saturday"]
    );
    let split: Vec<Window> = ["09:00-12:30", "13:30-17:00"]
        .iter()
        .map(|w| w.parse().unwrap())
        .collect();
    assert_eq!(day_notes(0, &split, &LocalTime::UTC), ["Lunch break 12:30–13:30"]);
}

#[test]
fn an_end_typed_before_its_start_is_warned_about_in_words() {
    let mut form = read(ACME).unwrap();
    form.hours.days[4] = vec![WindowForm {
        from: "16:00".into(),
        until: "09:00".into(),
    }];
    let warned = warnings(&form, day("2026-11-01"), &LocalTime::UTC);
    assert_eq!(warned.len(), 1, "{warned:?}");
    assert_eq!(warned[0].field, "fri.0.until");
    assert_eq!(
        warned[0].message,
        "This runs overnight and rings staff from 16:00 Friday until 09:00 Saturday, 17 hours. \
         If you meant 09:00 to 16:00, swap the two times."
    );
    checked(&write(ACME, &form).unwrap());
}

#[test]
fn past_holidays_and_open_days_with_nobody_to_ring_are_warned_about() {
    let form = read(ACME).unwrap();
    let warned = warnings(&form, day("2026-12-01"), &LocalTime::UTC);
    let fields: Vec<&str> = warned.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(fields, ["holiday.0.date"], "Thanksgiving 2026 has passed: {warned:?}");
    let mut nobody = form;
    nobody.open.strategy = "none".into();
    let fields: Vec<String> = warnings(&nobody, day("2026-11-01"), &LocalTime::UTC)
        .into_iter()
        .map(|w| w.field)
        .collect();
    assert_eq!(fields, ["mon", "tue", "wed", "thu", "fri"]);
}

#[test]
fn removing_an_assistant_takes_them_out_of_the_menus_within_the_menu_too() {
    let mut form = read(SUNRISE).unwrap();
    let walsh = form.assistants.iter().position(|a| a.id == "dr-walsh").unwrap();
    form.assistants[walsh].remove = true;
    let written = write(SUNRISE, &form).unwrap();
    let prescriptions = &written[written.find("[menus.prescriptions.options.2]").unwrap()..];
    assert!(prescriptions.contains(r#"assistants = ["dr-chen"]"#), "{written}");
    assert!(crate::routing::parse(&written).is_ok(), "{written}");
}

#[test]
fn removing_an_assistant_takes_them_out_of_every_list_that_names_them() {
    let mut form = read(HARBOR).unwrap();
    let gone = form.assistants[0].id.clone();
    form.assistants[0].remove = true;
    let written = write(HARBOR, &form).unwrap();
    // Only the checks' expected outcomes still name them: the console offers to update those.
    let named: Vec<&str> = written.lines().filter(|l| l.contains(&format!("\"{gone}\""))).collect();
    assert!(named.iter().all(|l| l.starts_with("expect = ")), "{named:?}");
    assert!(
        written.contains(r#"assistants = ["olivia", "sam", "nell"]"#),
        "{written}"
    );
    assert!(written.contains(r#"notify = ["nell"]"#), "{written}");
    assert!(crate::routing::parse(&written).is_ok(), "{written}");
}

#[test]
fn reordering_rewrites_the_priorities_and_renaming_keeps_the_id() {
    let mut form = read(ACME).unwrap();
    form.assistants[0].order = "2".into();
    form.assistants[1].order = "1".into();
    form.assistants[1].name = "Johnny Park".into();
    let rules = crate::routing::parse(&write(ACME, &form).unwrap()).unwrap();
    let order: Vec<(&str, &str)> = rules
        .assistants
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    assert_eq!(order, [("john", "Johnny Park"), ("maria", "Maria Lopez")]);
}

#[test]
fn a_new_business_is_set_up_by_form_alone() {
    let source = new_business(&NewBusiness {
        id: "bright-smiles",
        name: "Bright Smiles",
        number: "+12125550150",
        timezone: "America/Chicago",
    });
    assert_eq!(
        source,
        "client = \"bright-smiles\"\nname = \"Bright Smiles\"\nnumbers = [\"+12125550150\"]\ntimezone = \"America/Chicago\"\n\n\
         [hours]  # open windows, local time; a day not listed is closed\n\n[open]\nthen = [\"voicemail\"]\n\n\
         [voicemail]\ngreeting = \"You have reached Bright Smiles. Please leave a message after the tone.\"\n"
    );
    checked(&source);
    let mut form = read(&source).unwrap();
    for d in 0..5 {
        form.hours.days[d] = vec![
            WindowForm {
                from: "08:30".into(),
                until: "12:00".into(),
            },
            WindowForm {
                from: "13:00".into(),
                until: "17:30".into(),
            },
        ];
    }
    form.hours.holidays = vec![
        Holiday {
            date: "2026-12-25".into(),
            name: "Christmas Day".into(),
        },
        Holiday {
            date: "2027-01-01".into(),
            name: "New Year's Day".into(),
        },
    ];
    for (name, phone) in [
        ("Rosa Diaz", "(212) 555-0161"),
        ("Sam Lee", "212.555.0162"),
        ("Tom Ng", "+1 212 555 0163"),
    ] {
        form.assistants.push(AssistantForm {
            name: name.into(),
            phone: phone.into(),
            ..AssistantForm::default()
        });
    }
    form.open.strategy = "round_robin".into();
    form.voicemail.transcribe = true;
    let written = write(&source, &form).unwrap();
    let rules = checked(&written);
    assert_eq!(rules.assistants.len(), 3);
    assert_eq!(rules.hours.closed.len(), 2);
    assert!(warnings(&read(&written).unwrap(), day("2026-12-01"), &LocalTime::UTC).is_empty());
}

#[test]
fn a_special_day_keeps_its_name_as_a_holiday_does() {
    let mut form = read(ACME).unwrap();
    form.hours.special[0].name = "Christmas Eve".into();
    form.hours.special[1].name = "New Year's Eve".into();
    let written = write(ACME, &form).unwrap();
    assert!(
        written.contains(r#"{ name = "Christmas Eve", hours = ["09:00-12:00"] }"#),
        "{written}"
    );
    let rules = checked(&written);
    assert_eq!(rules.hours.special[&day("2026-12-24")].len(), 1);
    assert!(rules.hours.special[&day("2026-12-31")].is_empty(), "no hours: closed");
    assert_eq!(read(&written).unwrap().hours.special, form.hours.special);

    // Written by hand as a table of its own, without hours.
    let by_hand = ACME.replace(
        r#"special = { "2026-12-24" = ["09:00-12:00"], "2026-12-31" = [] }"#,
        "special.\"2026-12-31\" = { name = \"New Year's Eve\" }",
    );
    assert_ne!(by_hand, ACME);
    let parsed = crate::routing::parse(&by_hand).unwrap_or_else(|e| panic!("{}", e.render("by hand")));
    assert!(parsed.hours.special[&day("2026-12-31")].is_empty());
    let read_back = read(&by_hand).unwrap().hours.special;
    assert_eq!(
        read_back,
        [SpecialDay {
            date: "2026-12-31".into(),
            name: "New Year's Eve".into(),
            hours: String::new(),
        }]
    );
}

#[test]
fn a_place_in_the_text_is_found_on_the_form_where_it_was_written_from() {
    let form = read(ACME).unwrap();
    let at = |needle: &str| {
        let (n, line) = (ACME.lines().enumerate())
            .find(|(_, l)| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}"));
        field_at(
            ACME,
            &form,
            n + 1,
            line[..line.find(needle).unwrap()].chars().count() + 1,
        )
    };
    for (needle, field) in [
        ("tue = ", Some("tue")),
        ("\"2026-12-25\"", Some("holiday.1.date")),
        ("\"2026-12-24\" =", Some("special.0.hours")),
        ("\"+12125550112\"", Some("assistant.1.phone")),
        ("name = \"Maria Lopez\"", Some("assistant.0.name")),
        ("[open]", Some("open.strategy")),
        ("ring_seconds = 20", Some("open.ring_seconds")),
        ("\"+16465550199\"", Some("external.phone")),
        ("max_seconds = 120", Some("voicemail.max_seconds")),
        ("transcript_wait_seconds", None),
        ("at = \"2026-12-01T12:45\"", None),
    ] {
        assert_eq!(at(needle).as_deref(), field, "{needle}");
    }
}

const QUEUED: &str = r#"client = "queued"
name = "Queued"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
tue = ["09:00-17:00"]

[[assistants]]
id = "ann"
name = "Ann Lee"
phone = "+12125550111"

[open]
strategy = "priority"
then = ["queue", "voicemail"]

[queue]
hold = "Please hold."
max_wait_seconds = 300

[external]
phone = "+16465550199"

[voicemail]
greeting = "Leave a message."
"#;

#[test]
fn the_queue_a_route_waits_in_stays_when_the_form_changes_the_route() {
    let form = read(QUEUED).unwrap();
    assert_eq!(form.queue_wait_seconds, Some(300));
    assert_eq!(form.open.then, "queue");
    let mut longer = form.clone();
    longer.open.ring_seconds = "30".into();
    let saved = write(QUEUED, &longer).unwrap();
    assert!(saved.contains("ring_seconds = 30"), "{saved}");
    assert!(saved.contains(r#"then = ["queue", "voicemail"]"#), "{saved}");
    checked(&saved);
    let mut outside_first = form;
    outside_first.open.then = "external+queue".into();
    let saved = write(QUEUED, &outside_first).unwrap();
    assert!(
        saved.contains(r#"then = ["external", "queue", "voicemail"]"#),
        "{saved}"
    );
    assert_eq!(read(&saved).unwrap().open.then, "external+queue");
    checked(&saved);
    let mut unknown = read(QUEUED).unwrap();
    unknown.open.then = "somewhere".into();
    assert!(write(QUEUED, &unknown).unwrap_err().contains_key("open.then"));
}
