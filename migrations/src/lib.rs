//! Database migrations. Portable DDL only (SQLite and PostgreSQL); never edit a
//! migration once merged, add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_call_path;
mod m20261121_000002_create_messaging;
mod m20261121_000003_create_admin;
mod m20261121_000004_create_client_accounts;
mod m20261121_000005_outbox_kinds;
mod m20261121_000006_leg_answered_at;
mod m20261122_000007_busy_legs_index;
mod m20261122_000008_legs_by_call_id;
mod m20261202_000009_purchased_numbers;
mod m20261202_000010_console_sessions;
mod m20261202_000011_history_by_time;
mod m20261202_000012_search_by_number;
mod m20261202_000013_audit_filters;
mod m20261202_000014_call_links;
mod m20261202_000015_email_alerts;
mod m20261203_000016_received_media_types;
mod m20261203_000018_templates_and_consent;
mod m20261203_000019_webhooks;
mod m20261203_000020_call_queue;
mod m20261203_000021_failures_and_prices;
mod m20261203_000022_one_offer_per_assistant;
mod m20261203_000023_twilio_queues;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_call_path::Migration),
            Box::new(m20261121_000002_create_messaging::Migration),
            Box::new(m20261121_000003_create_admin::Migration),
            Box::new(m20261121_000004_create_client_accounts::Migration),
            Box::new(m20261121_000005_outbox_kinds::Migration),
            Box::new(m20261121_000006_leg_answered_at::Migration),
            Box::new(m20261122_000007_busy_legs_index::Migration),
            Box::new(m20261122_000008_legs_by_call_id::Migration),
            Box::new(m20261202_000009_purchased_numbers::Migration),
            Box::new(m20261202_000010_console_sessions::Migration),
            Box::new(m20261202_000011_history_by_time::Migration),
            Box::new(m20261202_000012_search_by_number::Migration),
            Box::new(m20261202_000013_audit_filters::Migration),
            Box::new(m20261202_000014_call_links::Migration),
            Box::new(m20261202_000015_email_alerts::Migration),
            Box::new(m20261203_000016_received_media_types::Migration),
            Box::new(m20261203_000018_templates_and_consent::Migration),
            Box::new(m20261203_000019_webhooks::Migration),
            Box::new(m20261203_000020_call_queue::Migration),
            Box::new(m20261203_000021_failures_and_prices::Migration),
            Box::new(m20261203_000022_one_offer_per_assistant::Migration),
            Box::new(m20261203_000023_twilio_queues::Migration),
        ]
    }
}
