//! The outbox carries e-mails as well: a subject, and recipients as long as an address can
//! be (a phone number needed 32 characters).

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Subject,
    ToNumber,
}

/// The longest address SMTP carries (RFC 5321's path limit, less its brackets).
const ADDRESS: u32 = 254;

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(ColumnDef::new(Outbox::Subject).text())
                .to_owned(),
        )
        .await?;
        // SQLite keeps no lengths (and cannot alter a column's type).
        if m.get_database_backend() == DatabaseBackend::Postgres {
            m.alter_table(
                Table::alter()
                    .table(Outbox::Table)
                    .modify_column(ColumnDef::new(Outbox::ToNumber).string_len(ADDRESS).not_null())
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::Subject)
                .to_owned(),
        )
        .await
    }
}
