//! Messaging as admins run it: the text templates each client stores to send by name, and
//! every change of a number's consent (opted in or out, how and by whom, when) kept beside
//! the current state in `opt_outs`, so a business can show when and how a number agreed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MessageTemplates {
    Table,
    ClientId,
    Name,
    Body,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConsentChanges {
    Table,
    Id,
    ClientId,
    Number,
    OptedOut,
    Source,
    ChangedBy,
    ChangedAt,
}

const CHANGES_BY_NUMBER: &str = "ix_consent_changes_client_number";

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
                .table(MessageTemplates::Table)
                .col(ColumnDef::new(MessageTemplates::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(MessageTemplates::Name).string_len(64).not_null())
                .col(ColumnDef::new(MessageTemplates::Body).text().not_null())
                .col(at(MessageTemplates::CreatedAt))
                .col(at(MessageTemplates::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(MessageTemplates::ClientId)
                        .col(MessageTemplates::Name),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(ConsentChanges::Table)
                .col(
                    ColumnDef::new(ConsentChanges::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(ConsentChanges::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(ConsentChanges::Number).string_len(32).not_null())
                .col(ColumnDef::new(ConsentChanges::OptedOut).boolean().not_null())
                .col(ColumnDef::new(ConsentChanges::Source).string_len(32).not_null())
                .col(ColumnDef::new(ConsentChanges::ChangedBy).string_len(100).not_null())
                .col(at(ConsentChanges::ChangedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(CHANGES_BY_NUMBER)
                .table(ConsentChanges::Table)
                .col(ConsentChanges::ClientId)
                .col(ConsentChanges::Number)
                .col(ConsentChanges::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(ConsentChanges::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(MessageTemplates::Table).to_owned())
            .await
    }
}
