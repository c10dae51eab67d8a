//! Round-robin positions. They live in the database and advance in one atomic
//! statement, so concurrent calls and several server processes share one rotation.

use sea_orm::{ConnectionTrait, Statement};

use super::StoreError;

/// Advances the client's rotation for `route` and returns the position this call uses
/// (0 for the first call ever).
///
/// # Errors
/// On database failure.
pub async fn advance(db: &impl ConnectionTrait, client: &str, route: &str) -> Result<u64, StoreError> {
    // One upsert with RETURNING: both SQLite (3.35+) and PostgreSQL run it atomically,
    // so no two calls can read the same position.
    let sql = "INSERT INTO rotations (client_id, route_key, position) VALUES ($1, $2, 1) \
               ON CONFLICT (client_id, route_key) DO UPDATE SET position = rotations.position + 1 \
               RETURNING position";
    let backend = db.get_database_backend();
    let row = db
        .query_one(Statement::from_sql_and_values(
            backend,
            sql,
            [client.into(), route.into()],
        ))
        .await?
        .ok_or(StoreError::NotFound)?;
    let position: i64 = row.try_get("", "position")?;
    Ok(u64::try_from(position - 1).unwrap_or(0))
}
