//! Several real `switchboard serve` processes sharing one database deliver every
//! queued message exactly once.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use switchboard::store::outbox::{self, NewMessage};

use crate::database::TestDb;
use crate::fake_twilio::FakeTwilio;
use crate::helpers::*;
use crate::server_process::ServerProcess;

async fn serve(database: &str, fake: &FakeTwilio, lease_seconds: &str) -> ServerProcess {
    let env = [
        ("TWILIO_API_BASE", fake.url.as_str()),
        ("SWITCHBOARD_OUTBOX_LEASE_SECONDS", lease_seconds),
    ];
    ServerProcess::start(database, &example_rules(), &env).await
}

#[tokio::test]
async fn two_processes_deliver_500_queued_messages_once_each() {
    let db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    let conn = switchboard::store::connect(&db.url).await.unwrap();
    switchboard::store::migrate(&conn).await.unwrap();
    let now = chrono::Utc::now();
    for n in 0..500 {
        let message = NewMessage {
            client: "acme-dental",
            dedupe_key: format!("load:{n}"),
            purpose: "api",
            call_sid: None,
            recording_sid: None,
            assistant: None,
            to: "+12125550111",
            from: ACME,
            body: &format!("message {n}"),
            send_at: now,
            kind: "sms",
            media_urls: &[],
            subject: None,
        };
        assert!(outbox::enqueue(&conn, &message, now).await.unwrap());
    }
    let _a = serve(&db.url, &fake, "60").await;
    let _b = serve(&db.url, &fake, "60").await;

    let deadline = Instant::now() + Duration::from_secs(60);
    while outbox::pending_stats(&conn).await.unwrap().0 > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in fake.accepted() {
        *seen.entry(m.body).or_default() += 1;
    }
    let duplicates: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(duplicates.is_empty(), "sent twice: {duplicates:?}");
    assert_eq!(
        seen.len(),
        500,
        "every message delivered ({} on {})",
        seen.len(),
        if db.is_postgres() { "PostgreSQL" } else { "SQLite" }
    );
    let rows = outbox::for_client(&conn, "acme-dental").await.unwrap();
    assert!(rows.iter().all(|r| r.state == "sent"), "all rows marked sent");
}

#[tokio::test]
async fn a_process_killed_mid_send_loses_nothing_and_sends_nothing_twice() {
    let db = TestDb::new().await;
    let fake = FakeTwilio::start().await;
    // Slow answers, so the first process is in the middle of a send when it dies.
    fake.script(
        (0..200)
            .map(|_| crate::fake_twilio::Step::AcceptThenHang(Duration::from_millis(25)))
            .collect(),
    );
    let conn = switchboard::store::connect(&db.url).await.unwrap();
    switchboard::store::migrate(&conn).await.unwrap();
    let now = chrono::Utc::now();
    for n in 0..60 {
        let message = NewMessage {
            client: "acme-dental",
            dedupe_key: format!("crash:{n}"),
            purpose: "api",
            call_sid: None,
            recording_sid: None,
            assistant: None,
            to: "+12125550111",
            from: ACME,
            body: &format!("crash test {n}"),
            send_at: now,
            kind: "sms",
            media_urls: &[],
            subject: None,
        };
        outbox::enqueue(&conn, &message, now).await.unwrap();
    }
    let mut first = serve(&db.url, &fake, "2").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while fake.accepted().len() < 5 {
        assert!(Instant::now() < deadline, "the first process never sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.kill();
    let sent_before = fake.accepted().len();
    let _second = serve(&db.url, &fake, "2").await;
    let deadline = Instant::now() + Duration::from_secs(40);
    while outbox::pending_stats(&conn).await.unwrap().0 > 0 {
        assert!(Instant::now() < deadline, "messages left pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut seen: HashMap<String, usize> = HashMap::new();
    for m in fake.accepted() {
        *seen.entry(m.body).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "sent twice: {seen:?}");
    assert_eq!(seen.len(), 60, "{sent_before} sent before the kill, all 60 in the end");
}
