//! Logging, set up once: human-readable by default, JSON lines by a setting.
//! `RUST_LOG` overrides the default filter.

use tracing_subscriber::{fmt, EnvFilter};

const DEFAULT_FILTER: &str = "switchboard=info,tower_http=warn";

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let builder = fmt().with_env_filter(filter).with_target(false);
    // `try_init`: tests and tools may call this more than once.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
