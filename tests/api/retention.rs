//! With a retention period, history older than it is forgotten in the background, and
//! what is newer stays.

use switchboard::store;

use crate::database::TestDb;
use crate::helpers::*;

const OLD_CALL: &str = "CA00000000000000000000000000000f01";
const NEW_CALL: &str = "CA00000000000000000000000000000f02";
const OLD_TEXT: &str = "SM00000000000000000000000000000f01";
const NEW_TEXT: &str = "SM00000000000000000000000000000f02";

async fn text(app: &TestApp, sid: &str) {
    let params = [
        ("MessageSid", sid),
        ("From", "+12125550188"),
        ("To", ACME),
        ("Body", "Can I move my appointment?"),
        ("NumMedia", "0"),
    ];
    assert_eq!(app.post("/twilio/sms", &params).await.status, 200);
}

async fn legs_of(app: &TestApp, call: &str) -> i64 {
    let row = app
        .row(&format!("SELECT COUNT(*) FROM call_legs WHERE call_sid = '{call}'"))
        .await;
    row.try_get_by_index(0).unwrap()
}

#[tokio::test]
async fn history_older_than_the_retention_period_is_pruned_in_the_background() {
    let database = TestDb::new().await;
    let first = spawn_with(Options {
        at: new_york(2026, 10, 1, 10, 0),
        database: Some(database.url.clone()),
        ..Options::default()
    })
    .await;
    first.call(OLD_CALL, ACME).await;
    let now = first.clock_now();
    store::handling::set_handled(&first.db, OLD_CALL, "acme-dental", Some("Maria Lopez"), now)
        .await
        .unwrap();
    let link = store::call_links::NewLink {
        token: "a-link-sent-for-the-old-call",
        call_sid: OLD_CALL,
        client: "acme-dental",
        assistant: "maria",
        expires_at: now + chrono::Duration::days(7),
    };
    store::call_links::create(&first.db, &link, now).await.unwrap();
    text(&first, OLD_TEXT).await;
    first.drain_outbox().await;
    first.clock.set(new_york(2026, 12, 1, 10, 0));
    first.call(NEW_CALL, ACME).await;
    text(&first, NEW_TEXT).await;
    first.drain_outbox().await;
    assert_eq!(legs_of(&first, OLD_CALL).await, 1);
    drop(first);

    let app = spawn_with(Options {
        at: new_york(2026, 12, 1, 10, 0),
        database: Some(database.url.clone()),
        settings: |s| s.retention_days = Some(30),
        ..Options::default()
    })
    .await;
    let gone = || async { store::calls::find(&app.db, OLD_CALL).await.unwrap().is_none() };
    for _ in 0..100 {
        if gone().await {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    assert!(gone().await, "the call of two months ago is forgotten");
    assert_eq!(legs_of(&app, OLD_CALL).await, 0, "with its legs");
    for table in ["call_handling", "call_links"] {
        let row = app
            .row(&format!("SELECT COUNT(*) FROM {table} WHERE call_sid = '{OLD_CALL}'"))
            .await;
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0, "and its {table}");
    }
    assert!(store::calls::find(&app.db, NEW_CALL).await.unwrap().is_some());
    assert_eq!(legs_of(&app, NEW_CALL).await, 1);
    let received: Vec<String> =
        store::messages::list_received(&app.db, &store::messages::ReceivedFilter::default(), 100)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.message_sid)
            .collect();
    assert_eq!(received, [NEW_TEXT]);
    let replies = app.outbox("acme-dental").await;
    assert_eq!(replies.len(), 1, "only today's auto-reply: {replies:?}");
    assert!(replies[0].send_at > new_york(2026, 11, 1, 0, 0));
}
