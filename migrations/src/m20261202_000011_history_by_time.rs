//! History read by time across every client: the call log newest first, and the
//! retention pruning of calls and texts received, through indexes instead of a sort or a
//! scan of the whole table. Rows arrive in time order, so both indexes are appended to,
//! as the one by client and start already is.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    StartedAt,
    CallSid,
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    ReceivedAt,
}

const CALLS: &str = "ix_calls_started_sid";
const RECEIVED: &str = "ix_inbound_messages_received";

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(CALLS)
                .table(Calls::Table)
                .col(Calls::StartedAt)
                .col(Calls::CallSid)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(RECEIVED)
                .table(InboundMessages::Table)
                .col(InboundMessages::ReceivedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(RECEIVED).table(InboundMessages::Table).to_owned())
            .await?;
        m.drop_index(Index::drop().name(CALLS).table(Calls::Table).to_owned())
            .await
    }
}
