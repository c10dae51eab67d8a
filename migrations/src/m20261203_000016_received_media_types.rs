//! Conversations: texts received keep the type of each MMS attachment beside its address, so
//! the console shows a picture as a picture and offers anything else as a file; and the
//! texts exchanged with one number are read through indexes by client and number, in time
//! order, instead of a scan of the client's every text.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    MediaTypes,
    ClientId,
    FromNumber,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ClientId,
    ToNumber,
    CreatedAt,
}

const RECEIVED: &str = "ix_inbound_messages_client_from_received";
const SENT: &str = "ix_outbox_client_to_created";

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(InboundMessages::Table)
                .add_column(ColumnDef::new(InboundMessages::MediaTypes).text())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(RECEIVED)
                .table(InboundMessages::Table)
                .col(InboundMessages::ClientId)
                .col(InboundMessages::FromNumber)
                .col(InboundMessages::ReceivedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(SENT)
                .table(Outbox::Table)
                .col(Outbox::ClientId)
                .col(Outbox::ToNumber)
                .col(Outbox::CreatedAt)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name(SENT).table(Outbox::Table).to_owned())
            .await?;
        m.drop_index(Index::drop().name(RECEIVED).table(InboundMessages::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(InboundMessages::Table)
                .drop_column(InboundMessages::MediaTypes)
                .to_owned(),
        )
        .await
    }
}
