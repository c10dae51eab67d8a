//! SQL written out for the statements every incoming call runs (its batch's reads and
//! inserts), where sea-query's builder cost more than the rest of the call: it
//! formats every identifier and placeholder through `fmt` on every use, and building
//! one batch's statements took about 46 000 instructions a call (callgrind, see the
//! README's Performance). The text is the same every time, so it is written once here,
//! with `?` placeholders that [`numbered`] turns into PostgreSQL's `$1, $2, …`.

use std::fmt::Write;

use sea_orm::{DbBackend, Statement, Value};

/// A statement from `sql`, whose only `?` characters are its placeholders.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(backend, numbered(backend, sql), values)
}

/// `INSERT INTO {table} ({columns}) VALUES (?, …), …{tail}`, one row for each
/// `columns.len()` of `values`, which come row by row.
pub fn insert_rows(backend: DbBackend, table: &str, columns: &[&str], tail: &str, values: Vec<Value>) -> Statement {
    debug_assert!(
        !columns.is_empty() && values.len() % columns.len() == 0,
        "{} values in rows of {}",
        values.len(),
        columns.len()
    );
    let rows = values.len() / columns.len();
    let mut sql = String::with_capacity(64 + tail.len() + columns.len() * 16 + rows * (columns.len() * 3 + 4));
    let _ = write!(sql, "INSERT INTO {table} ({}) VALUES ", columns.join(", "));
    for row in 0..rows {
        sql.push_str(if row == 0 { "(?" } else { ", (?" });
        sql.push_str(&", ?".repeat(columns.len() - 1));
        sql.push(')');
    }
    sql.push_str(tail);
    statement(backend, &sql, values)
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
        let values = (1..=6).map(Value::from).collect();
        let insert = insert_rows(
            DbBackend::Postgres,
            "t",
            &["a", "b", "c"],
            " ON CONFLICT DO NOTHING",
            values,
        );
        assert_eq!(
            insert.sql,
            "INSERT INTO t (a, b, c) VALUES ($1, $2, $3), ($4, $5, $6) ON CONFLICT DO NOTHING"
        );
        assert_eq!(insert.values.map(|v| v.0.len()), Some(6));
    }
}
