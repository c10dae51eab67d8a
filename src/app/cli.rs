//! The command line: `serve` (default), `rules check`, `simulate`, `migrate`, and
//! `call` (send one signed webhook to a running server, as Twilio would).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand};

use crate::admin::simulation;
use crate::app::settings::{Settings, LOCAL_ACCOUNT_SID, LOCAL_AUTH_TOKEN};
use crate::app::{startup, telemetry};
use crate::rules::files as rules_files;
use crate::store;
use crate::twilio::signature;
use crate::twilio::webhooks::Links;

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
        /// Keys pressed at each menu in turn, separated by commas: `2,1` chooses 2, then 1 at
        /// the menu 2 opened.
        #[arg(long)]
        digits: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Admin API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Send one signed webhook to a running server, as Twilio would, and print the answer
    /// with the commands that answer its next callback.
    Call {
        /// The server's base URL [default: http://$SWITCHBOARD_BIND, else http://127.0.0.1:8080].
        #[arg(long)]
        server: Option<String>,
        /// The webhook's path and query, as a callback URL of the answer gives it (`&amp;` may
        /// stay as the TwiML spells it).
        #[arg(long, default_value = "/twilio/voice")]
        path: String,
        /// The number called.
        #[arg(long)]
        to: String,
        /// The caller's number.
        #[arg(long, default_value = "+15555550123")]
        from: String,
        /// The call's SID: keep the same one for every callback of one call.
        #[arg(long, default_value = "CA00000000000000000000000000000001")]
        call_sid: String,
        /// Extra form parameters, `Name=value` (e.g. `Digits=1`, `DialCallStatus=no-answer`).
        #[arg(long = "param")]
        params: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum TokenCommand {
    /// Create a token and print it (once: only its hash is kept).
    Create {
        /// Limit the token to one client (default: every client).
        #[arg(long)]
        client: Option<String>,
        #[arg(long, default_value = "admin")]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id.
    Revoke { id: i64 },
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
        Command::Token { command } => token(&cli.settings, command).await?,
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
        } => {
            let server = server.unwrap_or_else(|| {
                let bind = std::env::var("SWITCHBOARD_BIND").unwrap_or_else(|_| "127.0.0.1:8080".into());
                format!("http://{bind}")
            });
            call(&server, &path, &to, &from, &call_sid, &params).await?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn token(settings: &Settings, command: TokenCommand) -> anyhow::Result<()> {
    let db = store::connect(&settings.database_url).await?;
    store::migrate(&db).await?;
    let now = chrono::Utc::now();
    match command {
        TokenCommand::Create { client, name } => {
            if let Some(c) = &client {
                crate::ids::ClientId::parse(c).map_err(anyhow::Error::msg)?;
                if !known_client(settings, &db, c).await? {
                    bail!(
                        "no client `{c}`: neither the database nor the rule files in {} have it. \
                         `switchboard rules check` lists the rule files' clients, and `GET /api/clients` \
                         those the server serves.",
                        settings.rules_dir.display()
                    );
                }
            }
            let secret = format!(
                "sb_{}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::URL_SAFE_NO_PAD,
                    rand::random::<[u8; 32]>()
                )
            );
            let id = store::admin::create_token(&db, &name, client.as_deref(), &secret, now).await?;
            println!("token {id} ({name}, {}):", client.as_deref().unwrap_or("all clients"));
            println!("{secret}");
            eprintln!("Keep it now: it is not shown again.");
        }
        TokenCommand::List => {
            for t in store::admin::list_tokens(&db).await? {
                let state = t
                    .revoked_at
                    .map_or_else(|| "live".to_owned(), |r| format!("revoked {r}"));
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    t.id,
                    t.name,
                    t.client_id.as_deref().unwrap_or("*"),
                    t.created_at
                );
            }
        }
        TokenCommand::Revoke { id } => {
            if !store::admin::revoke_token(&db, id, now).await? {
                bail!("no live token {id}");
            }
            println!("token {id} revoked");
        }
    }
    Ok(())
}

/// A client the server serves (its rules are in the database) or will serve from its next
/// start (a valid rule file names it).
async fn known_client(settings: &Settings, db: &store::Db, client: &str) -> anyhow::Result<bool> {
    let stored = store::rule_versions::heads(db).await?;
    if stored.get(client).is_some_and(|head| !head.deleted) {
        return Ok(true);
    }
    let files = rules_files::load_dir(&settings.rules_dir).unwrap_or_default();
    Ok(files.iter().any(|f| f.rules.client.as_str() == client))
}

fn check(dir: &std::path::Path) -> ExitCode {
    match rules_files::load_dir(dir) {
        Ok(files) => {
            for f in &files {
                println!("ok  {} ({}, {} tests)", f.path.display(), f.rules.client, f.tests);
                // Not problems: a call still works, in the file's own words where a
                // translation is missing.
                for w in crate::routing::untranslated(&f.rules) {
                    println!("warning: {}: {w}", f.path.display());
                }
            }
            println!("{} files valid", files.len());
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors {
                eprintln!("{e}");
            }
            match errors.len() {
                1 => eprintln!("1 problem"),
                n => eprintln!("{n} problems"),
            }
            ExitCode::FAILURE
        }
    }
}

/// The text `switchboard simulate` prints, from the rule files.
///
/// # Errors
/// When the rule files are invalid, the client is unknown or the time is malformed.
pub fn simulate(
    settings: &Settings,
    client: &str,
    at: &str,
    from: &str,
    digits: Option<&str>,
) -> anyhow::Result<String> {
    let files = rules_files::load_dir(&settings.rules_dir).map_err(|e| anyhow::anyhow!(e.join("\n")))?;
    let Some(file) = files.into_iter().find(|f| f.rules.client.as_str() == client) else {
        bail!("no client `{client}` in {}", settings.rules_dir.display());
    };
    let links = Links::new(settings.public_url.as_ref());
    let attempt = simulation::Attempt {
        at,
        caller: from,
        digits,
        off_duty: &[],
        spoke_with: None,
    };
    let result = simulation::simulate(&file.rules, 0, &attempt, &links)?;
    Ok(result.to_text(&file.rules.name))
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
    // Pasted from the TwiML, a URL keeps its XML escapes; `&amp;` is never meant literally.
    let path = path.replace("&amp;", "&");
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
    let twiml = response.text().await?;
    println!("{twiml}");
    for (verb, action) in callbacks(&twiml) {
        let (what, params) = match verb {
            "Gather" => ("the caller presses 1", "--param Digits=1"),
            _ => (
                "nobody answers",
                "--param DialCallStatus=no-answer --param CallStatus=in-progress",
            ),
        };
        println!(
            "\nWhen {what}, Twilio asks:\n  switchboard call --server {server} --to {to} --from {from} --call-sid {call_sid} --path '{action}' {params}"
        );
    }
    Ok(())
}

/// The `action` URLs of the `<Dial>` and `<Gather>` verbs of `twiml`, unescaped, with their
/// verb, so the next request can be sent as Twilio would.
fn callbacks(twiml: &str) -> Vec<(&'static str, String)> {
    let mut reader = quick_xml::Reader::from_str(twiml);
    let mut found = Vec::new();
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                let verb = match e.name().as_ref() {
                    b"Dial" => "Dial",
                    b"Gather" => "Gather",
                    _ => continue,
                };
                let action = e
                    .try_get_attribute("action")
                    .ok()
                    .flatten()
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                // Relative to the server, as `--path` wants it, when there is a public URL.
                let path = action.map(|a| match url::Url::parse(&a) {
                    Ok(u) => format!("{}?{}", u.path(), u.query().unwrap_or_default()),
                    Err(_) => a,
                });
                found.extend(path.map(|p| (verb, p)));
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return found,
            Ok(_) => {}
        }
    }
}
