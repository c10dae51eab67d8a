//! The call log across every client, newest first, read through an index instead of a
//! sort of the whole table. Calls arrive in time order, so the index is appended to, as
//! the one by client and start already is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    StartedAt,
    CallSid,
}

const NAME: &str = "ix_calls_started_sid";

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(Calls::Table)
                .col(Calls::StartedAt)
                .col(Calls::CallSid)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(Calls::Table).to_owned())
            .await
    }
}
