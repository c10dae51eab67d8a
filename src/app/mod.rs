//! The process around the library: settings from the environment, start-up (database,
//! rules, workers, `AppState`), the accept loop, logs and the command
//! line. Nothing here decides what a call or a text gets.

pub mod cli;
/// The accept loop, with the timeouts that keep slow or idle clients from holding connections.
pub mod serve;
pub mod settings;
pub mod startup;
pub mod telemetry;
