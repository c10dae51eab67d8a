//! Group commit (`store::batch`) on the test's database, SQLite or PostgreSQL: the two
//! commit their batches differently (one transaction in two requests; reads on their
//! own, then the writes as one statement), and a refused item, the reads' rows, the pool's
//! other requests and a failed batch's round-robin turn must come out the same on both.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, QueryResult, Statement};
use switchboard::store::batch::{BatchWork, Batcher};
use switchboard::store::StoreError;

use crate::database::TestDb;
use crate::helpers::{spawn_with, Options, HARBOR};

/// `sql` with its one placeholder as `backend` writes it.
fn with_n(backend: DatabaseBackend, sql: &str, n: i64) -> Statement {
    let sql = match backend {
        DatabaseBackend::Postgres => sql.replace('?', "$1"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, [n.into()])
}

/// Inserts each item into a table whose column refuses negative numbers.
struct Insert;

impl BatchWork for Insert {
    type Item = i64;
    type Output = i64;
    type Reads = ();

    fn reads(&self, _: DatabaseBackend, _: &[i64]) -> ((), Vec<Statement>) {
        ((), Vec::new())
    }

    fn decide(
        &self,
        backend: DatabaseBackend,
        items: &[i64],
        (): (),
        _: Vec<Vec<QueryResult>>,
    ) -> Result<(Vec<i64>, Vec<Statement>), StoreError> {
        let inserts = items
            .iter()
            .map(|n| with_n(backend, "INSERT INTO t VALUES (?)", *n))
            .collect();
        Ok((items.to_vec(), inserts))
    }
}

/// Counts, for each item, the rows of `t` at most it: one read per item.
struct CountUpTo;

impl BatchWork for CountUpTo {
    type Item = i64;
    type Output = usize;
    type Reads = ();

    fn reads(&self, backend: DatabaseBackend, items: &[i64]) -> ((), Vec<Statement>) {
        let reads = items
            .iter()
            .map(|n| with_n(backend, "SELECT n FROM t WHERE n <= ?", *n))
            .collect();
        ((), reads)
    }

    fn decide(
        &self,
        _: DatabaseBackend,
        _: &[i64],
        (): (),
        rows: Vec<Vec<QueryResult>>,
    ) -> Result<(Vec<usize>, Vec<Statement>), StoreError> {
        Ok((rows.iter().map(Vec::len).collect(), Vec::new()))
    }
}

async fn table_t() -> (TestDb, DatabaseConnection) {
    let test_db = TestDb::new().await;
    let db = switchboard::store::connect(&test_db.url).await.unwrap();
    db.execute_unprepared("CREATE TABLE t (n BIGINT NOT NULL CHECK (n >= 0))")
        .await
        .unwrap();
    (test_db, db)
}

async fn rows_of_t(db: &DatabaseConnection) -> Vec<i64> {
    let rows = db
        .query_all(Statement::from_string(
            db.get_database_backend(),
            "SELECT n FROM t ORDER BY n",
        ))
        .await
        .unwrap();
    rows.iter().map(|r| r.try_get("", "n").unwrap()).collect()
}

#[tokio::test]
async fn each_read_of_a_batch_gets_its_own_parameters_and_rows() {
    let (_test_db, db) = table_t().await;
    db.execute_unprepared("INSERT INTO t VALUES (1), (2), (3)")
        .await
        .unwrap();
    let batcher = Batcher::start(db.clone(), CountUpTo);
    // Submitted together, so they share a batch (on SQLite, one request); a read
    // without rows sits between two with rows.
    let counts = tokio::join!(batcher.submit(2), batcher.submit(0), batcher.submit(3));
    assert_eq!([counts.0.unwrap(), counts.1.unwrap(), counts.2.unwrap()], [2, 0, 3]);
}

#[tokio::test]
async fn other_requests_get_the_database_while_batches_keep_coming() {
    let (_test_db, db) = table_t().await;
    let batcher = Batcher::start(db.clone(), Insert);
    // Far more than the queue holds, so batches stay queued for many commits.
    let total = 4_000;
    let committed = Arc::new(AtomicUsize::new(0));
    let flood: Vec<_> = (0..total)
        .map(|n| {
            let (batcher, committed) = (batcher.clone(), Arc::clone(&committed));
            tokio::spawn(async move {
                batcher.submit(n).await.unwrap();
                committed.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    while committed.load(Ordering::SeqCst) == 0 {
        tokio::task::yield_now().await;
    }
    db.execute_unprepared("INSERT INTO t VALUES (0)").await.unwrap();
    let before_the_flood_ended = committed.load(Ordering::SeqCst);
    for task in flood {
        task.await.unwrap();
    }
    assert!(
        before_the_flood_ended < total as usize,
        "the pool's request waited for all {total} queued items"
    );
    // Batches of many items, each committed (on PostgreSQL, as one statement).
    assert_eq!(rows_of_t(&db).await.len(), total as usize + 1);
}

#[tokio::test]
async fn an_item_the_database_refuses_fails_alone_and_the_rest_of_its_batch_commits() {
    let (_test_db, db) = table_t().await;
    let batcher = Batcher::start(db.clone(), Insert);
    // Submitted together, so they share a batch.
    let results = tokio::join!(batcher.submit(1), batcher.submit(-1), batcher.submit(2));
    let results = [results.0, results.1, results.2];
    assert_eq!(results[0].as_ref().ok(), Some(&1));
    assert!(results[1].is_err(), "the refused item fails");
    assert_eq!(results[2].as_ref().ok(), Some(&2));
    // Read through the pool: the batch's connection went back out of any transaction.
    assert_eq!(rows_of_t(&db).await, [1, 2]);
    // The batch after a refused one commits (its connection was given up, see
    // `store::batch::Session::commit`).
    assert_eq!(batcher.submit(3).await.ok(), Some(3));
    assert_eq!(rows_of_t(&db).await, [1, 2, 3]);
}

/// Makes the database refuse every new leg, so a batch of calls that ring someone fails
/// at its writes, after its reads took their turns.
async fn refuse_legs(db: &DatabaseConnection) {
    let statements: &[&str] = match db.get_database_backend() {
        DatabaseBackend::Postgres => &[
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            "CREATE TRIGGER refuse_legs BEFORE INSERT ON call_legs FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
        _ => &["CREATE TRIGGER refuse_legs BEFORE INSERT ON call_legs BEGIN SELECT RAISE(ABORT, 'refused'); END"],
    };
    for sql in statements {
        db.execute_unprepared(sql).await.unwrap();
    }
}

async fn accept_legs(db: &DatabaseConnection) {
    let sql = match db.get_database_backend() {
        DatabaseBackend::Postgres => "DROP TRIGGER refuse_legs ON call_legs",
        _ => "DROP TRIGGER refuse_legs",
    };
    db.execute_unprepared(sql).await.unwrap();
}

#[tokio::test]
async fn a_round_robin_turn_taken_by_a_batch_that_failed_is_given_back() {
    // Wednesday 10:00 in London: Harbor Plumbing's calls take turns, Dev's first.
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono_tz::Europe::London, 2026, 6, 3, 10, 0, 0).unwrap();
    let app = spawn_with(Options {
        at: at.with_timezone(&chrono::Utc),
        ..Options::default()
    })
    .await;
    refuse_legs(&app.db).await;
    let failed = app.call("CA00000000000000000000000000000b01", HARBOR).await;
    assert!(
        failed.dialled().is_empty(),
        "the caller got the safe voicemail: {}",
        failed.body
    );
    accept_legs(&app.db).await;
    let next = app.call("CA00000000000000000000000000000b02", HARBOR).await;
    assert_eq!(next.dialled(), ["+447911123401"], "Dev's turn was not used up");
}
