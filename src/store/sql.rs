//! SQL written out for the statements every incoming call runs (its batch's reads and
//! inserts), where sea-query's builder cost more than the rest of the call: it
//! formats every identifier and placeholder through `fmt` on every use, on every call
//! (docs/performance.md). The text is the same every time, so it is written once here,
//! with `?` placeholders that [`numbered`] turns into PostgreSQL's `$1, $2, …`.

use std::fmt::Write;

use sea_orm::{DbBackend, Statement, Value};

/// A statement from `sql`, whose only `?` characters are its placeholders.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, numbered(backend, sql), values)
}

/// `'a', 'b'`: this code's own constant words as an SQL list, for `IN (…)`; never input.
pub fn quoted_list(values: &[&str]) -> String {
    values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

/// `INSERT INTO {table} ({columns}) VALUES (?, …), …{tail}` with one group of
/// placeholders per row: each row has one value per column, which the compiler checks.
/// None when there are no rows.
pub fn insert_rows<const N: usize>(
    backend: DbBackend,
    table: &str,
    columns: [&str; N],
    tail: &str,
    rows: impl ExactSizeIterator<Item = [Value; N]>,
) -> Option<Statement> {
    let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
    values(backend, &head, tail, rows)
}

/// `{head}VALUES (?, …), …{tail}`, one group of placeholders per row, for a `VALUES`
/// list read as a table (its columns are `column1`, `column2`, … on both backends).
/// None when there are no rows.
pub fn values<const N: usize>(
    backend: DbBackend,
    head: &str,
    tail: &str,
    rows: impl ExactSizeIterator<Item = [Value; N]>,
) -> Option<Statement> {
    let count = rows.len();
    if count == 0 || N == 0 {
        return None;
    }
    let mut sql = String::with_capacity(head.len() + 8 + tail.len() + count * (N * 3 + 4));
    sql.push_str(head);
    sql.push_str("VALUES ");
    let group = format!("(?{})", ", ?".repeat(N - 1));
    for row in 0..count {
        if row > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&group);
    }
    sql.push_str(tail);
    let mut values = Vec::with_capacity(count * N);
    values.extend(rows.flatten());
    Some(statement(backend, &sql, values))
}

/// `sql` with its placeholders as `backend` writes them: SQLite takes `?` as it is, and
/// numbers them in order across the statements of one request (`store::batch`);
/// PostgreSQL wants them numbered.
fn numbered(backend: DbBackend, sql: &str) -> String {
    if backend != DbBackend::Postgres {
        return sql.to_owned();
    }
    let mut out = String::with_capacity(sql.len() + sql.len() / 4);
    for (n, part) in sql.split('?').enumerate() {
        if n > 0 {
            let _ = write!(out, "${n}");
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let sql = "SELECT a FROM t WHERE b = ? AND c IN (?, ?)";
        assert_eq!(numbered(DbBackend::Sqlite, sql), sql);
        assert_eq!(
            numbered(DbBackend::Postgres, sql),
            "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)"
        );
    }

    #[test]
    fn an_insert_has_one_group_of_placeholders_per_row() {
        let rows = [[1, 2, 3], [4, 5, 6]].into_iter().map(|row| row.map(Value::from));
        let insert = insert_rows(
            DbBackend::Postgres,
            "t",
            ["a", "b", "c"],
            " ON CONFLICT DO NOTHING",
            rows,
        )
        .unwrap();
        assert_eq!(
            insert.sql,
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT DO NOTHING"
        );
        assert_eq!(insert.values.map(|v| v.0.len()), Some(6));
        let none = std::iter::empty::<[Value; 3]>();
        assert!(insert_rows(DbBackend::Sqlite, "t", ["a", "b", "c"], "", none).is_none());
    }
}
