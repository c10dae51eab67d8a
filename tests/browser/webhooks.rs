//! The Webhooks page in a real browser: an office manager adds an address (the secret shown
//! once), sees it fail and recover in words, sends a delivery again, and turns it off.

use crate::browser::with_browser;
use crate::helpers::*;
use crate::webhook_receiver::Receiver;

const KEY: &str = "5c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba11c0ffee5ee0ddba1";

#[tokio::test]
async fn an_admin_adds_an_address_sees_it_fail_and_recover_and_sends_a_delivery_again() {
    let app = spawn_with(Options {
        secret_key: Some(KEY),
        settings: |s| s.webhook_allow_loopback = true,
        ..Options::default()
    })
    .await;
    let token = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    with_browser(app, "webhooks", |b, app| async move {
        b.sign_in(&token).await;
        b.click("nav a[href='/admin/clients/acme-dental/webhooks']").await;
        assert_eq!(b.text("h1").await, "Webhooks");
        b.fill("#url", &crm.url).await;
        b.click("form[action='/admin/clients/acme-dental/webhooks'] button[type=submit]")
            .await;
        let secret = b.text("code.secret").await;
        assert!(secret.starts_with("whsec_"), "{secret}");
        assert_eq!(b.text(".endpoint .badge").await, "Working");

        crm.fail_with(Some(500));
        let text = [
            ("MessageSid", "SM0000000000000000000000000000c001"),
            ("From", "+12125550188"),
            ("To", ACME),
            ("Body", "Can I move my appointment?"),
        ];
        app.post("/twilio/sms", &text).await;
        app.drain_outbox().await;
        b.goto("/admin/clients/acme-dental/webhooks").await;
        assert!(
            b.text("main").await.find("whsec_").is_none(),
            "the secret is shown once"
        );
        assert_eq!(b.text(".endpoint .badge").await, "Failing since 10:00 AM EST");
        let result = b.text(".endpoint td[data-label=Result]").await;
        assert!(
            result.contains("Trying again") && result.contains("answered 500"),
            "{result}"
        );
        b.screenshot("webhooks-failing").await;

        crm.fail_with(None);
        app.advance(301);
        app.drain_outbox().await;
        b.goto("/admin/clients/acme-dental/webhooks").await;
        assert_eq!(b.text(".endpoint .badge").await, "Working");
        assert_eq!(
            b.text(".endpoint td[data-label=Result]").await,
            "Delivered (answered 200)"
        );
        b.click(".endpoint td form button").await;
        app.drain_outbox().await;
        assert_eq!(crm.received().len(), 3);
        assert_eq!(crm.delivered_types(), ["message.received", "message.received"]);
        b.goto("/admin/clients/acme-dental/webhooks").await;
        b.screenshot("webhooks").await;

        b.click(".endpoint form[action$='/enabled'] button").await;
        assert_eq!(b.text(".endpoint .badge").await, "Turned off by an admin");
    })
    .await;
}
