//! Twilio's protocol, and nothing of ours: how it signs a request ([`signature`]), how its
//! forms are encoded ([`form`]), where it reaches us ([`webhooks`]), and its REST API
//! ([`rest`], with [`retry`] for when to try a request again). See `docs/twilio.md`.

pub mod form;
pub mod rest;
pub mod retry;
/// `X-Twilio-Signature`: HMAC-SHA1 over the URL and sorted parameters.
pub mod signature;
pub mod webhooks;
