//! An office manager answers a text in the console, in a real browser: it arrives with a
//! picture, shows as a conversation, opens like a phone's, and the reply reaches Twilio.

use crate::browser::with_browser;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const ANNA: &str = "+12125550188";
const MMS: &str = "MM000000000000000000000000000d0001";
const PICTURE: &[u8] = include_bytes!("../fixtures/insurance-card.png");

#[tokio::test]
async fn a_text_with_a_picture_is_answered_from_its_conversation() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    let clock = app.clock.clone();
    fake.set_clock(move || switchboard::clock::Clock::now(&*clock));
    let token = app.admin_token(Some("acme-dental")).await;
    let media = fake.add_media(MMS, "ME000000000000000000000000000d0001", "image/png", PICTURE);
    let text = [
        ("MessageSid", MMS),
        ("From", ANNA),
        ("To", ACME),
        ("Body", "Here is my new insurance card. Can I still come Thursday?"),
        ("NumMedia", "1"),
        ("MediaUrl0", media.as_str()),
        ("MediaContentType0", "image/png"),
    ];
    app.post("/twilio/sms", &text).await.assert_twiml();
    app.drain_outbox().await;
    with_browser(app, "conversation", move |b, app| async move {
        b.sign_in(&token).await;
        b.goto("/admin/messages").await;
        let list = b.text(".conversations").await;
        assert!(list.contains("(212) 555-0188"), "{list}");
        assert!(list.contains("Unanswered"), "{list}");
        assert!(
            list.contains("Here is my new insurance card."),
            "what they asked, not the automatic reply: {list}"
        );
        b.screenshot("messages-conversations").await;

        b.click(".conversations a").await;
        assert_eq!(
            b.path().await,
            format!("/admin/clients/acme-dental/conversations/{ANNA}")
        );
        assert_eq!(b.text("h1").await, "Texts with (212) 555-0188");
        let received = b.text(".thread li.received").await;
        assert!(received.contains("Here is my new insurance card."), "{received}");
        let shown = b
            .client
            .execute(
                "const i = document.querySelector('.thread li.received img'); \
                 return i.complete ? i.naturalWidth : -1",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(shown.as_i64(), Some(240), "the picture loads through the console");
        b.screenshot("conversation").await;

        app.advance(120);
        b.fill("#body", "Yes, Thursday at 3 is fine. See you then!").await;
        b.click("form.reply button[type=submit]").await;

        assert!(b.text(".notice.good").await.contains("on its way to (212) 555-0188"));
        let sent = b.text(".thread li.sent:last-child").await;
        assert!(sent.contains("Yes, Thursday at 3 is fine."), "{sent}");
        app.drain_outbox().await;
        let reply = fake
            .accepted()
            .into_iter()
            .find(|m| m.body.starts_with("Yes, Thursday"))
            .expect("the reply reached Twilio");
        assert_eq!((reply.to.as_str(), reply.from.as_str()), (ANNA, ACME));
        assert_eq!(reply.body, "Yes, Thursday at 3 is fine. See you then!");
        let (_, audit) = app.api("GET", "/api/audit", Some(&token), None).await;
        assert_eq!(audit[0]["action"], "sms.send");
        assert_eq!(audit[0]["actor"], "acme-dental", "the console user's name");
        b.goto(&format!("/admin/clients/acme-dental/conversations/{ANNA}"))
            .await;
        let meta = b.text(".thread li.sent:last-child .meta").await;
        assert!(meta.starts_with("You, Tue 1 Dec 2026, 10:02 AM EST"), "{meta}");
        b.screenshot("conversation-answered").await;

        app.advance(300);
        let stop = [
            ("MessageSid", "SM000000000000000000000000000d0002"),
            ("From", ANNA),
            ("To", ACME),
            ("Body", "STOP"),
            ("NumMedia", "0"),
        ];
        app.post("/twilio/sms", &stop).await.assert_twiml();
        b.goto(&format!("/admin/clients/acme-dental/conversations/{ANNA}"))
            .await;
        let refused = b.text("#reply .notice.bad").await;
        assert_eq!(
            refused,
            "(212) 555-0188 replied STOP, so no texts can be sent to it until it texts START."
        );
        assert!(
            b.client.find(fantoccini::Locator::Css("#body")).await.is_err(),
            "no reply box"
        );
        b.screenshot("conversation-opted-out").await;

        b.goto("/admin/messages").await;
        b.toggle("details.consent summary").await;
        let how = b.text("details.consent").await;
        assert!(
            how.contains("Tue 1 Dec 2026, 10:07 AM EST: Opted out: texted \u{201c}STOP\u{201d}"),
            "how and when it opted out: {how}"
        );
        b.screenshot("messages-opted-out").await;
    })
    .await;
}
