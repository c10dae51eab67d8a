//! The menu by form: one level edited, the rest kept as written.

use super::*;

const ACME: &str = include_str!("../../../routing-rules/acme-dental.toml");
const SUNRISE: &str = include_str!("../../../routing-rules/sunrise-vet.toml");

#[test]
fn the_menu_is_edited_by_form_one_level_and_written_as_the_file_writes_it() {
    let mut form = read(SUNRISE).unwrap();
    let menu = &form.menu;
    assert!(menu.on && menu.speech && menu.prompt.starts_with("Thank you for calling"));
    assert_eq!(
        (
            menu.timeout_seconds.as_str(),
            menu.retries.as_str(),
            menu.default.as_str()
        ),
        ("6", "1", "1")
    );
    let keys: Vec<&str> = menu.options.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["1", "2", "3", "4"]);
    assert_eq!(menu.options[1].route.strategy, "simultaneous");
    assert_eq!(menu.options[0].speech, "appointment, booking");

    // Messages move to 0; a new choice 5 rings the front desk for billing.
    form.menu.options[2].key = "0".into();
    form.menu.options.push(MenuOptionForm {
        key: "5".into(),
        speech: "billing, invoice".into(),
        route: RouteForm {
            strategy: "priority".into(),
            everyone: false,
            chosen: vec!["reception".into()],
            ..RouteForm::default()
        },
        ..MenuOptionForm::default()
    });
    let written = write(SUNRISE, &form).unwrap();
    assert!(
        written.contains("[menu.options.0]\nspeech = [\"message\"]"),
        "{written}"
    );
    assert!(!written.contains("[menu.options.3]"), "{written}");
    assert!(written.contains("# Sunrise Veterinary Clinic"), "comments kept");
    let rules = crate::routing::parse(&written).unwrap_or_else(|e| panic!("{}\n{written}", e.render("form")));
    let menu = rules.menu.expect("a menu");
    let billing = menu.options.iter().find(|o| o.digit == '5').expect("choice 5");
    assert_eq!(billing.speech, ["billing", "invoice"]);
    assert_eq!(
        billing.route.assistants.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
        ["reception"]
    );
    assert_eq!(read(&written).unwrap().menu.options.len(), 5);

    // A key used twice, and a default that is no longer a key: refused at their fields.
    form.menu.options[4].key = "2".into();
    form.menu.default = "9".into();
    let refused = write(SUNRISE, &form).unwrap_err();
    assert!(refused["menu.option.4.key"].contains("used twice"), "{refused:?}");
    assert!(refused.contains_key("menu.default"), "{refused:?}");
}

#[test]
fn a_menu_added_to_a_business_without_one_and_turned_off_again() {
    let mut form = read(ACME).unwrap();
    assert!(!form.menu.on);
    form.menu.on = true;
    form.menu.prompt = "For appointments press 1. To leave a message press 2.".into();
    form.menu.options = vec![
        MenuOptionForm {
            key: "1".into(),
            route: RouteForm {
                strategy: "priority".into(),
                ..RouteForm::default()
            },
            ..MenuOptionForm::default()
        },
        MenuOptionForm {
            key: "2".into(),
            ..MenuOptionForm::default()
        },
    ];
    let written = write(ACME, &form).unwrap();
    let rules = crate::routing::parse(&written).unwrap_or_else(|e| panic!("{}\n{written}", e.render("form")));
    let menu = rules.menu.expect("a menu");
    assert_eq!(menu.options.len(), 2);
    assert_eq!(menu.options[0].route.assistants.len(), 2, "every assistant");
    assert!(menu.options[1].route.assistants.is_empty(), "straight to voicemail");
    let mut off = read(&written).unwrap();
    off.menu.on = false;
    assert_eq!(write(&written, &off).unwrap(), ACME);
}

#[test]
fn parts_of_a_menu_the_form_does_not_know_are_shown_and_kept_as_written() {
    let source = "[menu]\nprompt = { play = \"https://media.example.com/menu.mp3\" }\nlanguages = [\"en\", \"es\"]   # hello\n\n[menu.options.1]\nthen = [\"voicemail\"]\n\n[menu.options.2]\nthen = [\"menu\"]\nmenu = { prompt = \"Press 1 for billing.\" }\n";
    let mut form = read(source).unwrap();
    assert!(form.menu.prompt_kept());
    assert!(
        form.menu.kept.iter().any(|k| k.contains("languages")),
        "{:?}",
        form.menu.kept
    );
    assert!(form.menu.options[0].kept.is_none());
    let submenu = form.menu.options[1].kept.as_deref().unwrap_or_default();
    assert!(submenu.contains("Press 1 for billing."), "{submenu}");
    form.menu.options[0].speech = "messages".into();
    let written = write(source, &form).unwrap();
    assert!(written.contains("speech = [\"messages\"]"), "{written}");
    let untouched = "languages = [\"en\", \"es\"]   # hello\n";
    assert!(written.contains(untouched), "{written}");
    assert!(
        written.ends_with("[menu.options.2]\nthen = [\"menu\"]\nmenu = { prompt = \"Press 1 for billing.\" }\n"),
        "{written}"
    );
}
