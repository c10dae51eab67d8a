//! Group commit: webhooks that write at the same moment share one transaction, so a
//! burst of calls costs one disk flush instead of one each, and a `200` still means
//! committed (each caller waits for its batch's commit).

use std::future::Future;
use std::pin::Pin;

use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::StoreError;

/// The writes of one webhook, run inside the batch's transaction.
pub type Write = Box<
    dyn for<'t> FnOnce(&'t DatabaseTransaction) -> Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 't>>
        + Send,
>;

struct Job {
    write: Write,
    done: oneshot::Sender<Result<(), String>>,
}

/// Most writes one commit carries; more wait for the next.
const BATCH: usize = 64;

#[derive(Debug, Clone)]
pub struct Writer {
    jobs: mpsc::Sender<Job>,
}

impl Writer {
    /// Starts the task that commits batches on `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let (jobs, queue) = mpsc::channel(1024);
        tokio::spawn(run(db, queue));
        Self { jobs }
    }

    /// Runs `write` in the next batch and returns once that batch is committed.
    ///
    /// # Errors
    /// When the batch fails to commit (every write in it then fails: they are retried
    /// by Twilio or answered safely by the caller).
    pub async fn commit(&self, write: Write) -> Result<(), StoreError> {
        let (done, result) = oneshot::channel();
        let gone = || StoreError::Backend(sea_orm::DbErr::Custom("the database writer stopped".into()));
        self.jobs.send(Job { write, done }).await.map_err(|_| gone())?;
        result
            .await
            .map_err(|_| gone())?
            .map_err(|e| StoreError::Backend(sea_orm::DbErr::Custom(e)))
    }
}

async fn run(db: DatabaseConnection, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        while batch.len() < BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let result = commit(&db, &mut batch).await.map_err(|e| e.to_string());
        for job in batch {
            let _ = job.done.send(result.clone());
        }
    }
}

async fn commit(db: &DatabaseConnection, batch: &mut [Job]) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    for job in batch.iter_mut() {
        // Its webhook already answered the safe voicemail (deadline): committing the legs
        // it would have rung now would record a call that never happened that way.
        if job.done.is_closed() {
            continue;
        }
        let write = std::mem::replace(&mut job.write, Box::new(|_| Box::pin(async { Ok(()) })));
        write(&txn).await?;
    }
    txn.commit().await?;
    Ok(())
}
