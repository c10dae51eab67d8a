//! Outgoing webhooks: each client's endpoints (the URL, the events it takes, its signing
//! secret sealed like clients' Twilio tokens, and whether it works), and the log of every
//! attempt to deliver to one. The deliveries themselves are outbox rows of kind `webhook`,
//! found by endpoint through their own index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    Id,
    ClientId,
    Url,
    Events,
    SecretEncrypted,
    Enabled,
    FailingSince,
    DisabledAt,
    DisabledReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    EndpointId,
    AttemptedAt,
    StatusCode,
    LatencyMs,
    Error,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Kind,
    ToNumber,
    Id,
}

const ENDPOINTS_BY_CLIENT: &str = "ix_webhook_endpoints_client";
const ATTEMPTS_BY_DELIVERY: &str = "ix_webhook_attempts_delivery";
const DELIVERIES_BY_ENDPOINT: &str = "ix_outbox_by_kind_to";

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
                .table(WebhookEndpoints::Table)
                .col(
                    ColumnDef::new(WebhookEndpoints::Id)
                        .string_len(32)
                        .not_null()
                        .primary_key(),
                )
                .col(ColumnDef::new(WebhookEndpoints::ClientId).string_len(64).not_null())
                .col(ColumnDef::new(WebhookEndpoints::Url).string_len(2000).not_null())
                .col(ColumnDef::new(WebhookEndpoints::Events).string_len(200).not_null())
                .col(ColumnDef::new(WebhookEndpoints::SecretEncrypted).text().not_null())
                .col(ColumnDef::new(WebhookEndpoints::Enabled).boolean().not_null())
                .col(ColumnDef::new(WebhookEndpoints::FailingSince).timestamp_with_time_zone())
                .col(ColumnDef::new(WebhookEndpoints::DisabledAt).timestamp_with_time_zone())
                .col(ColumnDef::new(WebhookEndpoints::DisabledReason).string_len(32))
                .col(at(WebhookEndpoints::CreatedAt))
                .col(at(WebhookEndpoints::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(ENDPOINTS_BY_CLIENT)
                .table(WebhookEndpoints::Table)
                .col(WebhookEndpoints::ClientId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(WebhookAttempts::Table)
                .col(
                    ColumnDef::new(WebhookAttempts::Id)
                        .big_integer()
                        .not_null()
                        .auto_increment()
                        .primary_key(),
                )
                .col(ColumnDef::new(WebhookAttempts::DeliveryId).big_integer().not_null())
                .col(ColumnDef::new(WebhookAttempts::EndpointId).string_len(32).not_null())
                .col(at(WebhookAttempts::AttemptedAt))
                .col(ColumnDef::new(WebhookAttempts::StatusCode).integer())
                .col(ColumnDef::new(WebhookAttempts::LatencyMs).big_integer().not_null())
                .col(ColumnDef::new(WebhookAttempts::Error).text())
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(ATTEMPTS_BY_DELIVERY)
                .table(WebhookAttempts::Table)
                .col(WebhookAttempts::DeliveryId)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(DELIVERIES_BY_ENDPOINT)
                .table(Outbox::Table)
                .col(Outbox::Kind)
                .col(Outbox::ToNumber)
                .col(Outbox::Id)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(
            Index::drop()
                .name(DELIVERIES_BY_ENDPOINT)
                .table(Outbox::Table)
                .to_owned(),
        )
        .await?;
        m.drop_table(Table::drop().table(WebhookAttempts::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(WebhookEndpoints::Table).to_owned())
            .await
    }
}
