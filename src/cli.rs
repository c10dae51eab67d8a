//! The command line: `serve` (default), `rules check`, `simulate`, `migrate`, and
//! `call` (send one signed webhook to a running server, as Twilio would).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use clap::{Parser, Subcommand};

use crate::calls::position::Position;
use crate::calls::render::{self, Links};
use crate::config::{Settings, LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use crate::routing::{self, CallInput, MenuChoice, Rules};
use crate::{rules_files, signature, startup, store, telemetry};

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about = "Call routing for businesses on Twilio")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    settings: Settings,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Work with rule files.
    Rules {
        #[command(subcommand)]
        command: RulesCommand,
    },
    /// Print the routing decision for a call: the trace and the TwiML of each step.
    Simulate {
        #[arg(long)]
        client: String,
        /// Local time in the client's zone (2026-12-25T10:00) or an instant with offset.
        #[arg(long)]
        at: String,
        #[arg(long, default_value = "+15555550123")]
        from: String,
        /// Keys pressed at the menu.
        #[arg(long)]
        digits: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Send one signed webhook to a running server, as Twilio would, and print the answer.
    Call {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        server: String,
        #[arg(long, default_value = "/twilio/voice")]
        path: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "+15555550123")]
        from: String,
        #[arg(long, default_value = "CA00000000000000000000000000000001")]
        call_sid: String,
        /// Extra form parameters, `Name=value` (e.g. `Digits=1`, `DialCallStatus=no-answer`).
        #[arg(long = "param")]
        params: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Validate every rule file and run its tests; exits non-zero on any problem.
    Check { dir: Option<PathBuf> },
}

/// Runs the command line.
///
/// # Errors
/// Whatever the chosen command reports.
pub async fn run() -> anyhow::Result<ExitCode> {
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_json);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = startup::Application::build(cli.settings).await?;
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            let db = store::connect(&cli.settings.database_url).await?;
            store::migrate(&db).await?;
            println!("migrations applied");
        }
        Command::Rules {
            command: RulesCommand::Check { dir },
        } => return Ok(check(&dir.unwrap_or(cli.settings.rules_dir))),
        Command::Simulate {
            client,
            at,
            from,
            digits,
        } => {
            print!("{}", simulate(&cli.settings, &client, &at, &from, digits.as_deref())?);
        }
        Command::Call {
            server,
            path,
            to,
            from,
            call_sid,
            params,
        } => call(&server, &path, &to, &from, &call_sid, &params).await?,
    }
    Ok(ExitCode::SUCCESS)
}

fn check(dir: &std::path::Path) -> ExitCode {
    match rules_files::load_dir(dir) {
        Ok(files) => {
            for f in &files {
                println!(
                    "ok  {} ({}, {} tests)",
                    f.path.display(),
                    f.rules.client,
                    f.rules.tests.len()
                );
            }
            println!("{} files valid", files.len());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            eprintln!("{} problems", errors.len());
            ExitCode::FAILURE
        }
    }
}

/// The instant for `--at`: an RFC 3339 instant, or a local time in the client's zone.
/// A local time inside a DST gap is moved forward by the gap, as clocks do.
pub fn parse_at(rules: &Rules, at: &str) -> anyhow::Result<(DateTime<Utc>, Option<String>)> {
    if let Ok(t) = DateTime::parse_from_rfc3339(at) {
        return Ok((t.with_timezone(&Utc), None));
    }
    let naive = NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(at, "%Y-%m-%dT%H:%M"))
        .with_context(|| format!("`{at}` is not a time like 2026-12-25T10:00 or 2026-12-25T15:00:00Z"))?;
    let tz = rules.timezone;
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Ok((t.with_timezone(&Utc), None)),
        LocalResult::None => {
            let before = tz
                .from_local_datetime(&(naive - Duration::days(1)))
                .earliest()
                .context("no offset")?;
            let offset = Duration::seconds(i64::from(before.offset().fix().local_minus_utc()));
            let instant = (naive - offset).and_utc();
            let note = format!(
                "{naive} does not exist in {tz} (the clocks jump forward); using {}",
                instant.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z")
            );
            Ok((instant, Some(note)))
        }
    }
}

/// The text `switchboard simulate` prints.
///
/// # Errors
/// When the rule files are invalid, the client is unknown or the time is malformed.
pub fn simulate(
    settings: &Settings,
    client: &str,
    at: &str,
    _from: &str,
    digits: Option<&str>,
) -> anyhow::Result<String> {
    let files = rules_files::load_dir(&settings.rules_dir).map_err(|e| anyhow::anyhow!(e.join("\n")))?;
    let Some(file) = files.into_iter().find(|f| f.rules.client.as_str() == client) else {
        bail!("no client `{client}` in {}", settings.rules_dir.display());
    };
    let rules = file.rules;
    let (now, note) = parse_at(&rules, at)?;
    let menu = match digits {
        Some(d) => routing::menu::resolve(&rules, Some(d), None, 0),
        None => MenuChoice::NotAsked,
    };
    let unavailable = HashMap::new();
    let called = rules.numbers.first().map_or("", |n| n.as_str());
    let decision = routing::decide(
        &rules,
        now,
        &CallInput {
            called,
            menu,
            unavailable: &unavailable,
            rotation: 0,
        },
    );
    let mut out = String::new();
    out.push_str(&format!("client: {} ({})\n", rules.client, rules.name));
    if let Some(note) = note {
        out.push_str(&format!("note: {note}\n"));
    }
    out.push_str("trace:\n");
    for line in &decision.trace {
        out.push_str(&format!("  - {line}\n"));
    }
    out.push_str("steps:\n");
    let pos = Position {
        client: rules.client.to_string(),
        version: 0,
        at: now,
        menu,
        rotation: 0,
        step: 0,
    };
    let links = Links::new(settings.public_url.as_ref());
    for (n, step) in decision.steps.iter().enumerate() {
        out.push_str(&format!(
            "  {}. {}\n     {}\n",
            n + 1,
            step.label(),
            render::step(&rules, step, &pos, &links).render()
        ));
    }
    Ok(out)
}

async fn call(server: &str, path: &str, to: &str, from: &str, call_sid: &str, extra: &[String]) -> anyhow::Result<()> {
    let mut params: Vec<(String, String)> = vec![
        ("AccountSid".into(), LOCAL_ACCOUNT_SID.into()),
        ("ApiVersion".into(), "2010-04-01".into()),
        ("CallSid".into(), call_sid.into()),
        ("CallStatus".into(), "ringing".into()),
        ("Direction".into(), "inbound".into()),
        ("From".into(), from.into()),
        ("To".into(), to.into()),
    ];
    for p in extra {
        let (k, v) = p
            .split_once('=')
            .with_context(|| format!("--param `{p}` is not Name=value"))?;
        params.retain(|(name, _)| name != k);
        params.push((k.into(), v.into()));
    }
    let url = format!("{}{path}", server.trim_end_matches('/'));
    let sig = signature::compute(LOCAL_AUTH_TOKEN, &url, &params);
    let response = reqwest::Client::new()
        .post(&url)
        .header("X-Twilio-Signature", sig)
        .form(&params)
        .send()
        .await
        .with_context(|| format!("cannot reach {url}"))?;
    println!("{} {}", response.status(), url);
    println!("{}", response.text().await?);
    Ok(())
}
