//! Building and running the server: connect, migrate, import the rule files, bind.
//! Tests build it the same way on port 0.

use std::num::NonZeroU32;
use std::sync::Arc;

use secrecy::ExposeSecret;
use tokio::net::TcpListener;
use tracing::{info, warn};

use crate::accounts::Accounts;
use crate::admin;
use crate::app::settings::Settings;
use crate::assistants::links::CallLinks;
use crate::calls::{Intake, Webhooks};
use crate::clock::{Clock, SystemClock};
use crate::http;
use crate::http::state::{AppState, Edge, Shared};
use crate::messaging::email::Mailer;
use crate::messaging::inbound::Texts;
use crate::messaging::rate::RateLimits;
use crate::messaging::summary;
use crate::messaging::worker::{self, Worker};
use crate::messaging::Outbound;
use crate::rules::files::Folder;
use crate::rules::registry::Registry;
use crate::rules::sync::{self, Poll, Reloader};
use crate::store::batch::calls::Calls;
use crate::store::{self, rule_versions, Db};
use crate::twilio::rest::{Account, TwilioClient};
use crate::twilio::webhooks::{self, Links};

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("invalid rule files:\n{}", .0.join("\n"))]
    Rules(Vec<String>),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("configuration: {0}")]
    Config(String),
    #[error("cannot listen on {0}: {1}")]
    Bind(std::net::SocketAddr, std::io::Error),
}

pub struct Application {
    listener: TcpListener,
    /// `SWITCHBOARD_METRICS_BIND`'s, when `/metrics` has an address of its own.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    limits: crate::app::serve::Limits,
    /// What the background tasks read: the history's retention, whether the outbox worker runs.
    settings: Settings,
    /// Where the look for versions other processes save starts.
    poll: Poll,
}

impl Application {
    /// # Errors
    /// When the rule files are invalid, the database cannot be opened or migrated, or
    /// the address cannot be bound.
    pub async fn build(settings: Settings) -> Result<Self, StartError> {
        Self::build_with_clock(settings, Arc::new(SystemClock)).await
    }

    /// # Errors
    /// As [`Application::build`].
    pub async fn build_with_clock(settings: Settings, clock: Arc<dyn Clock>) -> Result<Self, StartError> {
        crate::metrics::init();
        let db = store::connect(&settings.database_url).await?;
        store::migrate(&db).await?;
        let registry = Arc::new(Registry::default());
        // Taken before the versions are read, so that one saved meanwhile is seen by the
        // first look.
        let poll = Poll::after(rule_versions::highest_id(&db).await?);
        let heads = rule_versions::heads(&db).await?;
        let (files, folder) = Folder::default()
            .read(&settings.rules_dir, &sync::imported(&heads))
            .map_err(StartError::Rules)?;
        sync::import(&db, &registry, files, heads, clock.now()).await?;
        if let Some(token) = &settings.admin_token {
            store::admin::ensure_named(&db, "bootstrap", token.expose_secret(), clock.now()).await?;
        }
        let listener = TcpListener::bind(settings.bind)
            .await
            .map_err(|e| StartError::Bind(settings.bind, e))?;
        let address = listener.local_addr().map_err(|e| StartError::Bind(settings.bind, e))?;
        let metrics_listener = match settings.metrics_bind {
            Some(bind) => Some(TcpListener::bind(bind).await.map_err(|e| StartError::Bind(bind, e))?),
            None => None,
        };
        if settings.server_account().local_mode() {
            warn!("LOCAL MODE: no TWILIO_AUTH_TOKEN set. Webhooks must be signed with the local token (see README); SMS go to the log, not Twilio, except those of clients with a Twilio account of their own.");
        }
        let links = Links::new(settings.public_url.as_ref()).with_local_console(address);
        let outbound = Arc::new(outbound(&settings, &links)?);
        let accounts = Arc::new(client_accounts(&db, &settings).await?);
        let limits = crate::app::serve::Limits::from_settings(&settings);
        let intake = store::batch::Batcher::start(db.clone(), Calls(Intake { clock: clock.clone() }));
        let webhooks = Webhooks {
            db: db.clone(),
            registry: Arc::clone(&registry),
            clock: Arc::clone(&clock),
            links: links.clone(),
            intake,
            outbound: Arc::clone(&outbound),
            call_links: CallLinks {
                links: links.clone(),
                lifetime: chrono::Duration::days(i64::from(settings.call_link_days)),
            },
        };
        let texts = Texts {
            db: db.clone(),
            registry: Arc::clone(&registry),
            clock: Arc::clone(&clock),
            outbound: Arc::clone(&outbound),
        };
        let admin = admin::Service {
            db: db.clone(),
            registry: Arc::clone(&registry),
            clock: Arc::clone(&clock),
            links: links.clone(),
            outbound: Arc::clone(&outbound),
            accounts: Arc::clone(&accounts),
            secret_key: settings.secret_key.clone(),
            send_quota_per_hour: settings.send_quota_per_hour,
        };
        let worker = Worker {
            db: db.clone(),
            clock: Arc::clone(&clock),
            links: links.clone(),
            outbound: Arc::clone(&outbound),
            lease: chrono::Duration::seconds(i64::from(settings.outbox_lease_seconds)),
            backoff: std::time::Duration::from_millis(settings.outbox_backoff_ms),
            secret_key: settings.secret_key.clone(),
        };
        let reloader = Arc::new(Reloader {
            dir: settings.rules_dir.clone(),
            folder: tokio::sync::Mutex::new(folder),
            db: db.clone(),
            registry: Arc::clone(&registry),
            clock: Arc::clone(&clock),
        });
        let state = AppState::new(Shared {
            webhooks,
            texts,
            admin,
            worker,
            db,
            server_account: settings.server_account(),
            edge: edge(&settings),
            registry,
            clock,
            links,
            outbound,
            accounts,
            admin_attempts: Arc::default(),
            reloader,
        });
        Ok(Self {
            listener,
            metrics_listener,
            state,
            limits,
            settings,
            poll,
        })
    }

    /// The settings it was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The port `/metrics` is served on when it has an address of its own.
    pub fn metrics_port(&self) -> Option<u16> {
        let listener = self.metrics_listener.as_ref()?;
        listener.local_addr().ok().map(|a| a.port())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        info!(address = %self.listener.local_addr()?, "switchboard listening");
        if let Some(metrics) = &self.metrics_listener {
            info!(address = %metrics.local_addr()?, "metrics listening");
        }
        spawn_reload_on_hangup(Arc::clone(&self.state.reloader));
        spawn_refresh(self.state.db.clone(), Arc::clone(&self.state.registry), self.poll);
        spawn_summaries(
            self.state.db.clone(),
            Arc::clone(&self.state.registry),
            Arc::clone(&self.state.clock),
            Arc::clone(&self.state.outbound),
        );
        spawn_history_upkeep(
            self.state.db.clone(),
            Arc::clone(&self.state.clock),
            self.settings.retention_days,
        );
        // Offers go out through the outbox: its worker's setting runs the queue's rounds too.
        if self.settings.outbox_worker {
            spawn_queue_rounds(self.state.clone());
        }
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let worker = self
            .settings
            .outbox_worker
            .then(|| tokio::spawn(worker::run(self.state.worker.clone(), stopped)));
        // One signal stops both listeners.
        let (signalled, signal) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown_signal().await;
            let _ = signalled.send(true);
        });
        let on_signal = |mut signal: tokio::sync::watch::Receiver<bool>| async move {
            let _ = signal.wait_for(|s| *s).await;
        };
        let metrics = self.metrics_listener.map(|listener| {
            let router = http::metrics_router(self.state.clone());
            tokio::spawn(crate::app::serve::serve(
                listener,
                router,
                self.limits,
                on_signal(signal.clone()),
            ))
        });
        let served =
            crate::app::serve::serve(self.listener, http::router(self.state), self.limits, on_signal(signal)).await;
        if let Some(metrics) = metrics {
            let _ = metrics.await;
        }
        // In-flight webhooks are done; let the worker finish the message it is sending.
        let _ = stop.send(true);
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        served
    }
}

/// What the HTTP edge reads of the settings.
fn edge(settings: &Settings) -> Edge {
    Edge {
        public_url: settings.public_url.clone(),
        trusted_proxies: settings.trusted_proxies.clone(),
        proxy_header: settings.proxy_header,
        answer_deadline: std::time::Duration::from_millis(settings.answer_deadline_ms),
        metrics_apart: settings.metrics_bind.is_some(),
        metrics_token: settings.metrics_token.clone(),
        sessions: store::sessions::Expiry {
            idle: chrono::TimeDelta::minutes(i64::from(settings.session_idle_minutes.max(1))),
            absolute: chrono::TimeDelta::hours(i64::from(settings.session_hours.max(1))),
        },
        secret_key: settings.secret_key.clone(),
    }
}

/// How messages leave: Twilio with the configured account, or the log in local mode (clients'
/// own accounts send through Twilio either way); e-mails through the SMTP relay, or the log.
fn outbound(settings: &Settings, links: &Links) -> Result<Outbound, StartError> {
    let default_account = match (&settings.twilio_account_sid, &settings.twilio_auth_token) {
        (None, None) => None,
        (Some(sid), Some(token)) => Some(Account {
            sid: sid.clone(),
            token: token.clone(),
        }),
        _ => {
            return Err(StartError::Config(
                "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be set together".into(),
            ))
        }
    };
    let mailer = match &settings.smtp_url {
        Some(url) => Some(
            Mailer::new(
                url,
                settings.email_from.as_deref(),
                RateLimits::new(NonZeroU32::new(settings.emails_per_second)),
            )
            .map_err(|e| StartError::Config(e.to_string()))?,
        ),
        None => {
            info!("no SWITCHBOARD_SMTP_URL: e-mail alerts go to the log");
            None
        }
    };
    Ok(Outbound {
        client: TwilioClient::new(
            settings.twilio_api_base.clone(),
            std::time::Duration::from_millis(settings.twilio_timeout_ms),
        ),
        default_account,
        rates: RateLimits::new(NonZeroU32::new(settings.sms_per_second)),
        mailer,
        webhooks: crate::webhooks::Sender::new(
            std::time::Duration::from_millis(settings.webhook_timeout_ms),
            crate::webhooks::TurnOff {
                after_hours: settings.webhook_disable_after_hours,
                after_failures: settings.webhook_disable_after_failures,
            },
            settings.webhook_allow_loopback,
        ),
        status_callback: links.absolute(webhooks::PATH_SMS_STATUS),
        wake: tokio::sync::Notify::new(),
    })
}

/// Loads the clients' own accounts, and says loudly which of them this process cannot use.
///
/// # Errors
/// On database failure.
async fn client_accounts(db: &Db, settings: &Settings) -> Result<Accounts, StartError> {
    let accounts = Accounts::default();
    let unreadable = accounts.load(db, settings.secret_key.as_ref()).await?;
    if !unreadable.is_empty() {
        let why = match settings.secret_key {
            None => "SWITCHBOARD_SECRET_KEY is not set",
            Some(_) => "SWITCHBOARD_SECRET_KEY is not the key they were stored with",
        };
        warn!(clients = ?unreadable, "{why}: these clients' Twilio credentials cannot be decrypted; their messages and webhooks will fail");
    }
    Ok(accounts)
}

/// Every second: what other processes saved is used here within about a second.
fn spawn_refresh(db: Db, registry: Arc<Registry>, mut poll: Poll) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
        loop {
            tick.tick().await;
            if let Err(e) = poll.look(&db, &registry).await {
                warn!(error = %e, "could not refresh the rules from the database");
            }
        }
    });
}

/// Every ten minutes, looks after the history: calls that never reported their end are
/// made findable by their caller once they cannot be going on any more (Twilio ends every
/// call within four hours), and with a retention of `days`, what is older is forgotten.
/// Both go in batches of a few hundred rows, each its own short transaction, with a pause
/// between them so that webhooks waiting for the database go first.
fn spawn_history_upkeep(db: Db, clock: Arc<dyn Clock>, retention_days: Option<u32>) {
    const BATCH: u64 = 500;
    const PAUSE: std::time::Duration = std::time::Duration::from_millis(50);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            let ended = clock.now() - chrono::Duration::hours(4);
            loop {
                match store::calls::make_findable_unended(&db, ended, BATCH).await {
                    Ok(n) if n < BATCH => break,
                    Ok(_) => tokio::time::sleep(PAUSE).await,
                    Err(e) => {
                        warn!(error = %e, "could not make calls findable by their caller");
                        break;
                    }
                }
            }
            let Some(days) = retention_days else { continue };
            let before = clock.now() - chrono::Duration::days(i64::from(days));
            loop {
                match store::retention::prune_batch(&db, before, BATCH).await {
                    Ok(0) => break,
                    Ok(deleted) => info!(deleted, %before, "history pruned"),
                    Err(e) => {
                        warn!(error = %e, "could not prune history");
                        break;
                    }
                }
                tokio::time::sleep(PAUSE).await;
            }
        }
    });
}

/// On SIGHUP, reloads the rule folder; an invalid folder keeps the running rules.
/// Queues the daily summaries as each client's set time passes.
fn spawn_summaries(db: Db, registry: Arc<Registry>, clock: Arc<dyn Clock>, outbound: Arc<Outbound>) {
    tokio::spawn(async move {
        let mut sent = summary::Sent::default();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tick.tick().await;
            match summary::send_due(&db, &registry, &mut sent, clock.now()).await {
                Ok(0) => {}
                Ok(_) => outbound.wake.notify_one(),
                Err(e) => warn!(error = %e, "daily summaries could not be queued; trying again shortly"),
            }
        }
    });
}

/// Keeps each client's queue at Twilio in step with its rules and with the callers held on
/// hold, then serves the queues no call is asking about: call backs whose time came, and
/// callers whose assistants came on duty or on shift between two turns of their wait loop.
fn spawn_queue_rounds(state: AppState) {
    use crate::calls::queue::{self, twilio};
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = twilio::provision_due(&state.webhooks).await {
                warn!(error = %e, "Twilio queues could not be checked; trying again shortly");
            }
            if let Err(e) = twilio::reconcile_all(&state.worker).await {
                warn!(error = %e, "queues could not be compared with Twilio's; trying again shortly");
            }
            if let Err(e) = queue::serve_all(&state.webhooks).await {
                warn!(error = %e, "queues could not be served; trying again shortly");
            }
        }
    });
}

fn spawn_reload_on_hangup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut hangups) = signal(SignalKind::hangup()) else {
            return;
        };
        while hangups.recv().await.is_some() {
            match reloader.reload().await {
                Ok(imported) => info!(imported = imported.len(), "rules reloaded"),
                Err(e) => warn!(error = %e, "reload failed; keeping the running rules"),
            }
        }
    });
    #[cfg(not(unix))]
    let _ = reloader;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = terminate => {} }
    info!("shutting down: finishing in-flight requests");
}
