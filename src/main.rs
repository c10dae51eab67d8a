//! `switchboard`: see `switchboard --help`.

use std::process::ExitCode;

// Every webhook allocates a few dozen small, short-lived buffers (form fields, SQL
// values, TwiML): mimalloc's per-thread free lists serve them at a fraction of
// glibc malloc's cost (see README, Performance).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    switchboard::cli::run().await
}
