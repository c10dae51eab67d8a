//! Every console page as an office manager meets it, at 1280 and 390 px, over the seeded
//! days of Acme's calls and texts (`seeded_figures`), a patient's text and a transcribed
//! voicemail: screenshots to look at, and the words each page must not show (ids,
//! E.164 numbers, snake_case, Twilio's statuses) checked on every one.

use crate::browser::{with_browser, Browser};
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;
use crate::seeded_figures;

const MARIA: &str = "+12125550111";
const PATIENT_SMS: &str = "SM00000000000000000000000000000e01";

/// What an office manager should never have to read: numbers in E.164, the rules' own
/// words for things, and Twilio's.
const NOT_FOR_PEOPLE: [&str; 8] = [
    "+1212",
    "+1917",
    "round_robin",
    "after_hours",
    "voicemail_transcript",
    "no-answer",
    "in-progress",
    "bootstrap",
];

async fn look(b: &Browser, page: &str) {
    // The rules' text (Advanced) is the file as written, numbers and keys included.
    let text = b.text("body").await;
    let text = match text.find("Rules (TOML)") {
        Some(editor) => text[..editor].to_owned(),
        None => text,
    };
    for words in NOT_FOR_PEOPLE {
        assert!(!text.contains(words), "{page} shows `{words}`: {text}");
    }
    b.screenshot(&format!("tour-{page}")).await;
}

#[tokio::test]
async fn every_console_page_reads_plainly_at_desktop_and_phone_widths() {
    let fake = FakeTwilio::start().await;
    let app = seeded_figures::spawn(&fake).await;
    let token = app.admin_token(None).await;
    seeded_figures::seed(&app, &token).await;
    let text = [
        ("MessageSid", PATIENT_SMS),
        ("From", "+12125550188"),
        ("To", ACME),
        ("Body", "Can I move Thursday's cleaning to Friday morning?"),
        ("NumMedia", "0"),
    ];
    app.post("/twilio/sms", &text).await.assert_twiml();
    let (call, rec) = (
        "CA00000000000000000000000000000e02",
        "RE00000000000000000000000000000e02",
    );
    let (_, _, transcription) = voicemail(&app, call, rec, "42").await;
    transcript(
        &app,
        &transcription,
        call,
        rec,
        "Hi, it's Dana. My crown came loose, please call me back.",
    )
    .await;
    app.drain_outbox().await;
    let link = fake.call_link_to(MARIA);
    with_browser(app, "tour", move |b, _app| async move {
        b.goto("/admin/sign-in").await;
        look(&b, "sign-in").await;
        b.sign_in(&token).await;
        look(&b, "clients").await;
        b.goto("/admin/clients/acme-dental").await;
        look(&b, "today").await;
        b.goto("/admin/calls").await;
        look(&b, "calls").await;
        let calls = b.text("table.calls").await;
        assert!(calls.contains("Placed by the office to (212) 555-0177"), "{calls}");
        b.goto("/admin/calls/CA000000000000000000000000000fa007").await;
        look(&b, "call").await;
        b.goto(&format!("/admin/calls/{call}")).await;
        look(&b, "call-voicemail").await;
        b.goto("/admin/voicemails").await;
        look(&b, "voicemails").await;
        b.goto("/admin/messages").await;
        look(&b, "messages").await;
        assert!(
            b.text("main").await.contains("Maria Lopez, (212) 555-0111"),
            "staff by name"
        );
        b.goto("/admin/messages?client=acme-dental").await;
        b.click(".conversations a").await;
        look(&b, "conversation").await;
        b.goto("/admin/clients/acme-dental/figures").await;
        look(&b, "figures").await;
        b.goto("/admin/clients/acme-dental/rules/form").await;
        look(&b, "rules-form").await;
        b.goto("/admin/clients/acme-dental/rules").await;
        look(&b, "advanced").await;
        b.goto("/admin/clients/acme-dental/try").await;
        look(&b, "try").await;

        // A third receptionist: the checks page, then the draft tried on the last days.
        b.goto("/admin/clients/acme-dental/rules/form").await;
        b.fill("[name='assistant.2.name']", "Sam Lee").await;
        b.fill("[name='assistant.2.phone']", "212 555 0113").await;
        b.click("button[value=save]").await;
        look(&b, "checks").await;
        b.click("button[value=replay]").await;
        look(&b, "replay").await;
        b.click("button[value=save]").await;
        b.click("button[value=accept]").await;
        b.goto("/admin/clients/acme-dental/rules/versions").await;
        look(&b, "versions").await;
        b.goto("/admin/clients/acme-dental/rules/diff?from=1&to=2").await;
        // Lines of the rules' text, as written.
        b.screenshot("tour-compare").await;
        b.goto("/admin/clients/acme-dental/webhooks").await;
        look(&b, "webhooks").await;
        b.goto("/admin/new-client").await;
        look(&b, "new-business").await;
        b.goto(&link).await;
        look(&b, "call-link").await;
    })
    .await;
}
