//! Someone who has never seen TOML sets up a business by forms alone.

use std::process::Command;

use crate::browser::{with_browser, Browser};
use crate::helpers::*;

/// A field of the rules form by its name (names hold dots, which CSS ids would need escaped).
fn field(name: &str) -> String {
    format!("[name='{name}']")
}

async fn type_window(b: &Browser, day: &str, n: usize, from: &str, until: &str) {
    b.fill(&field(&format!("{day}.{n}.from")), from).await;
    b.fill(&field(&format!("{day}.{n}.until")), until).await;
}

#[tokio::test]
async fn a_new_business_is_set_up_by_forms_alone_tried_saved_and_passes_rules_check() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "rules_form", |b, _app| async move {
        b.sign_in(&token).await;
        b.click("a[href='/admin/new-client']").await;
        b.fill("#name", "Bright Smiles Dental").await;
        b.fill("#number", "555-01").await;
        b.fill("#timezone", "America/Chicago").await;
        b.click("form[action='/admin/new-client'] button.primary").await;
        assert!(b.text(".field-error").await.contains("“555-01” is not a phone number"));
        b.screenshot("new-business").await;
        b.fill("#number", "(312) 555-0150").await;
        b.click("form[action='/admin/new-client'] button.primary").await;
        assert_eq!(b.path().await, "/admin/clients/bright-smiles-dental/rules/form");
        assert!(b.text(".notice.good").await.contains("The business is set up"));

        // Two windows a day with a lunch break; first a Friday afternoon typed back to front.
        for day in ["mon", "tue", "wed", "thu"] {
            type_window(&b, day, 0, "08:30", "12:00").await;
            type_window(&b, day, 1, "13:00", "17:30").await;
        }
        type_window(&b, "fri", 0, "08:30", "12:00").await;
        type_window(&b, "fri", 1, "16:00", "09:00").await;
        b.fill(&field("holiday.0.date"), "2026-12-25").await;
        b.fill(&field("holiday.0.name"), "Christmas Day").await;
        b.fill(&field("holiday.1.date"), "2027-01-01").await;
        b.fill(&field("holiday.1.name"), "New Year's Day").await;
        for (n, (name, phone)) in [
            ("Rosa Diaz", "(312) 555-0161"),
            ("Sam Lee", "312.555.0162"),
            ("Tom Ng", "+1 312 555 0163"),
        ]
        .into_iter()
        .enumerate()
        {
            b.fill(&field(&format!("assistant.{n}.name")), name).await;
            b.fill(&field(&format!("assistant.{n}.phone")), phone).await;
        }
        b.fill(&field("open.strategy"), "round_robin").await;
        b.toggle(&field("voicemail.transcribe")).await;
        b.fill("#try_at", "2026-12-01T10:00").await;
        b.click("button[value=try]").await;
        let warning = b.text("[data-day=fri] .field-warning").await;
        assert!(
            warning.contains("until 9:00 AM Saturday, 17 hours") && warning.contains("swap the two times"),
            "{warning}"
        );
        assert!(b
            .text("[data-day=mon] .day-note")
            .await
            .contains("Lunch break 12:00 PM–1:00 PM"));
        let tried = b.text("#result .steps").await;
        assert!(tried.starts_with("Ring Rosa Diaz"), "{tried}");
        b.screenshot("rules-form-warned").await;

        type_window(&b, "fri", 1, "13:00", "17:30").await;
        b.fill("#comment", "Opening hours and the front desk").await;
        b.click("button[value=save]").await;
        assert!(
            b.text(".notice.good").await.contains("Saved as version 2"),
            "{}",
            b.text("main").await
        );
        let who = b.text("li.assistant[data-assistant=sam]").await;
        assert!(who.contains("On duty"), "{who}");
        assert_eq!(b.value(&field("assistant.1.phone")).await, "(312) 555-0162");
        b.screenshot("rules-form").await;

        // The Try a call page uses the saved rules: Christmas goes to voicemail, transcribed.
        b.goto("/admin/clients/bright-smiles-dental/try").await;
        b.fill("#at", "2026-12-25T10:00").await;
        b.click("form.try button[type=submit]").await;
        let christmas = b.text("#result .steps").await;
        assert!(
            christmas.starts_with("Voicemail") && christmas.contains("transcribed"),
            "{christmas}"
        );

        // The same text in Advanced, and it passes the command line's check.
        b.goto("/admin/clients/bright-smiles-dental/rules").await;
        let saved = b.value("#source").await;
        for written in [
            r#"mon = ["08:30-12:00", "13:00-17:30"]"#,
            r#"{ date = "2026-12-25", name = "Christmas Day" }"#,
            r#"phone = "+13125550162""#,
            r#"strategy = "round_robin""#,
            "transcribe = true",
        ] {
            assert!(saved.contains(written), "{written} in {saved}");
        }
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bright-smiles-dental.toml"), &saved).unwrap();
        let check = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["rules", "check", dir.path().to_str().unwrap()])
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
        assert!(String::from_utf8_lossy(&check.stdout).contains("1 files valid"));
    })
    .await;
}

#[tokio::test]
async fn a_third_receptionist_added_by_form_shows_the_checks_it_changes_and_saves_them_updated() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "rules_form_checks", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental").await;
        b.click("nav a[href='/admin/clients/acme-dental/rules/form']").await;
        assert_eq!(b.value(&field("assistant.0.phone")).await, "(212) 555-0111");
        b.fill(&field("assistant.2.name"), "Sam Lee").await;
        b.fill(&field("assistant.2.phone"), "212 555 0113").await;
        b.fill("#comment", "Sam joins the front desk").await;
        b.click("button[value=save]").await;
        let checks = b.text("#checks-h").await;
        assert!(checks.contains("come out differently"), "{checks}");
        let first = b.text(".checks li").await;
        assert!(
            first.contains("now ring Maria Lopez, then ring John Park, then ring Sam Lee"),
            "{first}"
        );
        b.screenshot("rules-form-checks").await;

        // Back to the form, the draft is still there, and saving it comes back here.
        b.click("button[value=back]").await;
        assert_eq!(b.path().await, "/admin/clients/acme-dental/rules/form");
        assert!(b.text(".notice.good").await.contains("not saved yet"));
        assert_eq!(b.value(&field("assistant.2.name")).await, "Sam Lee");
        assert_eq!(b.value(&field("assistant.2.phone")).await, "(212) 555-0113");
        assert_eq!(b.value("#comment").await, "Sam joins the front desk");
        b.click("button[value=save]").await;
        assert!(b.text("#checks-h").await.contains("come out differently"));
        b.click("button[value=accept]").await;
        assert_eq!(
            b.path().await,
            "/admin/clients/acme-dental/rules/form",
            "back to the form"
        );
        assert!(b.text(".notice.good").await.contains("Saved as version 2"));
        assert_eq!(b.value(&field("assistant.2.name")).await, "Sam Lee");
        b.goto("/admin/clients/acme-dental/rules").await;
        let saved = b.value("#source").await;
        assert!(
            saved.contains(r#"expect = ["maria", "john", "sam", "external", "voicemail"]"#),
            "{saved}"
        );
        assert!(
            saved.contains("# Acme Dental: a two-person front desk"),
            "comments kept"
        );
    })
    .await;
}

#[tokio::test]
async fn a_refused_save_is_marked_beside_its_field_and_a_special_day_keeps_its_name() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "rules_form_refused", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules/form").await;
        b.fill(&field("special.0.name"), "Christmas Eve").await;
        // Open hours with nobody rung: the form warns, the rules refuse, beside the choice.
        b.fill(&field("open.strategy"), "none").await;
        b.fill(&field("open.then"), "voicemail").await;
        b.click("button[value=save]").await;
        assert!(b.text(".notice.bad").await.contains("Not saved"));
        let beside = b.text("[data-route=open] .field-error").await;
        assert!(
            beside.contains("Nobody is rung while open: choose who takes calls") && !beside.contains("[open]"),
            "{beside}"
        );
        assert!(
            b.text("#refused-h + ul a").await.contains("Nobody is rung while open"),
            "listed at the top too, linked to the field"
        );
        assert_eq!(
            b.value(&field("special.0.name")).await,
            "Christmas Eve",
            "what was typed is kept"
        );
        b.screenshot("rules-form-refused").await;

        b.fill(&field("open.strategy"), "priority").await;
        b.fill(&field("open.then"), "external").await;
        b.click("button[value=save]").await;
        assert!(b.text(".notice.good").await.contains("Saved as version 2"));
        assert_eq!(b.value(&field("special.0.name")).await, "Christmas Eve");
        b.goto("/admin/clients/acme-dental/rules").await;
        let saved = b.value("#source").await;
        assert!(
            saved.contains(r#"2026-12-24 = { name = "Christmas Eve", hours = ["09:00-12:00"] }"#),
            "{saved}"
        );
    })
    .await;
}

#[tokio::test]
async fn the_menu_is_changed_by_form_and_the_text_keeps_the_rest() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "rules_form_menu", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/sunrise-vet/rules/form").await;
        assert_eq!(b.value(&field("menu.option.0.speech")).await, "appointment, booking");
        assert_eq!(b.value(&field("menu.option.2.key")).await, "3");
        // Choice 3 also hears "voicemail"; a new choice 5 rings the front desk for billing.
        b.fill(&field("menu.option.2.speech"), "message, voicemail").await;
        b.click("button[value=more]").await;
        b.fill(&field("menu.option.4.key"), "5").await;
        b.fill(&field("menu.option.4.speech"), "billing").await;
        b.fill(&field("menu.option.4.strategy"), "priority").await;
        b.toggle("[name='menu.option.4.who'][value=chosen]").await;
        for vet in ["dr-chen", "dr-walsh"] {
            b.toggle(&field(&format!("menu.option.4.rings.{vet}"))).await;
        }
        b.screenshot("rules-form-menu").await;
        b.click("button[value=save]").await;
        assert!(
            b.text(".notice.good").await.contains("Saved as version 2"),
            "{}",
            b.text("main").await
        );
        assert_eq!(b.value(&field("menu.option.4.speech")).await, "billing");
        b.goto("/admin/clients/sunrise-vet/rules").await;
        let saved = b.value("#source").await;
        for written in [
            "[menu.options.3]\nspeech = [\"message\", \"voicemail\"]",
            "[menu.options.5]\nspeech = [\"billing\"]\nstrategy = \"priority\"\nassistants = [\"reception\"]",
            "# Sunrise Veterinary Clinic",
        ] {
            assert!(saved.contains(written), "{written} in {saved}");
        }
    })
    .await;
}

/// Rules whose open route has callers wait in the queue before voicemail.
const QUEUED: &str = r#"client = "acme-dental"
name = "Acme Dental"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
tue = ["09:00-17:00"]

[[assistants]]
id = "maria"
name = "Maria Lopez"
phone = "+12125550111"

[open]
strategy = "priority"
then = ["queue", "voicemail"]

[queue]
hold = "Please hold."
max_wait_seconds = 300

[voicemail]
greeting = "Leave a message."
"#;

#[tokio::test]
async fn the_queue_is_offered_as_what_happens_next_and_kept_when_the_ring_time_changes() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    let (status, _) = app
        .api(
            "PUT",
            "/api/clients/acme-dental/rules",
            Some(&token),
            Some(serde_json::Value::String(QUEUED.into())),
        )
        .await;
    assert_eq!(status, 200);
    with_browser(app, "rules_form_queue", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules/form").await;
        let next = b.text(&format!("{} option:checked", field("open.then"))).await;
        assert_eq!(next, "Callers wait in the queue (up to 5 minutes), then voicemail");
        let offered = b.text(&field("after_hours.then")).await;
        assert!(
            offered.contains("Ring the outside number, then callers wait in the queue"),
            "{offered}"
        );
        b.screenshot("rules-form-queue").await;
        b.fill(&field("open.ring_seconds"), "30").await;
        b.click("button[value=save]").await;
        assert!(
            b.text(".notice.good").await.contains("Saved as version 3"),
            "{}",
            b.text("main").await
        );
        b.goto("/admin/clients/acme-dental/rules").await;
        let saved = b.value("#source").await;
        assert!(
            saved.contains("ring_seconds = 30") && saved.contains(r#"then = ["queue", "voicemail"]"#),
            "{saved}"
        );
    })
    .await;
}
