//! Numbers bought through Switchboard, each reserved for the client it was bought for, so no
//! other client's rules may claim it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PurchasedNumbers {
    Table,
    PhoneNumber,
    ClientId,
    NumberSid,
    AccountSid,
    PurchasedAt,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PurchasedNumbers::Table)
                .col(
                    ColumnDef::new(PurchasedNumbers::PhoneNumber)
                        .string_len(32)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(PurchasedNumbers::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(PurchasedNumbers::NumberSid).string_len(34).not_null())
                .col(ColumnDef::new(PurchasedNumbers::AccountSid).string_len(34).not_null())
                .col(
                    ColumnDef::new(PurchasedNumbers::PurchasedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(PurchasedNumbers::Table).to_owned())
            .await
    }
}
