//! Clients' own Twilio accounts: one per client, the auth token encrypted (see `src/secrets.rs`).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ClientAccounts {
    Table,
    ClientId,
    AccountSid,
    TokenEncrypted,
    ValidatedAt,
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
                .table(ClientAccounts::Table)
                .col(
                    ColumnDef::new(ClientAccounts::ClientId)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(ClientAccounts::AccountSid).string_len(34).not_null())
                .col(ColumnDef::new(ClientAccounts::TokenEncrypted).text().not_null())
                .col(
                    ColumnDef::new(ClientAccounts::ValidatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(ClientAccounts::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        // Webhooks name the account that sent them; a miss in memory is looked up by it.
        m.create_index(
            Index::create()
                .name("ix_client_accounts_sid")
                .table(ClientAccounts::Table)
                .col(ClientAccounts::AccountSid)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ClientAccounts::Table).to_owned())
            .await
    }
}
