//! What texts cost, once Twilio says: the answer to a send has no price, so the worker asks
//! Twilio for the message later, again with back-off while Twilio has none, or takes the
//! price from a status callback that brings one; the stats add the prices up exactly.

use serde_json::json;

use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;

const STATS: &str = "/api/clients/acme-dental/stats?since=2026-12-01T00:00:00Z&until=2026-12-03T00:00:00Z";

async fn cost(app: &TestApp, token: &str) -> serde_json::Value {
    let (status, stats) = app.api("GET", STATS, Some(token), None).await;
    assert_eq!(status, 200, "{stats}");
    stats["messages"]["cost"].clone()
}

/// The outbox's price checks: how many, still waiting, done, and the first one's last error.
struct Checks {
    total: i64,
    pending: i64,
    done: i64,
    last_error: String,
}

async fn price_checks(app: &TestApp) -> Checks {
    let row = app
        .row(
            "SELECT COUNT(*), \
             CAST(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS BIGINT), \
             CAST(SUM(CASE WHEN state = 'sent' THEN 1 ELSE 0 END) AS BIGINT), \
             MIN(COALESCE(last_error, '')) \
             FROM outbox WHERE kind = 'price'",
        )
        .await;
    Checks {
        total: row.try_get_by_index(0).unwrap(),
        pending: row.try_get_by_index(1).unwrap(),
        done: row.try_get_by_index(2).unwrap(),
        last_error: row.try_get_by_index(3).unwrap(),
    }
}

#[tokio::test]
async fn a_price_twilio_sets_later_is_fetched_and_the_stats_sum_it_exactly() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 10, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(&fake, &app);
    let token = app.admin_token(Some("acme-dental")).await;
    for to in ["+12125550181", "+12125550182", "+12125550183"] {
        let request = json!({ "client": "acme-dental", "to": to, "body": "Your crown is ready" });
        let (status, queued) = app
            .api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
            .await;
        assert_eq!(status, 202, "{queued}");
    }
    app.drain_outbox().await;
    let sids: Vec<String> = fake.accepted().iter().map(|m| m.sid.clone()).collect();
    assert_eq!(sids.len(), 3);
    assert!(cost(&app, &token).await.is_null(), "no price reported yet");
    assert_eq!(fake.message_fetches(), 0, "not asked before Twilio could know");

    // Asked a minute later: Twilio has no price yet, so it is asked again later.
    app.advance(61);
    app.drain_outbox().await;
    assert_eq!(fake.message_fetches(), 3);
    assert!(cost(&app, &token).await.is_null());
    let checks = price_checks(&app).await;
    assert_eq!((checks.total, checks.pending), (3, 3));
    assert!(checks.last_error.contains("not priced"), "{}", checks.last_error);

    // Twilio prices two; a status callback brings the third's price itself.
    fake.set_price(&sids[0], "-0.00790");
    fake.set_price(&sids[1], "-0.00790");
    let callback = [
        ("MessageSid", sids[2].as_str()),
        ("MessageStatus", "delivered"),
        ("Price", "-0.08690"),
        ("To", "+12125550183"),
        ("From", ACME),
    ];
    assert_eq!(app.post("/twilio/sms/status", &callback).await.status, 204);
    app.advance(60);
    app.drain_outbox().await;
    assert_eq!(
        fake.message_fetches(),
        5,
        "the third was priced by its callback: not asked"
    );
    // As floats these add up to 0.10270000000000001.
    assert_eq!(cost(&app, &token).await, "0.1027");
    let checks = price_checks(&app).await;
    assert_eq!((checks.total, checks.pending, checks.done), (3, 0, 3));

    // Price checks are no messages: not in the history nor the client's messages, and each
    // text counted once.
    assert_eq!(app.outbox("acme-dental").await.len(), 3);
    let (_, history) = app
        .api("GET", "/api/messages?client=acme-dental", Some(&token), None)
        .await;
    let listed = history.as_array().unwrap();
    assert!(!listed.is_empty(), "{history}");
    assert!(listed.iter().all(|m| m["purpose"] == "api"), "{history}");
    let (_, stats) = app.api("GET", STATS, Some(&token), None).await;
    assert_eq!(stats["messages"]["sent"], 3, "{stats}");
}

#[tokio::test]
async fn a_price_in_the_first_answer_is_kept_and_never_asked_for() {
    let fake = FakeTwilio::start().await;
    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 10, 0),
        twilio: Some(fake.url.clone()),
        ..Options::default()
    })
    .await;
    crate::alerts::share_clock(&fake, &app);
    let token = app.admin_token(Some("acme-dental")).await;
    // A send that timed out after Twilio took it is found in Twilio's list, with its price.
    fake.script(vec![crate::fake_twilio::Step::AcceptThenHang(
        std::time::Duration::from_secs(3),
    )]);
    let request = json!({ "client": "acme-dental", "to": "+12125550181", "body": "See you at 3" });
    app.api("POST", "/api/twilio/send-sms", Some(&token), Some(request))
        .await;
    app.drain_outbox().await;
    app.advance(30);
    app.drain_outbox().await;
    assert_eq!(fake.accepted().len(), 1);
    assert_eq!(cost(&app, &token).await, "0.0079");
    app.advance(3600);
    app.drain_outbox().await;
    assert_eq!(fake.message_fetches(), 0);
}
