//! Switchboard: a call-routing server for businesses that run their phones on Twilio.

/// Clients' own Twilio accounts: sending, webhook tokens, admin operations, numbers, recordings.
pub mod accounts;
/// What admins can do: rules versions, duty, tenancy, audit.
pub mod admin;
/// The call lifecycle: webhooks → routing → store → TwiML.
pub mod calls;
pub mod cli;
pub mod clock;
pub mod config;
/// What happened: a call with its alerts, messages with their delivery, figures.
pub mod history;
/// Axum routers, the signature extractor, errors → responses.
pub mod http;
/// Outbound messages: outbox worker, Twilio REST client, alerts.
pub mod notify;
/// Prometheus metrics.
pub mod observability;
pub mod phone;
pub mod registry;
/// PURE: rule model, schedule, strategies, menus, decision + trace.
pub mod routing;
pub mod rules_files;
/// AES-256-GCM for the secrets kept in the database.
pub mod secrets;
/// `X-Twilio-Signature`: HMAC-SHA1 over the URL and sorted parameters.
/// Texts and calls admins send on a client's behalf.
pub mod sending;
/// The accept loop, with the timeouts that keep slow or idle clients from holding connections.
pub mod serve;
pub mod signature;
/// "What would a call get?" for the CLI and the admin API.
pub mod simulation;
/// Texts received: keywords, opt-outs, replies.
pub mod sms;
pub mod startup;
pub mod state;
/// PURE: per-client figures over a period.
pub mod stats;
/// The only code that touches SQL.
pub mod store;
pub mod telemetry;
pub mod templates;
/// PURE: typed TwiML builder on quick-xml.
pub mod twiml;
