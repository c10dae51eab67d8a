//! The call path's reads find their rows through indexes, so they cost the same with a
//! year of call history as with none. Plans are SQLite's (`EXPLAIN QUERY PLAN`);
//! PostgreSQL chooses its plans by its statistics, so they are not checked there.

use chrono::Utc;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::database::TestDb;

/// The plan's lines that read `table`.
async fn plan(sql: &Statement, table: &str) -> Option<Vec<String>> {
    let fresh = TestDb::new().await;
    if fresh.is_postgres() {
        eprintln!("query plans are SQLite's: not checked on PostgreSQL");
        return None;
    }
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    switchboard::store::migrate(&db).await.unwrap();
    let values = sql.values.clone().map(|v| v.0).unwrap_or_default();
    let explain = Statement::from_sql_and_values(DbBackend::Sqlite, format!("EXPLAIN QUERY PLAN {}", sql.sql), values);
    let rows = db.query_all(explain).await.unwrap();
    Some(
        rows.iter()
            .map(|row| row.try_get_by_index::<String>(3).unwrap())
            .filter(|detail| detail.contains(table))
            .collect(),
    )
}

#[tokio::test]
async fn who_is_busy_is_read_without_the_legs_that_never_ended() {
    let busy = switchboard::store::availability::unavailability_query(DbBackend::Sqlite, "acme-dental", Utc::now());
    let Some(legs) = plan(&busy, "call_legs").await else {
        return;
    };
    // A leg whose final status callback never came stays below `completed` for good:
    // a read by client and "not ended" would go through all of them on every call.
    assert_eq!(legs.len(), 2, "{legs:?}");
    assert!(legs[0].contains("(client_id=? AND status_rank=?)"), "{legs:?}");
    assert!(
        legs[1].contains("(client_id=? AND accepted=? AND status_rank<?)"),
        "{legs:?}"
    );
}

#[tokio::test]
async fn sqlite_connections_keep_temporary_files_in_memory_and_checkpoint_often() {
    let fresh = TestDb::new().await;
    if fresh.is_postgres() {
        eprintln!("SQLite's settings: not checked on PostgreSQL");
        return;
    }
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    let pragma = |name: &'static str| {
        let db = &db;
        async move {
            let row = db
                .query_one(Statement::from_string(DbBackend::Sqlite, format!("PRAGMA {name}")))
                .await
                .unwrap()
                .unwrap();
            row.try_get_by_index::<i64>(0).unwrap()
        }
    };
    assert_eq!(pragma("temp_store").await, 2, "2 is MEMORY");
    assert_eq!(pragma("wal_autocheckpoint").await, 250);
}
