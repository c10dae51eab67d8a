//! Two counts kept exactly: a webhook endpoint's failed attempts in a row (so it can be
//! turned off after so many, `SWITCHBOARD_WEBHOOK_DISABLE_AFTER_FAILURES`), and a text's
//! price in millionths of the currency unit, an integer, so that stats add prices up
//! exactly where a sum of floating-point numbers would not (Twilio writes prices with at
//! most five decimals). Prices already kept as Twilio's text are converted.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum WebhookEndpoints {
    Table,
    ConsecutiveFailures,
}

#[derive(DeriveIden)]
enum MessageStatuses {
    Table,
    PriceMicros,
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(WebhookEndpoints::Table)
                .add_column(
                    ColumnDef::new(WebhookEndpoints::ConsecutiveFailures)
                        .integer()
                        .not_null()
                        .default(0),
                )
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(MessageStatuses::Table)
                .add_column(ColumnDef::new(MessageStatuses::PriceMicros).big_integer())
                .to_owned(),
        )
        .await?;
        // Prices were only ever written as Twilio sent them, so a text that does not read
        // as a number is not there to stop this.
        m.get_connection()
            .execute_unprepared(
                "UPDATE message_statuses SET price_micros = \
                 CAST(ROUND(ABS(CAST(price AS DOUBLE PRECISION)) * 1000000) AS BIGINT) \
                 WHERE price IS NOT NULL AND price <> ''",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(MessageStatuses::Table)
                .drop_column(MessageStatuses::PriceMicros)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(WebhookEndpoints::Table)
                .drop_column(WebhookEndpoints::ConsecutiveFailures)
                .to_owned(),
        )
        .await
    }
}
