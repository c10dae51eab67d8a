//! sea-orm entities, one per table, matching `migrations/`. Only `store` uses them.

pub mod assistant_duty;
pub mod call;
pub mod call_leg;
pub mod recording;
pub mod rule_version;
