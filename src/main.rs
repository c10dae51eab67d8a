//! `switchboard`: see `switchboard --help`.

use std::process::ExitCode;

/// See Cargo.toml and `.cargo/config.toml` for why, and docs/performance.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    switchboard::app::cli::run().await
}
