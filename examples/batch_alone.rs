//! The incoming-call batch alone, without HTTP: the server's own group commit
//! (`store::batch`, `calls::intake`: availability read, decision, trace, the call's and
//! its leg's inserts, the commit) fed by CONNECTIONS tasks that each submit a call with
//! a random CallSid and wait for its commit, as the webhooks of `bench/load.sh` do. It
//! tells how many calls a second the database path carries when nothing else runs.
//! Run: `cargo run --release --example batch_alone -- RULES_FILE DATABASE_URL [SECONDS] [CONNECTIONS]`
//! (`bench/batch-alone.sh` runs it on a fresh database and counts its CPU). It prints
//! `START` when the calls begin and `RESULT …` when they end, then waits for its
//! standard input to end.

#[path = "support/call_sid.rs"]
mod call_sid;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use switchboard::calls::{Arrival, CallFacts, Intake};
use switchboard::clock::{Clock, SystemClock};
use switchboard::store::batch::calls::Calls;
use switchboard::store::batch::Batcher;

use anyhow::Context as _;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(rules), Some(url)) = (args.next(), args.next()) else {
        eprintln!("usage: batch_alone RULES_FILE DATABASE_URL [SECONDS] [CONNECTIONS]");
        std::process::exit(2);
    };
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.next().and_then(|c| c.parse().ok()).unwrap_or(64);
    let rules = switchboard::rules::files::load_file(Path::new(&rules))
        .map(|file| file.rules)
        .map_err(|problems| anyhow::anyhow!(problems.join("\n")))?;
    let to = rules.numbers.first().map(ToString::to_string).unwrap_or_default();
    let db = switchboard::store::connect(&url).await.context("database")?;
    switchboard::store::migrate(&db).await.context("migrations")?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let intake = Batcher::start(db, Calls(Intake { clock: clock.clone() }));

    let done = Arc::new(AtomicU64::new(0));
    // The script counts this process's CPU and PostgreSQL's processes' from here to
    // the result, while this process and its connections are still there.
    println!("START");
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for task in 0..connections as u64 {
        let (intake, rules, clock, done, to) = (intake.clone(), rules.clone(), clock.clone(), done.clone(), to.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = task;
            while Instant::now() < deadline {
                let arrival = Arrival {
                    facts: CallFacts {
                        call_sid: call_sid::unordered(n),
                        from: format!("+1646555{:04}", n % 10_000),
                        to: to.clone(),
                        status: "ringing".into(),
                        direction: "inbound".into(),
                    },
                    version: 1,
                    rules: rules.clone(),
                    at: clock.now(),
                };
                intake.submit(arrival).await?;
                done.fetch_add(1, Ordering::Relaxed);
                n += connections as u64;
            }
            Ok::<_, switchboard::store::StoreError>(())
        }));
    }
    for task in tasks {
        task.await?.context("a call's commit")?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let calls = done.load(Ordering::Relaxed) as f64;
    println!(
        "RESULT calls={calls} calls_per_second={:.0} wall_us_per_call={:.1}",
        calls / elapsed,
        elapsed * 1e6 / calls
    );
    // Held open until standard input ends, for the same reason.
    let mut rest = String::new();
    let _ = std::io::stdin().read_line(&mut rest);
    Ok(())
}
