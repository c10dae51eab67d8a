//! History found through indexes as it grows. Calls by the caller's number and texts by
//! the recipient's, written in any common format or as their last digits: each number's
//! digits are also kept reversed, so "ends with these digits" becomes a range over an
//! index on both backends (a `LIKE '%…'` reads every row). Texts by client (newest first,
//! and of a period for the figures) and texts received by client get indexes too.
//!
//! The caller's index is written when a call ends, not when it comes in: its keys are in
//! no order, and an index written in no order cost the incoming-call webhook a third of
//! its throughput on SQLite (`bench/load.sh`). Calls come in with the column empty, whose
//! entries sit together at one end of the index in time order. The call log's outcome and
//! assistant filters read a client's calls newest first through the index by client and
//! start: those indexes cost the webhook more than they saved the call log.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement, TransactionTrait};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Calls {
    Table,
    FromDigitsReversed,
    StartedAt,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    ClientId,
    ToDigitsReversed,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InboundMessages {
    Table,
    ClientId,
    ReceivedAt,
}

const BY_CALLER: &str = "ix_calls_caller";
const MESSAGES_BY_CLIENT: &str = "ix_outbox_client_id";
const MESSAGES_BY_RECIPIENT: &str = "ix_outbox_recipient";
const MESSAGES_OF_A_PERIOD: &str = "ix_outbox_client_created";
const RECEIVED_BY_CLIENT: &str = "ix_inbound_messages_client_received";

/// Frozen with this migration: the application's own version may change, rows written
/// before it must still read as they were written then.
fn digits_reversed(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).rev().collect()
}

/// Fills the new column of the rows already there, a thousand at a time.
async fn backfill(m: &SchemaManager<'_>, table: &str, key: &str, number: &str, column: &str) -> Result<(), DbErr> {
    let db = m.get_connection();
    let backend = m.get_database_backend();
    let p = |n: usize| match backend {
        sea_orm_migration::sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    loop {
        // The number is read as TEXT: PostgreSQL refuses a prepared statement, cached on the
        // pooled connection, whose result type changed, and a later migration widens a number.
        let rows = db
            .query_all(Statement::from_string(
                backend,
                format!("SELECT {key}, CAST({number} AS TEXT) FROM {table} WHERE {column} IS NULL LIMIT 1000"),
            ))
            .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let txn = db.begin().await?;
        for row in rows {
            let id: sea_orm_migration::sea_orm::Value = if key == "id" {
                row.try_get_by_index::<i64>(0)?.into()
            } else {
                row.try_get_by_index::<String>(0)?.into()
            };
            let reversed = digits_reversed(&row.try_get_by_index::<String>(1)?);
            txn.execute(Statement::from_sql_and_values(
                backend,
                format!("UPDATE {table} SET {column} = {} WHERE {key} = {}", p(1), p(2)),
                [reversed.into(), id],
            ))
            .await?;
        }
        txn.commit().await?;
    }
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// impl to match it exactly.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Calls::Table)
                .add_column(ColumnDef::new(Calls::FromDigitsReversed).string())
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .add_column(ColumnDef::new(Outbox::ToDigitsReversed).string())
                .to_owned(),
        )
        .await?;
        backfill(m, "calls", "call_sid", "from_number", "from_digits_reversed").await?;
        backfill(m, "outbox", "id", "to_number", "to_digits_reversed").await?;
        let indexes = [
            Index::create()
                .name(BY_CALLER)
                .table(Calls::Table)
                .col(Calls::FromDigitsReversed)
                .col(Calls::StartedAt)
                .to_owned(),
            Index::create()
                .name(MESSAGES_BY_CLIENT)
                .table(Outbox::Table)
                .col(Outbox::ClientId)
                .col(Outbox::Id)
                .to_owned(),
            Index::create()
                .name(MESSAGES_BY_RECIPIENT)
                .table(Outbox::Table)
                .col(Outbox::ToDigitsReversed)
                .col(Outbox::Id)
                .to_owned(),
            Index::create()
                .name(MESSAGES_OF_A_PERIOD)
                .table(Outbox::Table)
                .col(Outbox::ClientId)
                .col(Outbox::CreatedAt)
                .to_owned(),
            Index::create()
                .name(RECEIVED_BY_CLIENT)
                .table(InboundMessages::Table)
                .col(InboundMessages::ClientId)
                .col(InboundMessages::ReceivedAt)
                .to_owned(),
        ];
        for index in indexes {
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for name in [BY_CALLER] {
            m.drop_index(Index::drop().name(name).table(Calls::Table).to_owned())
                .await?;
        }
        for name in [MESSAGES_BY_CLIENT, MESSAGES_BY_RECIPIENT, MESSAGES_OF_A_PERIOD] {
            m.drop_index(Index::drop().name(name).table(Outbox::Table).to_owned())
                .await?;
        }
        m.drop_index(
            Index::drop()
                .name(RECEIVED_BY_CLIENT)
                .table(InboundMessages::Table)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Outbox::Table)
                .drop_column(Outbox::ToDigitsReversed)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Calls::Table)
                .drop_column(Calls::FromDigitsReversed)
                .to_owned(),
        )
        .await
    }
}
