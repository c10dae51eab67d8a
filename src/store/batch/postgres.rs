//! The batch on PostgreSQL: each read a request of its own, and the writes one statement;
//! a transaction around them when the reads take a round-robin turn.

use std::fmt::Write as _;

use sea_orm::sea_query::Values;
use sea_orm::sqlx::{self, Executor, PgConnection, Postgres};
use sea_orm::{DatabaseBackend, QueryResult, Statement};
use sea_query_binder::SqlxValues;

use super::{sqlx_error, BatchWork, Stages};
use crate::store::StoreError;

/// The batch on PostgreSQL, one statement per request: each read, then the writes as
/// one statement ([`one_statement`]). A batch whose reads take something (a round-robin
/// turn) runs in a transaction, so that when its writes fail the turn is given back, as
/// on SQLite. One whose reads only read needs none, as its writes are one atomic
/// statement: `BEGIN` and `COMMIT` are a round trip each, a wait for PostgreSQL's process
/// to be scheduled, so only a batch that must pays them. On an error the transaction is
/// left open; the caller does not keep the connection, and PostgreSQL rolls back when it
/// closes.
pub(super) async fn commit_on_postgres<W: BatchWork>(
    conn: &mut PgConnection,
    work: &W,
    items: &[W::Item],
) -> Result<Vec<W::Output>, StoreError> {
    let backend = DatabaseBackend::Postgres;
    let mut stages = Stages::start();
    let (reads, statements) = work.reads(backend, items);
    let atomic = work.takes(&reads);
    if atomic {
        (&mut *conn).execute("BEGIN").await.map_err(sqlx_error)?;
    }
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
    if atomic {
        (&mut *conn).execute("COMMIT").await.map_err(sqlx_error)?;
    }
    stages.done("write");
    Ok(outputs)
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
