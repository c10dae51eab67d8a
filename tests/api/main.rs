//! Integration tests: the real server on a random port, a fresh SQLite file per
//! test, requests signed as Twilio signs them.

mod accounts;
mod admin;
mod alerts;
mod bad_input;
mod batch;
mod callbacks;
mod calls;
mod chain;
mod chain_interleaved;
mod cli;
mod connections;
mod console;
mod database;
mod db_proxy;
mod fake_twilio;
mod faults;
mod helpers;
mod hostile;
mod logs;
mod metrics;
mod migrations;
mod numbers;
mod outages;
mod processes;
mod proxies;
mod query_plans;
mod recordings;
mod redelivery;
mod rules;
mod sending;
mod server_process;
mod signatures;
mod sms;
mod tenants;
mod workers;
