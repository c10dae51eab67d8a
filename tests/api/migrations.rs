//! Migrations go up, down and up again.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let fresh = crate::database::TestDb::new().await;
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("SELECT call_sid, outcome FROM calls")
        .await
        .unwrap();
    Migrator::down(&db, None).await.unwrap();
    assert!(
        db.execute_unprepared("SELECT call_sid FROM calls").await.is_err(),
        "down drops the tables"
    );
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("SELECT call_sid, outcome FROM calls")
        .await
        .unwrap();
}

/// Keying the legs by their call's id keeps every call and every leg, down and up again:
/// each leg gets its own call's id, whatever the order of the SIDs, and a leg whose call
/// was never recorded keeps its row.
#[tokio::test]
async fn keying_legs_by_call_id_keeps_every_call_and_leg() {
    let fresh = crate::database::TestDb::new().await;
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    let all_migrations = Migrator::migrations();
    let keying = all_migrations
        .iter()
        .position(|m| m.name() == "m20261122_000008_legs_by_call_id")
        .unwrap();
    let (before, since) = (
        u32::try_from(keying).unwrap(),
        u32::try_from(all_migrations.len() - keying).unwrap(),
    );
    Migrator::up(&db, Some(before)).await.unwrap();
    let at = "'2026-11-22T10:00:00+00:00'";
    for sid in ["CA2", "CA1"] {
        db.execute_unprepared(&format!(
            "INSERT INTO calls (call_sid, direction, from_number, to_number, status, status_rank, \
             started_at, updated_at) VALUES ('{sid}', 'inbound', '+15557654321', '+12125550100', \
             'ringing', 3, {at}, {at})"
        ))
        .await
        .unwrap();
    }
    for (sid, number) in [("CA1", "+1001"), ("CA2", "+1002"), ("CA1", "+1003"), ("CA9", "+1009")] {
        db.execute_unprepared(&format!(
            "INSERT INTO call_legs (client_id, call_sid, step, number, status, status_rank, \
             created_at, updated_at) VALUES ('acme-dental', '{sid}', 0, '{number}', 'initiated', 2, {at}, {at})"
        ))
        .await
        .unwrap();
    }
    let linked = "SELECT c.call_sid, l.number FROM call_legs l JOIN calls c ON c.id = l.call_id ORDER BY l.id";
    let rows = |sql: &'static str| {
        let db = &db;
        async move {
            let rows = db
                .query_all(Statement::from_string(db.get_database_backend(), sql))
                .await?;
            Ok::<_, sea_orm::DbErr>(
                rows.iter()
                    .map(|r| {
                        (
                            r.try_get_by_index::<String>(0).unwrap(),
                            r.try_get_by_index::<String>(1).unwrap(),
                        )
                    })
                    .collect::<Vec<_>>(),
            )
        }
    };
    let pair = |sid: &str, number: &str| (sid.to_owned(), number.to_owned());
    let expected = vec![pair("CA1", "+1001"), pair("CA2", "+1002"), pair("CA1", "+1003")];

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(rows(linked).await.unwrap(), expected);
    let orphan = "SELECT call_sid, CAST(call_id + id AS TEXT) FROM call_legs WHERE call_id < 0";
    assert_eq!(
        rows(orphan).await.unwrap(),
        [pair("CA9", "0")],
        "under minus its own id"
    );

    Migrator::down(&db, Some(since)).await.unwrap();
    assert!(rows(linked).await.is_err(), "down takes the ids away");
    let by_sid = "SELECT call_sid, number FROM call_legs ORDER BY id";
    let mut all = expected.clone();
    all.push(pair("CA9", "+1009"));
    assert_eq!(rows(by_sid).await.unwrap(), all);
    let calls = "SELECT call_sid, status FROM calls ORDER BY call_sid";
    assert_eq!(
        rows(calls).await.unwrap(),
        [pair("CA1", "ringing"), pair("CA2", "ringing")]
    );

    Migrator::up(&db, None).await.unwrap();
    assert_eq!(rows(linked).await.unwrap(), expected);
}

/// A database where two processes already offered one assistant two callers keeps the
/// offer of the caller who joined first; the other goes back to the queue (a call back to
/// its due list, the attempt not counted), and from then on the database refuses a second
/// offer.
#[tokio::test]
async fn one_offer_per_assistant_releases_the_extra_offers_already_made() {
    use switchboard::store::queue;
    let fresh = crate::database::TestDb::new().await;
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    let all_migrations = Migrator::migrations();
    let claims = all_migrations
        .iter()
        .position(|m| m.name() == "m20261203_000022_one_offer_per_assistant")
        .unwrap();
    Migrator::up(&db, Some(u32::try_from(claims).unwrap())).await.unwrap();
    let at = "'2026-12-03T10:00:00+00:00'";
    let rows = [
        ("CA1", "offered", "NULL", "'ann'", 0),
        ("CA2", "offered", "'callback'", "'ann'", 2),
        ("CA3", "offered", "NULL", "'ann'", 0),
        ("CA4", "offered", "NULL", "'bob'", 0),
        ("CA5", "waiting", "NULL", "NULL", 0),
    ];
    for (sid, state, exit, assistant, attempts) in rows {
        db.execute_unprepared(&format!(
            "INSERT INTO queue_callers (client_id, call_sid, from_number, to_number, position, arrived_at, \
             state, exit, assistant_id, attempts, next_attempt_at, updated_at) VALUES ('small-office', '{sid}', \
             '+19175550001', '+12125550130', 'client=small-office', {at}, '{state}', {exit}, {assistant}, \
             {attempts}, {at}, {at})"
        ))
        .await
        .unwrap();
    }

    Migrator::up(&db, None).await.unwrap();
    let mut found = Vec::new();
    for (sid, ..) in rows {
        let c = queue::find(&db, sid).await.unwrap().unwrap();
        found.push((sid, c.state, c.assistant_id, c.attempts));
    }
    let row = |sid, state: &str, assistant: Option<&str>, attempts| {
        (sid, state.to_owned(), assistant.map(str::to_owned), attempts)
    };
    assert_eq!(
        found,
        [
            row("CA1", queue::OFFERED, Some("ann"), 0),
            row("CA2", queue::CALLBACK, None, 1),
            row("CA3", queue::WAITING, None, 0),
            row("CA4", queue::OFFERED, Some("bob"), 0),
            row("CA5", queue::WAITING, None, 0),
        ]
    );
    let waiting = queue::find(&db, "CA5").await.unwrap().unwrap();
    let now = chrono::Utc::now();
    assert!(
        !queue::offer(&db, &waiting, "ann", now).await.unwrap(),
        "Ann is offered CA1"
    );
    assert!(queue::offer(&db, &waiting, "cat", now).await.unwrap());

    let since = u32::try_from(all_migrations.len() - claims).unwrap();
    Migrator::down(&db, Some(since)).await.unwrap();
    let again = queue::find(&db, "CA3").await.unwrap().unwrap();
    assert!(
        queue::offer(&db, &again, "ann", now).await.unwrap(),
        "down drops the index"
    );
}
