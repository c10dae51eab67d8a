//! Switchboard: a call-routing server for businesses that run their phones on Twilio.
//!
//! Read from the edge in: `http` takes Twilio's webhooks and the admins' requests, `calls`
//! and `messaging` do what a call or a text needs (deciding with `routing`, answering with
//! `twiml`), `admin` does what admins ask, and `store` is the only code that touches SQL.
//! `app` assembles them at start-up.

/// Clients' own Twilio accounts: their tokens, encrypted at rest and decrypted in memory,
/// and who may sign a webhook.
pub mod accounts;
/// What admins can do: rules versions, duty, history, figures, sending, accounts, numbers.
pub mod admin;
/// The process: settings, start-up, serving, telemetry, the CLI.
pub mod app;
/// The assistants' side: the link in each alert that opens its call without signing in.
pub mod assistants;
/// The call lifecycle: webhooks → routing → store → TwiML.
pub mod calls;
/// The time, injected: the system's in service, a settable one in tests.
pub mod clock;
/// Axum routers, `AppState`, the signature extractor, errors → responses, API, console.
pub mod http;
/// The identifiers of clients and assistants, checked once where they enter.
pub mod ids;
/// How a business's times are written: its zone, a 12- or 24-hour clock.
pub mod locale;
/// Texts: the outbox worker, alerts, inbound texts, rate limits, templates.
pub mod messaging;
/// Prometheus counters and histograms, recorded where things happen.
pub mod metrics;
/// Phone numbers: E.164, normalising what people type, masking for logs.
pub mod phone;
/// PURE: rule model, schedule, strategies, menus, decision + trace.
pub mod routing;
/// Rule sets as the server holds them: the folder of files and the versions in memory.
pub mod rules;
/// The only code that touches SQL.
pub mod store;
/// Twilio's protocol: signatures, forms, webhook paths and URLs, the REST client.
pub mod twilio;
/// PURE: typed TwiML builder on quick-xml.
pub mod twiml;
/// Outgoing webhooks: what happened, told to the endpoints clients subscribed.
pub mod webhooks;
