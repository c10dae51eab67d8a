//! Links that open one call for an assistant without signing in (only each link's SHA-256
//! is stored, with the call, the assistant it was sent to, when it expires and whether it
//! was withdrawn), and what became of a call after it: heard, handled, and by whom.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallLinks {
    Table,
    TokenHash,
    CallSid,
    ClientId,
    AssistantId,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum CallHandling {
    Table,
    CallSid,
    ClientId,
    HeardAt,
    HeardBy,
    HandledAt,
    HandledBy,
}

const LINKS_BY_CALL: &str = "ix_call_links_call";

fn at(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).timestamp_with_time_zone().not_null().to_owned()
}

fn id(column: impl IntoIden) -> ColumnDef {
    ColumnDef::new(column).string_len(64).not_null().to_owned()
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(CallLinks::Table)
                .col(id(CallLinks::TokenHash).primary_key().to_owned())
                .col(id(CallLinks::CallSid))
                .col(id(CallLinks::ClientId))
                .col(id(CallLinks::AssistantId))
                .col(at(CallLinks::CreatedAt))
                .col(at(CallLinks::ExpiresAt))
                .col(ColumnDef::new(CallLinks::RevokedAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(LINKS_BY_CALL)
                .table(CallLinks::Table)
                .col(CallLinks::CallSid)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(CallHandling::Table)
                .col(id(CallHandling::CallSid).primary_key().to_owned())
                .col(id(CallHandling::ClientId))
                .col(ColumnDef::new(CallHandling::HeardAt).timestamp_with_time_zone())
                .col(ColumnDef::new(CallHandling::HeardBy).string_len(100))
                .col(ColumnDef::new(CallHandling::HandledAt).timestamp_with_time_zone())
                .col(ColumnDef::new(CallHandling::HandledBy).string_len(100))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(CallHandling::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(CallLinks::Table).to_owned()).await
    }
}
