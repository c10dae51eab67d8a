//! Migrations go up, down and up again.

use migration::{Migrator, MigratorTrait};
use sea_orm::ConnectionTrait;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let fresh = crate::database::TestDb::new().await;
    let db = switchboard::store::connect(&fresh.url).await.unwrap();
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("SELECT call_sid, outcome FROM calls")
        .await
        .unwrap();
    Migrator::down(&db, None).await.unwrap();
    assert!(
        db.execute_unprepared("SELECT call_sid FROM calls").await.is_err(),
        "down drops the tables"
    );
    Migrator::up(&db, None).await.unwrap();
    db.execute_unprepared("SELECT call_sid, outcome FROM calls")
        .await
        .unwrap();
}
