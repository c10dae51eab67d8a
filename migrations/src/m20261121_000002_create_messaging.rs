//! Messaging: the outbox of every message we send, delivery statuses, opt-outs and
//! received messages.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ClientId,
    DedupeKey,
    Purpose,
    CallSid,
    RecordingSid,
    AssistantId,
    ToNumber,
    FromNumber,
    Body,
    SendAt,
    State,
    Attempts,
    ClaimedUntil,
    LastError,
    ErrorCode,
    MessageSid,
    Segments,
    CreatedAt,
    UpdatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum MessageStatuses {
    Table,
    MessageSid,
    Status,
    StatusRank,
    ErrorCode,
    Price,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OptOuts {
    Table,
    ClientId,
    Number,
    OptedOut,
    Source,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    MessageSid,
    ClientId,
    FromNumber,
    ToNumber,
    Body,
    MediaUrls,
    Keyword,
    ReceivedAt,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Outbox::Table)
                .col(
                    ColumnDef::new(Outbox::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(Outbox::ClientId).string_len(64).not_null())
                .col(
                    ColumnDef::new(Outbox::DedupeKey)
                        .string_len(200)
                        .not_null()
                        .unique_key(),
                )
                .col(ColumnDef::new(Outbox::Purpose).string_len(32).not_null())
                .col(ColumnDef::new(Outbox::CallSid).string_len(64))
                .col(ColumnDef::new(Outbox::RecordingSid).string_len(64))
                .col(ColumnDef::new(Outbox::AssistantId).string_len(64))
                .col(ColumnDef::new(Outbox::ToNumber).string_len(32).not_null())
                .col(ColumnDef::new(Outbox::FromNumber).string_len(32).not_null())
                .col(ColumnDef::new(Outbox::Body).text().not_null())
                .col(ColumnDef::new(Outbox::SendAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Outbox::State).string_len(16).not_null())
                .col(ColumnDef::new(Outbox::Attempts).integer().not_null().default(0))
                .col(ColumnDef::new(Outbox::ClaimedUntil).timestamp_with_time_zone())
                .col(ColumnDef::new(Outbox::LastError).text())
                .col(ColumnDef::new(Outbox::ErrorCode).big_integer())
                .col(ColumnDef::new(Outbox::MessageSid).string_len(64))
                .col(ColumnDef::new(Outbox::Segments).integer())
                .col(ColumnDef::new(Outbox::CreatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Outbox::UpdatedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Outbox::SentAt).timestamp_with_time_zone())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_due")
                .table(Outbox::Table)
                .col(Outbox::State)
                .col(Outbox::SendAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_message_sid")
                .table(Outbox::Table)
                .col(Outbox::MessageSid)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_outbox_recording")
                .table(Outbox::Table)
                .col(Outbox::RecordingSid)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MessageStatuses::Table)
                .col(
                    ColumnDef::new(MessageStatuses::MessageSid)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(MessageStatuses::Status).string_len(32).not_null())
                .col(ColumnDef::new(MessageStatuses::StatusRank).small_integer().not_null())
                .col(ColumnDef::new(MessageStatuses::ErrorCode).big_integer())
                .col(ColumnDef::new(MessageStatuses::Price).string_len(32))
                .col(
                    ColumnDef::new(MessageStatuses::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OptOuts::Table)
                .col(ColumnDef::new(OptOuts::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(OptOuts::Number).string_len(32).not_null())
                .col(ColumnDef::new(OptOuts::OptedOut).boolean().not_null())
                .col(ColumnDef::new(OptOuts::Source).string_len(32).not_null())
                .col(ColumnDef::new(OptOuts::UpdatedAt).timestamp_with_time_zone().not_null())
                .primary_key(Index::create().col(OptOuts::ClientId).col(OptOuts::Number))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(InboundMessages::Table)
                .col(
                    ColumnDef::new(InboundMessages::MessageSid)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(InboundMessages::ClientId).string_len(64))
                .col(ColumnDef::new(InboundMessages::FromNumber).string_len(64).not_null())
                .col(ColumnDef::new(InboundMessages::ToNumber).string_len(64).not_null())
                .col(ColumnDef::new(InboundMessages::Body).text().not_null())
                .col(ColumnDef::new(InboundMessages::MediaUrls).text())
                .col(ColumnDef::new(InboundMessages::Keyword).string_len(16))
                .col(
                    ColumnDef::new(InboundMessages::ReceivedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(InboundMessages::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(OptOuts::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(MessageStatuses::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Outbox::Table).to_owned()).await
    }
}
