//! Group commit: webhooks that arrive at the same moment are handled in one
//! transaction, so a burst costs one disk flush (and one of each shared read) instead
//! of one per webhook, and a `200` still means committed: each webhook waits for its
//! batch's commit.

use std::future::Future;
use std::sync::Arc;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{mpsc, oneshot, Mutex};

use super::StoreError;

/// What a batch does inside its transaction: one output per item, in order.
pub trait BatchWork: Send + Sync + 'static {
    type Item: Send + Sync + 'static;
    type Output: Send + 'static;

    fn run<'t>(
        &'t self,
        txn: &'t DatabaseTransaction,
        items: &'t [Self::Item],
    ) -> impl Future<Output = Result<Vec<Self::Output>, StoreError>> + Send + 't;
}

struct Job<W: BatchWork> {
    item: W::Item,
    done: oneshot::Sender<Result<W::Output, Arc<str>>>,
}

/// Most items one commit carries; more wait for the next.
const BATCH: usize = 64;

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
    /// Starts `workers` tasks that take turns at the queue, each running `work` on a
    /// batch and committing it on `db`. One is right for SQLite, which commits one
    /// transaction at a time anyway; PostgreSQL flushes concurrent commits together,
    /// so there a second batch can fill up and commit while the first is flushing.
    pub fn start(db: DatabaseConnection, work: W, workers: usize) -> Self {
        let (jobs, queue) = mpsc::channel(1024);
        let queue = Arc::new(Mutex::new(queue));
        let work = Arc::new(work);
        for _ in 0..workers.max(1) {
            tokio::spawn(run(db.clone(), Arc::clone(&work), Arc::clone(&queue)));
        }
        Self { jobs }
    }

    /// Runs `item` in the next batch and returns its output once that batch is committed.
    ///
    /// # Errors
    /// When the batch fails (every item in it then fails: Twilio retries them, or the
    /// caller is answered safely).
    pub async fn submit(&self, item: W::Item) -> Result<W::Output, StoreError> {
        let (done, result) = oneshot::channel();
        let failed = |e: &str| StoreError::Backend(sea_orm::DbErr::Custom(e.to_owned()));
        let stopped = "the database batch task stopped";
        self.jobs.send(Job { item, done }).await.map_err(|_| failed(stopped))?;
        result.await.map_err(|_| failed(stopped))?.map_err(|e| failed(&e))
    }
}

async fn run<W: BatchWork>(db: DatabaseConnection, work: Arc<W>, queue: Arc<Mutex<mpsc::Receiver<Job<W>>>>) {
    let mut jobs = Vec::with_capacity(BATCH);
    loop {
        // The lock is held only while taking a batch, never while committing it.
        if queue.lock().await.recv_many(&mut jobs, BATCH).await == 0 {
            return;
        }
        // A webhook past its deadline has already answered the safe voicemail: doing its
        // work now would record a call that never happened that way.
        jobs.retain(|j| !j.done.is_closed());
        if jobs.is_empty() {
            continue;
        }
        let (items, done): (Vec<_>, Vec<_>) = jobs.drain(..).map(|j| (j.item, j.done)).unzip();
        let started = std::time::Instant::now();
        let committed = commit(&db, work.as_ref(), &items).await;
        crate::observability::batch(items.len(), started.elapsed());
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
                    let alone = commit(&db, work.as_ref(), std::slice::from_ref(item)).await;
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

async fn commit<W: BatchWork>(
    db: &DatabaseConnection,
    work: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, StoreError> {
    let txn = db.begin().await?;
    let outputs = work.run(&txn, items).await?;
    txn.commit().await?;
    Ok(outputs)
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};

    use super::*;

    /// Inserts each item into a table whose column refuses negative numbers.
    struct Insert;

    impl BatchWork for Insert {
        type Item = i64;
        type Output = i64;

        async fn run(&self, txn: &DatabaseTransaction, items: &[i64]) -> Result<Vec<i64>, StoreError> {
            for n in items {
                let sql = Statement::from_sql_and_values(
                    txn.get_database_backend(),
                    "INSERT INTO t VALUES ($1)",
                    [(*n).into()],
                );
                txn.execute(sql).await?;
            }
            Ok(items.to_vec())
        }
    }

    #[tokio::test]
    async fn an_item_the_database_refuses_fails_alone_and_the_rest_of_its_batch_commits() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::store::connect(&format!("sqlite://{}/b.db?mode=rwc", dir.path().display()))
            .await
            .unwrap();
        db.execute_unprepared("CREATE TABLE t (n INTEGER NOT NULL CHECK (n >= 0))")
            .await
            .unwrap();
        let batcher = Batcher::start(db.clone(), Insert, 1);
        // Submitted together, so they share a batch.
        let results = tokio::join!(batcher.submit(1), batcher.submit(-1), batcher.submit(2));
        let results = [results.0, results.1, results.2];
        assert_eq!(results[0].as_ref().ok(), Some(&1));
        assert!(results[1].is_err(), "the refused item fails");
        assert_eq!(results[2].as_ref().ok(), Some(&2));
        let rows = db
            .query_all(Statement::from_string(
                db.get_database_backend(),
                "SELECT n FROM t ORDER BY n",
            ))
            .await
            .unwrap();
        let kept: Vec<i64> = rows.iter().map(|r| r.try_get("", "n").unwrap()).collect();
        assert_eq!(kept, [1, 2]);
    }
}
