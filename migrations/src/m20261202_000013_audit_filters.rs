//! The audit log read newest first a page at a time, by client, by who made the change,
//! by the kind of change or over a period, each through an index. The index by client and
//! time gives way to one by client and id, the order the log is read in.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    Actor,
    ClientId,
    Action,
}

const BY_CLIENT_AT: &str = "ix_audit_client_at";

fn indexes() -> [(&'static str, AuditLog); 3] {
    [
        ("ix_audit_client", AuditLog::ClientId),
        ("ix_audit_actor", AuditLog::Actor),
        ("ix_audit_action", AuditLog::Action),
    ]
}

// The trait is declared without a lifetime on `SchemaManager`; async_trait needs the
// signature to match it.
#[allow(elided_lifetimes_in_paths)]
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (name, column) in indexes() {
            m.create_index(
                Index::create()
                    .name(name)
                    .table(AuditLog::Table)
                    .col(column)
                    .col(AuditLog::Id)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name("ix_audit_at")
                .table(AuditLog::Table)
                .col(AuditLog::At)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name(BY_CLIENT_AT).table(AuditLog::Table).to_owned())
            .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_index(
            Index::create()
                .name(BY_CLIENT_AT)
                .table(AuditLog::Table)
                .col(AuditLog::ClientId)
                .col(AuditLog::At)
                .to_owned(),
        )
        .await?;
        m.drop_index(Index::drop().name("ix_audit_at").table(AuditLog::Table).to_owned())
            .await?;
        for (name, _) in indexes() {
            m.drop_index(Index::drop().name(name).table(AuditLog::Table).to_owned())
                .await?;
        }
        Ok(())
    }
}
