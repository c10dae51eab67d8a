//! Menus within menus and a language chosen at a menu, walked by signed webhooks as Twilio
//! sends them: which menu the caller is at and the language they chose travel in the
//! callback URLs, and every later step (the next menu, the whisper, the voicemail greeting
//! and its goodbye) speaks that language.

use crate::chain::{office, sid, trace, ANN, BOB, OFFICE};
use crate::helpers::{Answer, TestApp, CALLER};

const MENUS: &str = r#"[open]
strategy = "priority"
then = ["voicemail"]

[menu]
prompt = "For sales press 1. For billing press 2. Para español, oprima 9."

[menu.options.1]
strategy = "priority"
assistants = ["ann"]
screen = true
then = ["voicemail"]

[menu.options.2]
menu = "billing"

[menu.options.9]
language = "es-US"

[menus.billing]
prompt = "For an invoice press 1. To pay press 2."

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
greeting = "Deje su mensaje después del tono."
goodbye = "Gracias. Adiós."
whisper = "Llamada en español para {client} de {caller}. Oprima 1 para aceptar."
"#;

/// The caller pressing `key` at the menu `answer` played.
async fn press(app: &TestApp, answer: &Answer, call: &str, key: &str) -> Answer {
    let action = answer
        .first("Gather")
        .attr("action")
        .unwrap_or_else(|| panic!("no menu in {}", answer.body))
        .to_owned();
    let form = [
        ("CallSid", call),
        ("From", CALLER),
        ("To", OFFICE),
        ("CallStatus", "in-progress"),
        ("Digits", key),
    ];
    let next = app.post(&action, &form).await;
    next.assert_twiml();
    next
}

#[tokio::test]
async fn a_key_at_the_first_menu_opens_the_billing_menu_whose_key_rings_its_route() {
    let (app, _dir) = office(MENUS).await;
    let call = sid('a', 1);
    let first = app.call(&call, OFFICE).await;
    assert!(
        first.first("Say").text.starts_with("For sales press 1."),
        "{}",
        first.body
    );

    let billing = press(&app, &first, &call, "2").await;
    assert_eq!(billing.verbs(), ["Gather", "Say"]);
    assert_eq!(billing.first("Say").text, "For an invoice press 1. To pay press 2.");
    let action = billing.first("Gather").attr("action").unwrap().to_owned();
    assert!(
        action.contains("&menu=1&"),
        "the billing menu travels in the URL: {action}"
    );

    // A key no option has: the billing menu again, not the first one.
    let again = press(&app, &billing, &call, "7").await;
    assert_eq!(again.all("Say")[1].text, "For an invoice press 1. To pay press 2.");

    let dial = press(&app, &again, &call, "1").await;
    assert_eq!(dial.dialled(), [BOB]);
    let lines = trace(&app, &call).await;
    for said in [
        "Chose 2: the billing menu",
        "No valid choice: the billing menu plays again",
        "Chose 1",
    ] {
        assert!(lines.iter().any(|l| l == said), "{said:?} not in {lines:#?}");
    }
}

#[tokio::test]
async fn a_caller_who_chooses_spanish_hears_the_rest_of_the_call_in_spanish() {
    let (app, _dir) = office(MENUS).await;
    let call = sid('a', 2);
    let first = app.call(&call, OFFICE).await;

    let spanish = press(&app, &first, &call, "9").await;
    let say = spanish.first("Say");
    assert_eq!(say.text, "Para ventas, oprima 1. Para facturas, oprima 2.");
    assert_eq!(
        (say.attr("voice"), say.attr("language")),
        (Some("Polly.Lupe"), Some("es-US"))
    );
    assert!(spanish.first("Gather").attr("action").unwrap().contains("lang=es-US"));

    // Ann is rung, screened: her whisper tells her the caller chose Spanish.
    let dial = press(&app, &spanish, &call, "1").await;
    assert_eq!(dial.dialled(), [ANN]);
    let screen_url = dial.first("Number").attr("url").unwrap().to_owned();
    let whisper = app
        .post(
            &screen_url,
            &[
                ("CallSid", sid('b', 2).as_str()),
                ("ParentCallSid", call.as_str()),
                ("From", OFFICE),
                ("To", ANN),
            ],
        )
        .await;
    let said = whisper.first("Say");
    assert!(
        said.text.starts_with("Llamada en español para Small Office de 1 5 5 5"),
        "{}",
        whisper.body
    );
    assert_eq!(said.attr("language"), Some("es-US"));

    // Nobody takes it: the voicemail greeting, then the goodbye, in Spanish.
    let action = dial.first("Dial").attr("action").unwrap().to_owned();
    let voicemail = app.dial_result(&action, &call, OFFICE, "no-answer", &sid('b', 2)).await;
    let greeting = voicemail.first("Say");
    assert_eq!(greeting.text, "Deje su mensaje después del tono.");
    assert_eq!(greeting.attr("language"), Some("es-US"));
    let done = voicemail.first("Record").attr("action").unwrap().to_owned();
    let recording = "RE00000000000000000000000000000001";
    let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{recording}");
    let goodbye = app
        .post(
            &done,
            &[
                ("CallSid", call.as_str()),
                ("From", CALLER),
                ("To", OFFICE),
                ("RecordingSid", recording),
                ("RecordingUrl", url.as_str()),
                ("RecordingDuration", "12"),
            ],
        )
        .await;
    assert_eq!(goodbye.first("Say").text, "Gracias. Adiós.");
    assert_eq!(goodbye.first("Say").attr("language"), Some("es-US"));

    let lines = trace(&app, &call).await;
    assert!(
        lines
            .iter()
            .any(|l| l == "Chose 9: the rest of the call in Español (es-US)"),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_caller_who_chooses_no_language_hears_the_files_own_words_to_the_end() {
    let (app, _dir) = office(MENUS).await;
    let call = sid('a', 3);
    let first = app.call(&call, OFFICE).await;
    let dial = press(&app, &first, &call, "1").await;
    assert!(!dial.first("Number").attr("url").unwrap().contains("lang="));
    let action = dial.first("Dial").attr("action").unwrap().to_owned();
    let voicemail = app.dial_result(&action, &call, OFFICE, "no-answer", &sid('b', 3)).await;
    let greeting = voicemail.first("Say");
    assert_eq!(
        greeting.text,
        "You have reached the Small Office. Please leave a message."
    );
    assert_eq!(greeting.attr("language"), None);
}

#[tokio::test]
async fn try_a_call_follows_the_keys_pressed_at_each_menu_and_says_where_they_led() {
    let app = crate::helpers::spawn_app().await;
    let token = app.admin_token(None).await;
    let (session, _) = crate::console::sign_in(&app, &token).await;
    let path = "/admin/clients/sunrise-vet/try?at=2026-07-14T10:00&digits=4%2C2";
    let (status, page) = crate::console::get(&app, path, Some(&session)).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert!(page.contains("Chose 4: the prescriptions menu"), "{page}");
    assert!(page.contains("Dr Amy Chen") && page.contains("Dr Liam Walsh"), "{page}");
    // Only 4: the prescriptions menu is what the caller hears next.
    let path = "/admin/clients/sunrise-vet/try?at=2026-07-14T10:00&digits=4";
    let (_, page) = crate::console::get(&app, path, Some(&session)).await;
    assert!(page.contains("For a repeat prescription press 1."), "{page}");
}
