//! When a leg was answered, for the time-to-answer figures.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallLegs {
    Table,
    AnsweredAt,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(CallLegs::Table)
                .add_column(ColumnDef::new(CallLegs::AnsweredAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(CallLegs::Table)
                .drop_column(CallLegs::AnsweredAt)
                .to_owned(),
        )
        .await
    }
}
