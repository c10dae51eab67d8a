//! Round-robin positions. They live in the database and advance in one atomic
//! statement, so concurrent calls and several server processes share one rotation.

use sea_orm::{ConnectionTrait, Statement};

use super::StoreError;

/// Takes the next `count` turns of the client's rotation for `route` and returns the
/// first (0 for the first call ever); the others follow it in order.
///
/// # Errors
/// On database failure.
pub async fn advance(db: &impl ConnectionTrait, client: &str, route: &str, count: u64) -> Result<u64, StoreError> {
    // One upsert with RETURNING: both SQLite (3.35+) and PostgreSQL run it atomically,
    // so no two calls can take the same turn.
    let sql = "INSERT INTO rotations (client_id, route_key, position) VALUES ($1, $2, $3) \
               ON CONFLICT (client_id, route_key) DO UPDATE SET position = rotations.position + excluded.position \
               RETURNING position";
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let row = db
        .query_one(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [client.into(), route.into(), count.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let position: i64 = row.try_get("", "position")?;
    Ok(u64::try_from(position - count).unwrap_or(0))
}
