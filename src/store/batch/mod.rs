//! Group commit: webhooks that arrive at the same moment are handled in one
//! transaction, so a burst costs one disk flush (and one of each shared read) instead
//! of one per webhook, and a `200` still means committed: each webhook waits for its
//! batch's commit.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use sea_orm::sea_query::Values;
use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Either, Executor, PgConnection, Postgres, Sqlite, SqliteConnection};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, QueryResult, RuntimeErr, Statement};
use sea_query_binder::SqlxValues;
use tokio::sync::{mpsc, oneshot};

use super::StoreError;

/// What a batch does, as two sets of statements: what it reads (or takes, like
/// round-robin turns), and then, decided from those rows without the database, what
/// it writes. On SQLite both sets are one transaction and each set one request; on
/// PostgreSQL each read commits on its own and the writes are one statement
/// (`commit_on_postgres`), so no write may depend on another's effect, and no two
/// may change the same row.
pub trait BatchWork: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;
    /// What [`BatchWork::decide`] needs to know of which read is which.
    type Reads: Send;

    fn reads(&self, backend: DatabaseBackend, items: &[Self::Item]) -> (Self::Reads, Vec<Statement>);

    /// One output per item, in order, from the rows each read returned, and the
    /// statements that record them.
    ///
    /// # Errors
    /// When a row is not what its read returns.
    fn decide(
        &self,
        backend: DatabaseBackend,
        items: &[Self::Item],
        reads: Self::Reads,
        rows: Vec<Vec<QueryResult>>,
    ) -> Result<(Vec<Self::Output>, Vec<Statement>), StoreError>;
}

struct Job<W: BatchWork> {
    item: W::Item,
    done: oneshot::Sender<Result<W::Output, Arc<str>>>,
}

/// Most items one commit carries; more wait for the next.
const BATCH: usize = 64;

/// Most batches in a row that keep SQLite's one connection while more are queued;
/// then it goes back to the pool for a turn of the other requests.
const HELD_BATCHES: u32 = 8;

pub struct Batcher<W: BatchWork> {
    jobs: mpsc::Sender<Job<W>>,
}

impl<W: BatchWork> Clone for Batcher<W> {
    fn clone(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
        }
    }
}

impl<W: BatchWork> std::fmt::Debug for Batcher<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher").finish_non_exhaustive()
    }
}

impl<W: BatchWork> Batcher<W> {
    /// Starts the task that runs `work` on each batch and commits it on `db`, one batch
    /// at a time: SQLite commits one transaction at a time anyway, and on PostgreSQL
    /// one batch at a time carried more calls per second than two, three, four or eight
    /// at once (`bench/load.sh`, docs/performance.md): each batch costs PostgreSQL its
    /// statements and its commit however few calls it carries, and one at a time they
    /// carry the most.
    pub fn start(db: DatabaseConnection, work: W) -> Self {
        let (jobs, queue) = mpsc::channel(1024);
        tokio::spawn(run(db, work, queue));
        Self { jobs }
    }

    /// Runs `item` in the next batch and returns its output once that batch is committed.
    ///
    /// # Errors
    /// When the batch fails (every item in it then fails: Twilio retries them, or the
    /// caller is answered safely).
    pub async fn submit(&self, item: W::Item) -> Result<W::Output, StoreError> {
        let (done, result) = oneshot::channel();
        let failed = |e: &str| StoreError::Backend(DbErr::Custom(e.to_owned()));
        let stopped = "the database batch task stopped";
        self.jobs.send(Job { item, done }).await.map_err(|_| failed(stopped))?;
        result.await.map_err(|_| failed(stopped))?.map_err(|e| failed(&e))
    }
}

async fn run<W: BatchWork>(db: DatabaseConnection, work: W, mut queue: mpsc::Receiver<Job<W>>) {
    let mut session = Session::new(db);
    let mut jobs = Vec::with_capacity(BATCH);
    loop {
        if queue.is_empty() {
            // Nothing is waiting: SQLite's connection goes back to the other requests.
            // Checked here, after the commit, not when the batch was taken: under load
            // the next calls arrive while this one commits, and giving the connection
            // back and taking it again cost a large share of a batch.
            session.release();
        }
        if queue.recv_many(&mut jobs, BATCH).await == 0 {
            return;
        }
        // A webhook past its deadline has already answered the safe voicemail: doing its
        // work now would record a call that never happened that way.
        jobs.retain(|j| !j.done.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let (items, done): (Vec<_>, Vec<_>) = jobs.drain(..).map(|j| (j.item, j.done)).unzip();
        let started = Instant::now();
        let committed = session.commit(&work, &items).await;
        crate::app::metrics::batch(items.len(), started.elapsed());
        match committed {
            Ok(outputs) => {
                for (done, output) in done.into_iter().zip(outputs) {
                    let _ = done.send(Ok(output));
                }
            }
            // One item the database refuses must not fail the others that shared its
            // batch: each is tried again alone (a database that is down fails them all).
            Err(_) if items.len() > 1 => {
                for (item, done) in items.iter().zip(done) {
                    if done.is_closed() {
                        continue;
                    }
                    let alone = session.commit(&work, std::slice::from_ref(item)).await;
                    let _ = done.send(
                        alone
                            .map_err(|e| e.to_string().into())
                            .and_then(|mut o| o.pop().ok_or_else(|| "the batch gave no output".into())),
                    );
                }
            }
            Err(e) => {
                for done in done {
                    let _ = done.send(Err(e.to_string().into()));
                }
            }
        }
    }
}

/// Where the batch task commits its batches.
///
/// Each statement is a round trip to the database (on SQLite, to the connection's own
/// thread), and on a busy machine each waits to be scheduled; taking a connection from
/// the pool is one more. So a batch keeps one connection while batches are queued, up
/// to [`HELD_BATCHES`] in a row. On SQLite it sends its reads and its writes each as
/// one request, two round trips in all, where a transaction through the pool took
/// eight. On PostgreSQL, which takes one bound statement per request, it keeps its
/// prepared statements on one connection instead of preparing them again on each of
/// the pool's (`commit_on_postgres`).
struct Session {
    db: DatabaseConnection,
    held: Option<Held>,
    held_batches: u32,
}

enum Held {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl Held {
    /// Closes the connection instead of giving it back to the pool.
    fn close_on_drop(&mut self) {
        match self {
            Self::Sqlite(conn) => conn.close_on_drop(),
            Self::Postgres(conn) => conn.close_on_drop(),
        }
    }
}

impl Session {
    fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            held: None,
            held_batches: 0,
        }
    }

    fn release(&mut self) {
        self.held = None;
        self.held_batches = 0;
    }

    async fn acquire(&self) -> Result<Held, StoreError> {
        Ok(match self.db.get_database_backend() {
            DatabaseBackend::Postgres => Held::Postgres(
                self.db
                    .get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_error)?,
            ),
            _ => Held::Sqlite(
                self.db
                    .get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(sqlx_error)?,
            ),
        })
    }

    async fn commit<W: BatchWork>(&mut self, work: &W, items: &[W::Item]) -> Result<Vec<W::Output>, StoreError> {
        if self.held_batches >= HELD_BATCHES {
            self.release();
        }
        let held = match &mut self.held {
            Some(held) => held,
            None => {
                let held = self.acquire().await?;
                self.held.insert(held)
            }
        };
        self.held_batches += 1;
        let (committed, clean) = match held {
            Held::Sqlite(conn) => {
                let committed = commit_on_sqlite(conn, work, items).await;
                let rollback = Statement::from_string(DatabaseBackend::Sqlite, "ROLLBACK");
                let clean = committed.is_ok() || one_request(conn, std::iter::once(rollback)).await.is_ok();
                (committed, clean)
            }
            // A failed statement may have been the connection's last: it is not kept.
            Held::Postgres(conn) => {
                let committed = commit_on_postgres(conn, work, items).await;
                let clean = committed.is_ok();
                (committed, clean)
            }
        };
        if !clean {
            // Whatever state the connection is in, it must not reach another request.
            if let Some(held) = &mut self.held {
                held.close_on_drop();
            }
            self.release();
        }
        committed
    }
}

/// The batch on PostgreSQL, one statement per request. Each read commits on its own,
/// and the writes are one statement ([`one_statement`]), which needs no transaction
/// around it: `BEGIN`, `COMMIT` and a request per write were four round trips for a
/// batch whose calls ring legs, each a wait for PostgreSQL's process to be scheduled.
/// So a round-robin turn read for a batch whose write then fails stays taken: the
/// rotation skips one turn, and no call is lost.
async fn commit_on_postgres<W: BatchWork>(
    conn: &mut PgConnection,
    work: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, StoreError> {
    let backend = DatabaseBackend::Postgres;
    let mut stages = Stages::start();
    let (reads, statements) = work.reads(backend, items);
    let mut rows = Vec::with_capacity(statements.len());
    for Statement { sql, values, .. } in statements {
        let found = bound(&sql, values).fetch_all(&mut *conn).await.map_err(sqlx_error)?;
        rows.push(found.into_iter().map(QueryResult::from).collect());
    }
    stages.done("read");
    let (outputs, writes) = work.decide(backend, items, reads, rows)?;
    stages.done("decide");
    if let Some(Statement { sql, values, .. }) = one_statement(writes) {
        bound(&sql, values).execute(&mut *conn).await.map_err(sqlx_error)?;
    }
    stages.done("write");
    Ok(outputs)
}

/// Times the stages of a committed batch for `/metrics`
/// ([`crate::app::metrics::batch_stage`]): where a batch's time goes, the database's
/// work or the waits between.
struct Stages(Instant);

impl Stages {
    fn start() -> Self {
        Self(Instant::now())
    }

    /// Records the stage that ends now; the next one starts.
    fn done(&mut self, stage: &'static str) {
        let now = Instant::now();
        crate::app::metrics::batch_stage(stage, now - self.0);
        self.0 = now;
    }
}

/// Where a batch's write finds the rows that its write number `index` put in `table`.
/// On SQLite, `table`: the writes run in order, in one transaction. On PostgreSQL the
/// writes are one statement ([`one_statement`]) on one snapshot, which does not see
/// their own changes: there, the rows that write returned (its `RETURNING`).
pub fn rows_written(backend: DatabaseBackend, index: usize, table: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("w{index}"),
        _ => table.to_owned(),
    }
}

/// PostgreSQL statements as one: all but the last as `WITH` queries of the last, which
/// PostgreSQL runs atomically, on one snapshot, in one round trip. The query of the
/// statement at `i` is named `w{i}` ([`rows_written`]). Each statement's `$n`
/// placeholders are moved past those of the statements before it.
fn one_statement(statements: Vec<Statement>) -> Option<Statement> {
    if statements.len() <= 1 {
        return statements.into_iter().next();
    }
    let last = statements.len() - 1;
    let mut sql = String::from("WITH ");
    let mut values = Vec::new();
    for (i, statement) in statements.into_iter().enumerate() {
        if i == last {
            sql.push(' ');
        } else if i > 0 {
            sql.push_str(", ");
        }
        if i < last {
            let _ = write!(sql, "w{i} AS (");
        }
        shift_placeholders(&mut sql, &statement.sql, values.len());
        if i < last {
            sql.push(')');
        }
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
    }
    Some(Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values))
}

/// Appends `sql` to `out` with each `$n` as `$(n + by)`. Our statements have no string
/// literals or dollar quotes, so every `$` followed by digits is a placeholder.
fn shift_placeholders(out: &mut String, sql: &str, by: usize) {
    let mut rest = sql;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        match rest[..digits].parse::<usize>() {
            Ok(n) => {
                let _ = write!(out, "{}", n + by);
            }
            Err(_) => out.push_str(&rest[..digits]),
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
}

/// A statement's SQL and values as sqlx runs them on PostgreSQL.
fn bound(sql: &str, values: Option<Values>) -> sqlx::query::Query<'_, Postgres, SqlxValues> {
    sqlx::query_with(sql, SqlxValues(values.unwrap_or(Values(Vec::new()))))
}

/// The batch in two requests: `BEGIN IMMEDIATE` and the reads, then the writes and
/// `COMMIT`. On an error the transaction is left open for the caller to roll back.
async fn commit_on_sqlite<W: BatchWork>(
    conn: &mut SqliteConnection,
    work: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, StoreError> {
    let backend = DatabaseBackend::Sqlite;
    let mut stages = Stages::start();
    let (reads, statements) = work.reads(backend, items);
    let begin = Statement::from_string(backend, "BEGIN IMMEDIATE");
    // The first result is `BEGIN`'s, which has no rows.
    let rows = one_request(conn, std::iter::once(begin).chain(statements)).await?;
    let rows = rows.into_iter().skip(1).collect();
    stages.done("read");
    let (outputs, writes) = work.decide(backend, items, reads, rows)?;
    stages.done("decide");
    let commit = Statement::from_string(backend, "COMMIT");
    one_request(conn, writes.into_iter().chain(std::iter::once(commit))).await?;
    stages.done("write");
    Ok(outputs)
}

/// Runs `statements` on SQLite as one request and returns each one's rows.
///
/// Boxed, because sqlx's executor is implemented for one borrow of the connection at a
/// time, which a spawned task's future cannot otherwise prove.
fn one_request(
    conn: &mut SqliteConnection,
    statements: impl Iterator<Item = Statement>,
) -> BoxFuture<'_, Result<Vec<Vec<QueryResult>>, StoreError>> {
    let mut sql = String::new();
    let mut values = Vec::new();
    let mut count = 0;
    for statement in statements {
        sql.push_str(&statement.sql);
        sql.push_str(";\n");
        values.extend(statement.values.map(|v| v.0).unwrap_or_default());
        count += 1;
    }
    // SQLite's `?` parameters are numbered across the statements of one request, in
    // order (sea-query writes every SQLite parameter as `?`).
    Box::pin(async move {
        let query = sqlx::query_with(&sql, SqlxValues(sea_orm::sea_query::Values(values)));
        let mut results = Vec::with_capacity(count);
        let mut current = Vec::new();
        let mut stream = conn.fetch_many(query);
        // Each statement's rows come before the summary that ends it.
        while let Some(step) = stream.try_next().await.map_err(sqlx_error)? {
            match step {
                Either::Right(row) => current.push(QueryResult::from(row)),
                Either::Left(_) => results.push(std::mem::take(&mut current)),
            }
        }
        // `decide` finds each read's rows by its place: a missing one must not shift them.
        if results.len() != count {
            return Err(StoreError::Backend(DbErr::Custom(format!(
                "SQLite answered {} of {count} statements",
                results.len()
            ))));
        }
        Ok(results)
    })
}

fn sqlx_error(e: sqlx::Error) -> StoreError {
    StoreError::Backend(DbErr::Query(RuntimeErr::SqlxError(e)))
}

#[cfg(test)]
mod tests {
    use sea_orm::{DatabaseBackend, Statement};

    use super::one_statement;

    #[test]
    fn writes_become_one_statement_with_their_placeholders_in_order() {
        let pg = |sql: &str, values: Vec<i32>| {
            Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values.into_iter().map(Into::into))
        };
        let one = one_statement(vec![
            pg("INSERT INTO a VALUES ($1, $2)", vec![1, 2]),
            pg("INSERT INTO b VALUES ($1)", vec![3]),
            pg("UPDATE c SET x = $2 WHERE y = $1 AND z = '$'", vec![4, 5]),
        ])
        .unwrap();
        assert_eq!(
            one.sql,
            "WITH w0 AS (INSERT INTO a VALUES ($1, $2)), w1 AS (INSERT INTO b VALUES ($3)) \
             UPDATE c SET x = $5 WHERE y = $4 AND z = '$'"
        );
        let values: Vec<_> = one.values.unwrap().0.into_iter().map(|v| v.unwrap::<i32>()).collect();
        assert_eq!(values, [1, 2, 3, 4, 5]);
        let alone = one_statement(vec![pg("INSERT INTO a VALUES ($1)", vec![1])]).unwrap();
        assert_eq!(alone.sql, "INSERT INTO a VALUES ($1)");
        assert!(one_statement(Vec::new()).is_none());
    }
}
