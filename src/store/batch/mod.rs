//! Group commit: webhooks that arrive at the same moment are handled in one
//! transaction, so a burst costs one disk flush (and one of each shared read) instead
//! of one per webhook, and a `200` still means committed: each webhook waits for its
//! batch's commit. Each backend's way of running a batch has its file; the batch of
//! incoming calls is typed in [`calls`].

pub mod calls;
mod postgres;
mod sqlite;

use std::sync::Arc;
use std::time::Instant;

use sea_orm::sqlx::pool::PoolConnection;
use sea_orm::sqlx::{self, Postgres, Sqlite};
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection, DbErr, QueryResult, RuntimeErr, Statement};
use tokio::sync::{mpsc, oneshot};

use postgres::commit_on_postgres;
use sqlite::{commit_on_sqlite, one_request};

use super::StoreError;

/// What a batch does, as two sets of statements: what it reads (or takes, like
/// round-robin turns), and then, decided from those rows without the database, what
/// it writes. On SQLite both sets are one transaction and each set one request; on
/// PostgreSQL each read is a request of its own and the writes are one statement
/// (`commit_on_postgres`), so no write may depend on another's effect, and no two
/// may change the same row.
pub trait BatchWork: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;
    /// What [`BatchWork::decide`] needs to know of which read is which.
    type Reads: Send;

    fn reads(&self, backend: DatabaseBackend, items: &[Self::Item]) -> (Self::Reads, Vec<Statement>);

    /// Whether these reads change the database (a round-robin turn taken), so that a batch
    /// whose writes fail must undo them. On PostgreSQL only such a batch pays for a
    /// transaction around its statements; reads that only read need none.
    fn takes(&self, _reads: &Self::Reads) -> bool {
        true
    }

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
        crate::metrics::batch(items.len(), started.elapsed());
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
            // A failed statement may have been the connection's last, and a failed batch's
            // transaction is still open on it: it is not kept, and closing it rolls back.
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

/// Times the stages of a committed batch for `/metrics`
/// ([`crate::metrics::batch_stage`]): where a batch's time goes, the database's
/// work or the waits between.
struct Stages(Instant);

impl Stages {
    fn start() -> Self {
        Self(Instant::now())
    }

    /// Records the stage that ends now; the next one starts.
    fn done(&mut self, stage: &'static str) {
        let now = Instant::now();
        crate::metrics::batch_stage(stage, now - self.0);
        self.0 = now;
    }
}

/// Where a batch's write finds the rows that its write number `index` put in `table`.
/// On SQLite, `table`: the writes run in order, in one transaction. On PostgreSQL the
/// writes are one statement (`postgres::one_statement`) on one snapshot, which does not see
/// their own changes: there, the rows that write returned (its `RETURNING`).
fn rows_written(backend: DatabaseBackend, index: usize, table: &str) -> String {
    match backend {
        DatabaseBackend::Postgres => format!("w{index}"),
        _ => table.to_owned(),
    }
}

fn sqlx_error(e: sqlx::Error) -> StoreError {
    StoreError::Backend(DbErr::Query(RuntimeErr::SqlxError(e)))
}
