//! Each client's queue at Twilio (the Queues resource): its sid, and the size it was given,
//! so the worker creates it once and changes it only when the rules' `max_callers` does.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TwilioQueues {
    Table,
    ClientId,
    QueueSid,
    MaxSize,
    UpdatedAt,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(TwilioQueues::Table)
                .col(
                    ColumnDef::new(TwilioQueues::ClientId)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(TwilioQueues::QueueSid).string_len(64).not_null())
                .col(ColumnDef::new(TwilioQueues::MaxSize).integer().not_null())
                .col(
                    ColumnDef::new(TwilioQueues::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(TwilioQueues::Table).to_owned()).await
    }
}
