//! sea-orm entities, one per table, matching `migrations/`. Only `store` uses them.

pub mod admin_token;
pub mod assistant_duty;
pub mod audit;
pub mod call;
pub mod call_handling;
pub mod call_leg;
pub mod call_link;
pub mod client_account;
pub mod consent_change;
pub mod console_session;
pub mod inbound_message;
pub mod message_status;
pub mod message_template;
pub mod opt_out;
pub mod outbox;
pub mod purchased_number;
pub mod recording;
pub mod rule_version;
pub mod webhook_attempt;
pub mod webhook_endpoint;
