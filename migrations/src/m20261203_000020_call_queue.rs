//! The callers waiting in each client's queue, in the order they came, and those who asked
//! to be called back. The order lives here, not in a process, so any process serves the
//! queue and none that dies loses a caller's place.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum QueueCallers {
    Table,
    Id,
    ClientId,
    CallSid,
    FromNumber,
    ToNumber,
    Position,
    ArrivedAt,
    State,
    Exit,
    AssistantId,
    OfferCallSid,
    AnnouncedAt,
    Attempts,
    NextAttemptAt,
    UpdatedAt,
}

const BY_CLIENT_STATE: &str = "ix_queue_callers_client_state";

fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).timestamp_with_time_zone().not_null().to_owned()
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(QueueCallers::Table)
                .col(
                    ColumnDef::new(QueueCallers::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(QueueCallers::ClientId).string_len(64).not_null())
                .col(
                    ColumnDef::new(QueueCallers::CallSid)
                        .string_len(64)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(QueueCallers::FromNumber).string_len(64).not_null())
                .col(ColumnDef::new(QueueCallers::ToNumber).string_len(64).not_null())
                .col(ColumnDef::new(QueueCallers::Position).string_len(2000).not_null())
                .col(at(QueueCallers::ArrivedAt))
                .col(ColumnDef::new(QueueCallers::State).string_len(16).not_null())
                .col(ColumnDef::new(QueueCallers::Exit).string_len(16))
                .col(ColumnDef::new(QueueCallers::AssistantId).string_len(64))
                .col(ColumnDef::new(QueueCallers::OfferCallSid).string_len(64))
                .col(ColumnDef::new(QueueCallers::AnnouncedAt).timestamp_with_time_zone())
                .col(ColumnDef::new(QueueCallers::Attempts).integer().not_null().default(0))
                .col(ColumnDef::new(QueueCallers::NextAttemptAt).timestamp_with_time_zone())
                .col(at(QueueCallers::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(BY_CLIENT_STATE)
                .table(QueueCallers::Table)
                .col(QueueCallers::ClientId)
                .col(QueueCallers::State)
                .col(QueueCallers::ArrivedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(QueueCallers::Table).to_owned()).await
    }
}
