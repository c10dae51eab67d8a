//! Finds the legs that hold an assistant at the whisper (`accepted`, not yet ended)
//! without reading the client's other legs. The query that decides who is busy read
//! every leg still below `completed` instead: a leg whose final status callback never
//! came stays there, and as they pile up every batch's read grows slower; through this
//! index it stays fast however many there are.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CallLegs {
    Table,
    ClientId,
    Accepted,
    StatusRank,
}

const NAME: &str = "ix_call_legs_client_accepted_rank";

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(NAME)
                .table(CallLegs::Table)
                .col(CallLegs::ClientId)
                .col(CallLegs::Accepted)
                .col(CallLegs::StatusRank)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(NAME).table(CallLegs::Table).to_owned())
            .await
    }
}
