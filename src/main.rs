//! `switchboard`: see `switchboard --help`.

use std::process::ExitCode;

#[tokio::main]
async fn main() -> anyhow::Result<ExitCode> {
    switchboard::cli::run().await
}
