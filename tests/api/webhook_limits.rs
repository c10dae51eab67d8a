//! Where webhooks may not go, and when an endpoint stops being tried: an endpoint whose
//! address is off the public internet is refused with a 422 when it is added or changed, and
//! not connected to at delivery (its name may resolve elsewhere since); an endpoint failing
//! so many times in a row is turned off when `SWITCHBOARD_WEBHOOK_DISABLE_AFTER_FAILURES`
//! says so. No request in these tests leaves this machine: refused addresses are refused
//! before any connection.

use serde_json::{json, Value};

use crate::helpers::*;
use crate::webhook_receiver::Receiver;
use crate::webhooks::{deliveries, endpoint, spawn, text_in, KEY};

const WEBHOOKS: &str = "/api/clients/acme-dental/webhooks";

async fn add(app: &TestApp, token: &str, url: &str) -> (u16, Value) {
    let body = json!({ "url": url, "events": ["call.completed"] });
    app.api("POST", WEBHOOKS, Some(token), Some(body)).await
}

#[tokio::test]
async fn endpoints_on_private_networks_are_refused_with_a_422_in_plain_words() {
    // Even with loopback allowed, nothing else private is.
    let app = spawn().await;
    let admin = app.admin_token(None).await;
    for (url, words) in [
        (
            "https://10.0.0.5/hooks",
            "10.0.0.5 is a private network address (RFC 1918)",
        ),
        ("https://192.168.1.20/hooks", "private network address"),
        ("https://172.20.0.1/hooks", "private network address"),
        ("https://169.254.169.254/latest/meta-data", "link-local"),
        ("https://100.64.12.1/hooks", "carrier-grade NAT"),
        ("https://[fd12:3456::1]/hooks", "unique-local IPv6"),
        ("https://[fe80::1]/hooks", "link-local"),
        ("https://0.0.0.0/hooks", "unspecified"),
        ("https://[::]/hooks", "unspecified"),
        ("https://224.0.0.251/hooks", "multicast"),
        ("https://[::ffff:10.1.2.3]/hooks", "private network address"),
    ] {
        let (status, answer) = add(&app, &admin, url).await;
        assert_eq!(status, 422, "{url}: {answer}");
        assert_eq!(answer["error"]["code"], "unprocessable", "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{url}: {message}");
        assert!(message.contains("public internet"), "{message}");
    }
    let (_, listed) = app.api("GET", WEBHOOKS, Some(&admin), None).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(0), "{listed}");

    // Changing a good endpoint's URL to a private one is refused too, and changes nothing.
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["call.completed"]).await;
    let path = format!("{WEBHOOKS}/{id}");
    let change = json!({ "url": "https://192.168.0.10/hooks" });
    let (status, answer) = app.api("PATCH", &path, Some(&admin), Some(change)).await;
    assert_eq!(status, 422, "{answer}");
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["url"], crm.url.as_str(), "{shown}");
}

#[tokio::test]
async fn this_machine_is_refused_by_address_and_by_name_unless_the_setting_allows_it() {
    let app = spawn_with(Options {
        secret_key: Some(KEY),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(None).await;
    for (url, words) in [
        ("http://127.0.0.1:9/hooks", "127.0.0.1 is this server's own machine"),
        ("https://[::1]:9/hooks", "::1 is this server's own machine"),
        // A name is refused for what it resolves to.
        ("https://localhost:9/hooks", "localhost resolves to 127.0.0.1"),
    ] {
        let (status, answer) = add(&app, &admin, url).await;
        assert_eq!(status, 422, "{url}: {answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{url}: {message}");
        assert!(message.contains("SWITCHBOARD_WEBHOOK_ALLOW_LOOPBACK"), "{message}");
    }
    // A name that does not resolve now is taken: each delivery resolves it again.
    let (status, answer) = add(&app, &admin, "https://crm.example.invalid/hooks").await;
    assert_eq!(status, 201, "{answer}");
}

/// What the API refuses can still be in the database: saved while the setting allowed it,
/// or a name whose DNS answer changed. The delivery refuses it again, before connecting.
#[tokio::test]
async fn a_delivery_to_an_address_on_this_machine_is_not_sent() {
    use switchboard::webhooks;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        secret_key: Some(KEY),
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let port = crm.url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let key = switchboard::accounts::secrets::SecretKey::parse(KEY).unwrap();
    for (id, url) in [
        ("ep_by_address", crm.url.clone()),
        ("ep_by_name", format!("https://localhost:{port}/hooks")),
    ] {
        let sealed = key.seal(
            &webhooks::secret_context("acme-dental", id),
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        );
        let new = switchboard::store::webhooks::NewEndpoint {
            id,
            client: "acme-dental",
            url: &url,
            events: "message.received",
            secret_encrypted: &sealed,
        };
        switchboard::store::webhooks::create(&app.db, &new, app.clock_now())
            .await
            .unwrap();
    }
    text_in(&app, "SM0000000000000000000000000000f001", "hello").await;
    app.drain_outbox().await;

    assert!(crm.received().is_empty(), "a refused address was posted to");
    for (id, words) in [
        ("ep_by_address", "not sent: 127.0.0.1 is this server's own machine"),
        ("ep_by_name", "localhost resolves to 127.0.0.1"),
    ] {
        let log = deliveries(&app, &admin, id).await;
        let attempt = &log[0]["attempts"][0];
        let error = attempt["error"].as_str().unwrap();
        assert!(error.contains(words), "{id}: {error}");
        assert!(attempt["status_code"].is_null(), "{attempt}");
        assert_eq!(log[0]["state"], "pending", "retried later, as any failure");
    }
}

#[tokio::test]
async fn an_endpoint_failing_so_many_times_in_a_row_is_turned_off_when_the_setting_says_so() {
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 20, 0),
        secret_key: Some(KEY),
        settings: |s| {
            s.webhook_allow_loopback = true;
            s.webhook_disable_after_failures = Some(3);
        },
        ..Options::default()
    })
    .await;
    let admin = app.admin_token(Some("acme-dental")).await;
    let crm = Receiver::start().await;
    let (id, _) = endpoint(&app, &admin, &crm.url, &["message.received"]).await;
    let path = format!("{WEBHOOKS}/{id}");

    // Two failures, then a success: the count starts again.
    crm.fail_next(2);
    text_in(&app, "SM0000000000000000000000000000f101", "one").await;
    app.drain_outbox().await;
    for _ in 0..2 {
        app.advance(60);
        app.drain_outbox().await;
    }
    assert_eq!(crm.received().len(), 3);
    assert_eq!(crm.delivered_types(), ["message.received"]);
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["state"], "Working", "{shown}");

    // Three in a row, within minutes: turned off, long before a day of failures.
    crm.fail_with(Some(500));
    for n in 3..6 {
        text_in(&app, &format!("SM0000000000000000000000000000f10{n}"), "again").await;
        app.drain_outbox().await;
        let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
        assert_eq!(shown["enabled"], n < 5, "after failure {}: {shown}", n - 2);
    }
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["health"], "turned_off_after_failing");
    assert_eq!(shown["state"], "Turned off after 3 failed deliveries in a row");
    let (_, audit) = app
        .api(
            "GET",
            "/api/audit?client=acme-dental&action=webhook.turned_off",
            Some(&admin),
            None,
        )
        .await;
    let told = audit.to_string();
    assert!(told.contains("3 deliveries in a row failed"), "{told}");

    // Turned on again, the count is forgotten.
    crm.fail_with(None);
    let (_, shown) = app
        .api("PATCH", &path, Some(&admin), Some(json!({ "enabled": true })))
        .await;
    assert_eq!(shown["state"], "Working", "{shown}");
    crm.fail_next(2);
    text_in(&app, "SM0000000000000000000000000000f109", "later").await;
    app.drain_outbox().await;
    let (_, shown) = app.api("GET", &path, Some(&admin), None).await;
    assert_eq!(shown["enabled"], true, "two failures after turning on: {shown}");
}
