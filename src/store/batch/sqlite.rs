//! The batch on SQLite: the reads and the writes each one request, in one transaction.

use futures_util::future::BoxFuture;
use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, Either, Executor, SqliteConnection};
use sea_orm::{DatabaseBackend, DbErr, QueryResult, Statement};
use sea_query_binder::SqlxValues;

use super::{sqlx_error, BatchWork, Stages};
use crate::store::StoreError;

/// The batch in two requests: `BEGIN IMMEDIATE` and the reads, then the writes and
/// `COMMIT`. On an error the transaction is left open for the caller to roll back.
pub(super) async fn commit_on_sqlite<W: BatchWork>(
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
pub(super) fn one_request(
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
