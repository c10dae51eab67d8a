//! What an office manager does in the console, in a real browser.

use crate::browser::with_browser;
use crate::helpers::*;

const HOLIDAY: &str = "2026-12-25T10:00";
const TUESDAY_MORNING: &str = "2026-12-01T10:00";

#[tokio::test]
async fn an_admin_signs_in_and_sees_the_clients() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "sign_in", |b, _app| async move {
        b.goto("/admin/clients/acme-dental").await;
        assert_eq!(b.path().await, "/admin/sign-in", "no session: to the sign-in page");
        b.screenshot("sign-in").await;
        b.fill("#token", "sb_wrong").await;
        b.click("form[action='/admin/sign-in'] button").await;
        let refused = b.text("[role=alert]").await;
        assert!(refused.contains("not valid"), "{refused}");
        b.sign_in(&token).await;
        assert_eq!(b.text("h1").await, "Clients");
        let cards = b.text(".cards").await;
        assert!(cards.contains("Acme Dental") && cards.contains("Open"), "{cards}");
        b.screenshot("clients").await;
        b.click("header form.sign-out button").await;
        assert_eq!(b.path().await, "/admin/sign-in");
        b.goto("/admin/").await;
        assert_eq!(b.path().await, "/admin/sign-in", "signed out for good");
    })
    .await;
}

/// Tries a call from the "Try a call" page; returns the steps in words.
async fn try_call(b: &crate::browser::Browser, at: &str) -> String {
    b.goto("/admin/clients/acme-dental/try").await;
    b.fill("#at", at).await;
    b.fill("#from", CALLER).await;
    b.click("form.try button[type=submit]").await;
    b.text("#result .steps").await
}

#[tokio::test]
async fn an_assistant_turned_off_is_skipped_by_the_next_simulated_call() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "duty", |b, _app| async move {
        b.sign_in(&token).await;
        let before = try_call(&b, TUESDAY_MORNING).await;
        assert!(before.starts_with("Ring Maria Lopez"), "{before}");
        b.goto("/admin/clients/acme-dental").await;
        b.screenshot("today").await;
        b.click("li[data-assistant=maria] form button").await;
        assert_eq!(b.text("li[data-assistant=maria] .badge").await, "Off duty");
        assert_eq!(b.text("li[data-assistant=john] .badge").await, "On duty");
        let after = try_call(&b, TUESDAY_MORNING).await;
        assert!(!after.contains("Maria"), "{after}");
        assert!(after.starts_with("Ring John Park"), "{after}");
        b.goto("/admin/clients/acme-dental").await;
        b.click("li[data-assistant=maria] form button").await;
        assert_eq!(b.text("li[data-assistant=maria] .badge").await, "On duty");
    })
    .await;
}

#[tokio::test]
async fn a_broken_rule_shows_its_error_on_its_line_and_the_fix_saves_and_rolls_back() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "rules", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules").await;
        let original = b.value("#source").await;
        let line = original
            .lines()
            .position(|l| l.starts_with("ring_seconds = 20"))
            .expect("the example rings for 20 seconds")
            + 1;
        let broken = original.replacen("ring_seconds = 20", "ring_seconds = \"twenty\"", 1);
        b.fill("#source", &broken).await;
        b.fill("#comment", "try a word").await;
        b.click("button[value=save]").await;
        assert!(b.text(".notice.bad").await.contains("Not saved"));
        b.find(&format!(".gutter li#line-{line}.error")).await;
        let note = b.text(&format!(".notes li[data-line='{line}']")).await;
        assert!(!note.is_empty(), "the error sits on line {line}");
        assert!(b.text(".problems ol").await.contains(&format!("Line {line},")));
        assert!(
            b.value("#source").await.contains("\"twenty\""),
            "the admin's text is kept"
        );
        b.screenshot("rules-error").await;

        b.fill(
            "#source",
            &original.replacen("ring_seconds = 20", "ring_seconds = 15", 1),
        )
        .await;
        b.fill("#comment", "ring for 15 seconds").await;
        b.click("button[value=check]").await;
        assert!(b.text(".notice.good").await.contains("No problems"));
        b.click("button[value=save]").await;
        assert!(b.text(".notice.good").await.contains("version 2"));
        assert!(b.value("#source").await.contains("ring_seconds = 15"));

        b.goto("/admin/clients/acme-dental/rules/diff?from=1&to=2").await;
        assert!(b.text(".diff td.removed").await.contains("ring_seconds = 20"));
        assert!(b.text(".diff td.added").await.contains("ring_seconds = 15"));
        b.width(390).await;
        assert!(
            b.text(".diff-compact li.removed").await.contains("ring_seconds = 20"),
            "on a phone, one column of changed lines"
        );
        assert_eq!(b.text(".diff.wide").await, "", "and not the two columns");
        b.width(1280).await;
        b.screenshot("diff").await;

        b.goto("/admin/clients/acme-dental/rules/versions").await;
        assert!(
            b.text("tbody tr:first-child td[data-label='What changed']")
                .await
                .starts_with("Open hours: ring 15 s instead of 20 s"),
            "each version says what it changed"
        );
        b.screenshot("versions").await;
        b.click("a[href$='/rules/rollback?version=1']").await;
        assert_eq!(b.text("h1").await, "Roll back to version 1?");
        assert!(
            b.text(".diff td.added").await.contains("ring_seconds = 20"),
            "what would change"
        );
        b.fill("#comment", "back to 20 seconds").await;
        b.screenshot("rollback").await;
        b.click("form[action$='/rollback'] button").await;
        assert!(b.text(".notice.good").await.contains("version 3"));
        assert_eq!(b.value("#source").await, original);
        b.screenshot("rules").await;
    })
    .await;
}

#[tokio::test]
async fn trying_a_call_on_a_holiday_reads_voicemail() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "try", |b, _app| async move {
        b.sign_in(&token).await;
        let steps = try_call(&b, HOLIDAY).await;
        assert!(steps.starts_with("Voicemail"), "{steps}");
        assert!(b.text("#result h2").await.starts_with("Closed"));
        assert!(b.text("#result .status").await.contains("holiday 25 Dec 2026"));
        b.toggle("#result details:last-of-type summary").await;
        assert!(b.text("#result pre.twiml").await.contains("<Record"));
        b.screenshot("try").await;
    })
    .await;
}

#[tokio::test]
async fn a_call_with_a_voicemail_shows_its_transcript_and_an_audio_player() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        ..Options::default()
    })
    .await;
    let token = app.admin_token(None).await;
    let (call, rec) = (
        "CA00000000000000000000000000000c01",
        "RE00000000000000000000000000000c01",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "14").await;
    transcript(&app, &transcription, call, rec, "Running late, see you at 3.").await;
    app.drain_outbox().await;
    with_browser(app, "voicemail", move |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental").await;
        assert!(b.text("#voicemails + ul").await.contains("Running late"));
        b.screenshot("today-voicemail").await;
        b.goto("/admin/calls?client=acme-dental").await;
        b.screenshot("calls").await;
        b.click(&format!("a[href='/admin/calls/{call}']")).await;
        assert_eq!(b.text("blockquote.transcript").await, "Running late, see you at 3.");
        let src = b.find("audio").await.attr("src").await.unwrap().unwrap();
        assert_eq!(src, format!("/admin/calls/{call}/recording"));
        let trace = b.text("ol.trace").await;
        assert!(
            trace.contains("Closed: outside Tuesday hours") && trace.contains("voicemail"),
            "{trace}"
        );
        let alerts = b.text("#alerts-h + p, #alerts-h ~ div").await;
        assert!(
            alerts.contains("Voicemail alert with its transcript (text)"),
            "{alerts}"
        );
        b.screenshot("call").await;
        b.goto("/admin/messages?client=acme-dental").await;
        assert!(b.text("#alerts-h ~ div").await.contains("Voicemail for"));
        b.screenshot("messages").await;
    })
    .await;
}

#[tokio::test]
async fn under_the_content_security_policy_the_consoles_own_script_and_stylesheet_still_work() {
    let app = spawn_app().await;
    let token = app.admin_token(None).await;
    with_browser(app, "csp", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules").await;
        let script = |js: &'static str| {
            let client = b.client.clone();
            async move { client.execute(js, vec![]).await.unwrap() }
        };
        let lines = "return document.querySelectorAll('.editor .gutter li').length";
        let before = script(lines).await.as_u64().unwrap();
        let longer = format!("{}\n# one\n# two\n# three", b.value("#source").await);

        b.fill("#source", &longer).await;

        let after = script(lines).await.as_u64().unwrap();
        let display = script("return getComputedStyle(document.querySelector('.editor')).display").await;
        assert!(after > before, "{before} → {after}");
        assert_eq!(
            after,
            longer.split('\n').count() as u64,
            "console.js numbered every line"
        );
        assert_eq!(display, "grid", "console.css applies");
    })
    .await;
}

#[tokio::test]
async fn adding_a_receptionist_shows_the_checks_it_changes_and_saves_them_updated() {
    let app = spawn_app().await;
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "changed checks", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules").await;
        let original = b.value("#source").await;
        let draft = original.replacen(
            "[open]",
            "[[assistants]]\nid = \"sam\"\nname = \"Sam Lee\"\nphone = \"+12125550113\"\npriority = 3\n\n[open]",
            1,
        );
        b.fill("#source", &draft).await;
        b.fill("#comment", "Sam joins").await;
        b.click("button[value=save]").await;
        let checks = b.text(".checks").await;
        assert!(checks.contains("4 checks in the file come out differently"), "{checks}");
        assert!(
            checks.contains("now ring Maria Lopez, then ring John Park, then ring Sam Lee"),
            "{checks}"
        );
        b.screenshot("rules-checks").await;
        b.click("button[value=accept]").await;
        assert!(b.text(".notice.good").await.contains("version 2"));
        let saved = b.value("#source").await;
        assert!(
            saved.contains("expect = [\"maria\", \"john\", \"sam\", \"external\", \"voicemail\"]"),
            "{saved}"
        );
        assert!(saved.contains("# a Tuesday morning"), "comments kept");
    })
    .await;
}

#[tokio::test]
async fn a_draft_tried_on_the_last_30_days_tells_which_calls_would_change() {
    let app = spawn_app().await;
    for (n, (day, hour)) in [(28, 10), (21, 11), (14, 9), (30, 10)].into_iter().enumerate() {
        let sid = format!("CA{n:032x}");
        app.call_at(&sid, ACME, new_york(2026, 11, day, hour, 0))
            .await
            .assert_twiml();
    }
    app.clock.set(new_york(2026, 12, 3, 9, 0));
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "replay", |b, _app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental/rules").await;
        let original = b.value("#source").await;
        let draft = original.replacen(
            "fri = [\"09:00-16:00\"]\n",
            "fri = [\"09:00-16:00\"]\nsat = [\"09:00-12:00\"]\n",
            1,
        );
        assert_ne!(draft, original);
        b.fill("#source", &draft).await;
        b.click("button[value=replay]").await;
        let replay = b.text("#replay").await;
        assert!(replay.contains("3 of the 4 calls"), "{replay}");
        assert!(replay.contains("3 calls on Saturday mornings"), "{replay}");
        assert!(
            replay.contains(
                "With this text: ring Maria Lopez, then ring John Park, then the outside number, then voicemail."
            ),
            "{replay}"
        );
        assert!(replay.contains("With the rules in use: voicemail."), "{replay}");
        assert_eq!(b.value("#source").await, draft, "the draft is kept, not saved");
        b.screenshot("rules-replay").await;
    })
    .await;
}

#[tokio::test]
async fn today_shows_calls_on_the_phone_flags_one_never_ended_and_brings_itself_up_to_date() {
    let app = spawn_app().await;
    app.call_at(&format!("CA{:032x}", 1), ACME, new_york(2026, 12, 1, 10, 0))
        .await
        .assert_twiml();
    let token = app.admin_token(Some("acme-dental")).await;
    with_browser(app, "live", |b, app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/clients/acme-dental").await;
        let now = b.text("#right-now").await;
        assert!(now.contains("555-765-4321 Ringing for 0:00"), "{now}");
        // Ten minutes on, with no word from Twilio, and a second call comes in: the page,
        // left open, shows both without being reloaded.
        app.advance(600);
        app.call(&format!("CA{:032x}", 2), ACME).await.assert_twiml();
        let now = b.wait_for_text("#right-now", "Not ended?", 30).await;
        assert!(now.contains("came in 10:00 ago"), "{now}");
        assert!(
            now.contains("longer than these rules keep a caller waiting (4:05)"),
            "{now}"
        );
        assert!(now.contains("Ringing for 0:00"), "the new call: {now}");
        b.find("html[data-refreshed]").await;
        b.find(".live li.overdue").await;
        b.screenshot("today-live").await;
    })
    .await;
}
