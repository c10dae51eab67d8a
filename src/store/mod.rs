//! Persistence. The only code that touches SQL; it speaks domain types and takes
//! `&impl ConnectionTrait`, so each function works on the pool or in a transaction.

pub mod accounts;
pub mod admin;
pub mod availability;
pub mod batch;
pub mod call_links;
pub mod calls;
pub mod conversations;
pub mod duty;
mod entities;
pub mod handling;
pub mod legs;
pub mod messages;
pub mod outbox;
pub mod owners;
pub mod paging;
pub mod purchased_numbers;
pub mod queue;
pub mod recordings;
pub mod retention;
pub mod rotation;
pub mod rule_versions;
mod search;
pub mod sessions;
mod sql;
pub mod stats;
pub mod templates;
pub mod twilio_queues;
pub mod webhooks;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection, DbErr};

pub use sea_orm::DatabaseConnection as Db;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("database: {0}")]
    Backend(#[from] DbErr),
}

/// Log pages after which SQLite copies its log into the database. SQLite's default lets
/// the log grow so long that each checkpoint stalls the calls behind it and the slowest
/// answers suffer; a much smaller one checkpoints so often that fewer calls get through.
/// This one keeps the slow answers close to the smallest for few calls lost
/// (`bench/load.sh`, docs/performance.md).
const CHECKPOINT_PAGES: &str = "250";

/// Opens the pool. SQLite gets WAL so readers never wait for the writer.
///
/// # Errors
/// When the database cannot be reached or opened.
pub async fn connect(url: &str) -> Result<DatabaseConnection, StoreError> {
    let mut options = ConnectOptions::new(url.to_owned());
    // SQLite has one writer: connections waiting on its lock sleep in its busy handler,
    // which costs far more than queueing here for the one connection.
    let sqlite = url.starts_with("sqlite:");
    options
        .max_connections(if sqlite { 1 } else { 16 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            // A batch's multi-row upsert keeps a statement journal of the pages it
            // changes, in case a row's constraint fails it: past 64 KiB SQLite spilled
            // it to a temporary file, created, written and deleted once a batch.
            o.pragma("temp_store", "memory")
                // The commit that takes the log past this many pages copies it into the
                // database, while the calls of the next batch wait.
                .pragma("wal_autocheckpoint", CHECKPOINT_PAGES)
        });
    let db = Database::connect(options).await?;
    if db.get_database_backend() == DatabaseBackend::Sqlite {
        db.execute_unprepared("PRAGMA journal_mode=WAL").await?;
    }
    Ok(db)
}

/// Applies every pending migration.
///
/// # Errors
/// When a migration fails.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), StoreError> {
    Migrator::up(db, None).await?;
    Ok(())
}

/// Whether the database answers a trivial query (readiness).
pub async fn ping(db: &DatabaseConnection) -> bool {
    db.ping().await.is_ok()
}

/// What `GET /metrics` shows of the database now: the outbox's depth and oldest wait,
/// and the pool's use.
pub async fn gauges(db: &DatabaseConnection, now: chrono::DateTime<chrono::Utc>) -> crate::metrics::Gauges {
    let outbox = outbox::pending_stats(db).await.ok().map(|(depth, oldest)| {
        let age = oldest.map_or(0.0, |o| (now - o).num_milliseconds().max(0) as f64 / 1000.0);
        (depth, age)
    });
    let pool = match db.get_database_backend() {
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => (0, 0),
    };
    crate::metrics::Gauges { outbox, pool }
}
