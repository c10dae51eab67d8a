//! Round-robin positions. They live in the database and advance in one atomic
//! statement, so concurrent calls and several server processes share one rotation.

use sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement};

use super::{sql, StoreError};

/// Takes the next `count` turns of the client's rotation for `route` and returns the
/// first (0 for the first call ever); the others follow it in order.
///
/// # Errors
/// On database failure.
pub async fn advance(db: &impl ConnectionTrait, client: &str, route: &str, count: u64) -> Result<u64, StoreError> {
    let row = db
        .query_one(advance_statement(db.get_database_backend(), client, route, count))
        .await?
        .ok_or(StoreError::NotFound)?;
    first_turn(&row, count)
}

/// The statement [`advance`] runs, for a caller that sends it with others; its one row
/// is read by [`first_turn`].
pub(super) fn advance_statement(backend: DbBackend, client: &str, route: &str, count: u64) -> Statement {
    // One upsert with RETURNING: both SQLite (3.35+) and PostgreSQL run it atomically,
    // so no two calls can take the same turn.
    sql::statement(
        backend,
        "INSERT INTO rotations (client_id, route_key, position) VALUES (?, ?, ?) \
         ON CONFLICT (client_id, route_key) DO UPDATE SET position = rotations.position + excluded.position \
         RETURNING position",
        vec![client.into(), route.into(), turns(count).into()],
    )
}

/// The first of the `count` turns [`advance_statement`] took, from its row.
///
/// # Errors
/// When the row has no position.
pub(super) fn first_turn(row: &QueryResult, count: u64) -> Result<u64, StoreError> {
    let position: i64 = row.try_get("", "position")?;
    Ok(u64::try_from(position - turns(count)).unwrap_or(0))
}

fn turns(count: u64) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}
