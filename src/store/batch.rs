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
            Err(e) => {
                let e: Arc<str> = e.to_string().into();
                for done in done {
                    let _ = done.send(Err(Arc::clone(&e)));
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
