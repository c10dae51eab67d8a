//! An assistant is offered one queue caller at a time, whichever process offers: a unique
//! index on the callers being offered, by client and assistant. Two processes that both
//! read an assistant as free could each offer them a different caller; with the index the
//! second offer fails and that process leaves the caller waiting. A database that already
//! holds such pairs keeps each assistant's caller who joined first; the others go back to
//! the queue (a call back to its due list, its attempt not counted) before the index is built.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum QueueCallers {
    Table,
    ClientId,
    AssistantId,
    State,
}

const NAME: &str = "ux_queue_callers_one_offer";

/// `store::queue::OFFERED`: migrations do not depend on the server's crate.
const OFFERED: &str = "offered";

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.get_connection()
            .execute_unprepared(
                "UPDATE queue_callers SET \
                 state = CASE WHEN exit = 'callback' THEN 'callback' ELSE 'waiting' END, \
                 attempts = CASE WHEN exit = 'callback' THEN attempts - 1 ELSE attempts END, \
                 assistant_id = NULL \
                 WHERE state = 'offered' AND EXISTS (SELECT 1 FROM queue_callers earlier \
                 WHERE earlier.client_id = queue_callers.client_id \
                 AND earlier.assistant_id = queue_callers.assistant_id \
                 AND earlier.state = 'offered' AND earlier.id < queue_callers.id)",
            )
            .await?;
        m.create_index(
            Index::create()
                .name(NAME)
                .table(QueueCallers::Table)
                .col(QueueCallers::ClientId)
                .col(QueueCallers::AssistantId)
                .unique()
                .and_where(Expr::col(QueueCallers::State).eq(OFFERED))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(QueueCallers::Table).to_owned())
            .await
    }
}
