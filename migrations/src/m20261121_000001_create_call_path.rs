//! The call path: rule versions, calls, their legs and recordings, assistant duty and
//! round-robin positions.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RuleVersions {
    Table,
    Id,
    ClientId,
    Version,
    Source,
    ContentHash,
    Origin,
    Author,
    Comment,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Calls {
    Table,
    CallSid,
    ClientId,
    RulesVersion,
    Direction,
    FromNumber,
    ToNumber,
    Status,
    StatusRank,
    Outcome,
    AnsweredBy,
    Duration,
    Trace,
    StartedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CallLegs {
    Table,
    Id,
    ClientId,
    CallSid,
    Step,
    AssistantId,
    Number,
    ChildCallSid,
    Status,
    StatusRank,
    Duration,
    Accepted,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Recordings {
    Table,
    RecordingSid,
    CallSid,
    Kind,
    Url,
    Duration,
    Status,
    TranscriptionSid,
    TranscriptionText,
    TranscriptionStatus,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AssistantDuty {
    Table,
    ClientId,
    AssistantId,
    OnDuty,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Rotations {
    Table,
    ClientId,
    RouteKey,
    Position,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(RuleVersions::Table)
                .col(
                    ColumnDef::new(RuleVersions::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(RuleVersions::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(RuleVersions::Version).integer().not_null())
                .col(ColumnDef::new(RuleVersions::Source).text().not_null())
                .col(ColumnDef::new(RuleVersions::ContentHash).string_len(64).not_null())
                .col(ColumnDef::new(RuleVersions::Origin).string().not_null())
                .col(ColumnDef::new(RuleVersions::Author).string())
                .col(ColumnDef::new(RuleVersions::Comment).text())
                .col(
                    ColumnDef::new(RuleVersions::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_rule_versions_client_version")
                .table(RuleVersions::Table)
                .col(RuleVersions::ClientId)
                .col(RuleVersions::Version)
                .unique()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Calls::Table)
                .col(ColumnDef::new(Calls::CallSid).string_len(64).not_null().primary_key())
                .col(ColumnDef::new(Calls::ClientId).string_len(64))
                .col(ColumnDef::new(Calls::RulesVersion).integer())
                .col(ColumnDef::new(Calls::Direction).string_len(32).not_null())
                .col(ColumnDef::new(Calls::FromNumber).string_len(64).not_null())
                .col(ColumnDef::new(Calls::ToNumber).string_len(64).not_null())
                .col(ColumnDef::new(Calls::Status).string_len(32).not_null())
                .col(ColumnDef::new(Calls::StatusRank).small_integer().not_null())
                .col(ColumnDef::new(Calls::Outcome).string_len(32))
                .col(ColumnDef::new(Calls::AnsweredBy).string_len(64))
                .col(ColumnDef::new(Calls::Duration).integer())
                .col(ColumnDef::new(Calls::Trace).text())
                .col(ColumnDef::new(Calls::StartedAt).timestamp_with_time_zone().not_null())
                .col(ColumnDef::new(Calls::UpdatedAt).timestamp_with_time_zone().not_null())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_calls_client_started")
                .table(Calls::Table)
                .col(Calls::ClientId)
                .col(Calls::StartedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(CallLegs::Table)
                .col(
                    ColumnDef::new(CallLegs::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(CallLegs::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(CallLegs::CallSid).string_len(64).not_null())
                .col(ColumnDef::new(CallLegs::Step).integer().not_null())
                .col(ColumnDef::new(CallLegs::AssistantId).string_len(64))
                .col(ColumnDef::new(CallLegs::Number).string_len(32).not_null())
                .col(ColumnDef::new(CallLegs::ChildCallSid).string_len(64))
                .col(ColumnDef::new(CallLegs::Status).string_len(32).not_null())
                .col(ColumnDef::new(CallLegs::StatusRank).small_integer().not_null())
                .col(ColumnDef::new(CallLegs::Duration).integer())
                .col(ColumnDef::new(CallLegs::Accepted).boolean().not_null().default(false))
                .col(
                    ColumnDef::new(CallLegs::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(CallLegs::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_call_legs_call_step_number")
                .table(CallLegs::Table)
                .col(CallLegs::CallSid)
                .col(CallLegs::Step)
                .col(CallLegs::Number)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_call_legs_client_rank")
                .table(CallLegs::Table)
                .col(CallLegs::ClientId)
                .col(CallLegs::StatusRank)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Recordings::Table)
                .col(
                    ColumnDef::new(Recordings::RecordingSid)
                        .string_len(64)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(Recordings::CallSid).string_len(64).not_null())
                .col(ColumnDef::new(Recordings::Kind).string_len(16).not_null())
                .col(ColumnDef::new(Recordings::Url).text())
                .col(ColumnDef::new(Recordings::Duration).integer())
                .col(ColumnDef::new(Recordings::Status).string_len(32))
                .col(ColumnDef::new(Recordings::TranscriptionSid).string_len(64))
                .col(ColumnDef::new(Recordings::TranscriptionText).text())
                .col(ColumnDef::new(Recordings::TranscriptionStatus).string_len(32))
                .col(
                    ColumnDef::new(Recordings::CreatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .col(
                    ColumnDef::new(Recordings::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_recordings_call")
                .table(Recordings::Table)
                .col(Recordings::CallSid)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AssistantDuty::Table)
                .col(ColumnDef::new(AssistantDuty::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(AssistantDuty::AssistantId).string_len(64).not_null())
                .col(ColumnDef::new(AssistantDuty::OnDuty).boolean().not_null())
                .col(
                    ColumnDef::new(AssistantDuty::UpdatedAt)
                        .timestamp_with_time_zone()
                        .not_null(),
                )
                .primary_key(
                    Index::create()
                        .col(AssistantDuty::ClientId)
                        .col(AssistantDuty::AssistantId),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Rotations::Table)
                .col(ColumnDef::new(Rotations::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(Rotations::RouteKey).string_len(32).not_null())
                .col(ColumnDef::new(Rotations::Position).big_integer().not_null())
                .primary_key(Index::create().col(Rotations::ClientId).col(Rotations::RouteKey))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(Rotations::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(AssistantDuty::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Recordings::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(CallLegs::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(Calls::Table).to_owned()).await?;
        m.drop_table(Table::drop().table(RuleVersions::Table).to_owned()).await
    }
}
