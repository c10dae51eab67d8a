//! What admins can do, whatever the surface (API or console): change rules safely,
//! put assistants on or off duty, and see only their own clients. Every change is
//! audited. The rest of what they can do has a file each: see what happened ([`history`],
//! [`stats`]), send texts and calls ([`sending`]), read and answer texts by conversation
//! ([`conversations`]), try a call ([`simulation`]), manage
//! clients' Twilio accounts ([`accounts`]), numbers ([`numbers`]) and recordings
//! ([`recordings`]).

pub mod accounts;
/// Who changed what: the audit log and rules versions, paged.
pub mod changes;
/// Checks (a rule file's `[[tests]]`) a draft routes differently, and accepting them.
pub mod checks;
/// Numbers' consent to a client's texts, and its history.
pub mod consent;
/// Texts with the people who text a client, by their number, and replies.
pub mod conversations;
/// A call's follow-up: heard, handled, its assistants' links withdrawn.
pub mod handling;
/// What happened: a call with its alerts, messages with their delivery, figures.
pub mod history;
/// Calls on the line now, and those Twilio never said had ended.
pub mod live;
pub mod numbers;
pub mod recordings;
/// "What would this draft have changed?": the last days' calls decided again under it.
pub mod replay;
/// API sends waiting to be sent: listed, cancelled, moved.
pub mod scheduled;
/// Texts and calls admins send on a client's behalf.
pub mod sending;
/// "What would a call get?" for the CLI and the admin API.
pub mod simulation;
/// PURE: per-client figures over a period.
pub mod stats;
/// The text templates a client stores to send by name.
pub mod templates;
/// Clients' webhook endpoints and their deliveries.
pub mod webhooks;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::accounts::secrets::SecretKey;
use crate::accounts::Accounts;
use crate::clock::Clock;
use crate::messaging::Outbound;
use crate::routing::{RuleError, Rules};
use crate::rules::files as rules_files;
use crate::rules::registry::{Loaded, Registry};
use crate::store::{self, admin, rule_versions, Db, StoreError};
use crate::twilio::webhooks::Links;
use simulation::Simulation;

/// What admins' actions use, and nothing more: assembled once at start-up, held by the
/// HTTP edge for the API and the console alike.
#[derive(Debug, Clone)]
pub struct Service {
    pub db: Db,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
    pub links: Links,
    /// Twilio's REST client and the server's own account: what admins send, buy and fetch
    /// goes through them when a client has no account of its own.
    pub outbound: Arc<Outbound>,
    /// Clients' own accounts as this process uses them, changed with the stored ones.
    pub accounts: Arc<Accounts>,
    /// `SWITCHBOARD_SECRET_KEY`: clients' tokens are stored only sealed with it.
    pub secret_key: Option<SecretKey>,
    /// `SWITCHBOARD_SEND_QUOTA_PER_HOUR`.
    pub send_quota_per_hour: u64,
}

/// Who is asking: a token's name and scope, and where the request came from.
#[derive(Debug, Clone)]
pub struct Actor {
    pub name: String,
    /// `None`: every client.
    pub client: Option<String>,
    pub address: Option<String>,
}

impl Actor {
    pub fn can_see(&self, client: &str) -> bool {
        self.client.as_deref().is_none_or(|c| c == client)
    }

    /// Which clients a listing may cover: the one asked for if visible, else the
    /// token's own, else (`None`) every client.
    ///
    /// # Errors
    /// `NotFound` when the client asked for is another's.
    pub fn visible_clients(&self, asked: Option<String>) -> Result<Option<Vec<String>>, AdminError> {
        match (asked, &self.client) {
            (Some(c), _) if !self.can_see(&c) => Err(AdminError::NotFound),
            (Some(c), _) => Ok(Some(vec![c])),
            (None, Some(mine)) => Ok(Some(vec![mine.clone()])),
            (None, None) => Ok(None),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Unknown, or another client's: the same answer, so existence is not confirmed.
    #[error("not found")]
    NotFound,
    #[error("the rules were not saved")]
    Invalid(Vec<RuleError>),
    #[error("{0}")]
    BadRequest(String),
    /// Well formed, but not something this server will do (a webhook to a private
    /// address); the message says why.
    #[error("{0}")]
    Unprocessable(String),
    /// Allowed to see it, not to do this to it.
    #[error("{0}")]
    Denied(String),
    /// Not possible in the state it is in (a name taken, a message already sent, an
    /// endpoint turned off); the message says why.
    #[error("{0}")]
    Conflict(String),
    #[error(
        "this server has no SWITCHBOARD_SECRET_KEY, so it cannot store credentials (they are kept only encrypted)"
    )]
    NoSecretKey,
    /// Twilio refused the credentials, or the account is not active.
    #[error("{0}")]
    CredentialsRefused(String),
    /// Twilio could not be asked: the credentials are neither known good nor bad.
    #[error("{0}")]
    TwilioUnavailable(String),
    /// No usable Twilio account for what was asked; the message says why.
    #[error("{0}")]
    NoTwilio(String),
    #[error("this server has no SWITCHBOARD_PUBLIC_URL, and Twilio needs absolute webhook URLs")]
    NoPublicUrl,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The client's current rules, if the actor may see them.
///
/// # Errors
/// `NotFound` for an unknown client or another client's.
pub fn client(registry: &Registry, actor: &Actor, id: &str) -> Result<Loaded, AdminError> {
    if !actor.can_see(id) {
        return Err(AdminError::NotFound);
    }
    registry.current(id).ok_or(AdminError::NotFound)
}

/// The clients the actor may see.
pub fn clients(registry: &Registry, actor: &Actor) -> Vec<Loaded> {
    registry
        .clients()
        .into_iter()
        .filter(|l| actor.can_see(l.rules.client.as_str()))
        .collect()
}

/// A page of the clients the actor may see, by id, after client `after`, and the id the
/// next page starts after (none on the last).
///
/// # Errors
/// `BadRequest` for a page size that cannot be used.
pub fn clients_page(
    registry: &Registry,
    actor: &Actor,
    after: Option<&str>,
    limit: u64,
) -> Result<(Vec<Loaded>, Option<String>), AdminError> {
    let limit = history::page_size(limit)?;
    let rows = clients(registry, actor)
        .into_iter()
        .filter(|l| after.is_none_or(|a| l.rules.client.as_str() > a))
        .take(usize::try_from(limit + 1).unwrap_or(usize::MAX))
        .collect();
    let (page, more) = history::page_of(rows, limit);
    let next = more.then(|| page.last().map(|l| l.rules.client.to_string())).flatten();
    Ok((page, next))
}

/// Records a change the actor made to `client`.
///
/// # Errors
/// On database failure.
pub async fn audit(
    db: &impl ConnectionTrait,
    actor: &Actor,
    client: &str,
    action: &str,
    detail: String,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let entry = admin::Entry {
        actor: &actor.name,
        client: Some(client),
        action,
        detail,
        address: actor.address.clone(),
    };
    admin::audit(db, &entry, now).await
}

/// Checks a rules text as a new version of `id` would be checked, without saving.
///
/// # Errors
/// `Invalid` with every problem, each at its line; `Store` when the reserved numbers cannot be
/// read.
pub async fn check(service: &Service, actor: &Actor, id: &str, source: &str) -> Result<Rules, AdminError> {
    if !actor.can_see(id) {
        return Err(AdminError::NotFound);
    }
    let rules = rules_files::check_source(source).map_err(|e| AdminError::Invalid(e.0))?;
    let mut problems = Vec::new();
    if rules.client.as_str() != id {
        problems.push(at_text(
            source,
            "client",
            format!("the rules are for `{}`, not `{id}`", rules.client),
        ));
    }
    let numbers: Vec<&str> = rules.numbers.iter().map(|n| n.as_str()).collect();
    let reserved = store::purchased_numbers::owners(&service.db, &numbers).await?;
    for n in &rules.numbers {
        let routed_by = service
            .registry
            .by_number(n.as_str())
            .map(|o| o.rules.client.to_string());
        let bought_for = reserved.iter().find(|(r, _)| r == n.as_str()).map(|(_, c)| c.clone());
        let Some(owner) = routed_by.into_iter().chain(bought_for).find(|c| c != id) else {
            continue;
        };
        // Only an admin who may see the other client is told who it is, or even that there is
        // one: to a business's own admin it is simply not theirs.
        let message = if actor.can_see(&owner) {
            format!("number {n} already belongs to `{owner}`")
        } else {
            format!("number {n} is not one of this business's numbers")
        };
        problems.push(at_text(source, n.as_str(), message));
    }
    if problems.is_empty() {
        Ok(rules)
    } else {
        Err(AdminError::Invalid(problems))
    }
}

fn at_text(source: &str, needle: &str, message: String) -> RuleError {
    let (line, column) = source
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find(needle).map(|c| (i + 1, l[..c].chars().count() + 1)))
        .unwrap_or((1, 1));
    RuleError { line, column, message }
}

/// Saves a new version of `id`'s rules after it parses, validates and passes its
/// tests; it is used from the next call on. Creating a client takes a global token.
///
/// # Errors
/// `Invalid` with every problem; `NotFound` for another client's.
pub async fn save_rules(
    service: &Service,
    actor: &Actor,
    id: &str,
    source: &str,
    comment: Option<&str>,
) -> Result<i32, AdminError> {
    if service.registry.current(id).is_none() && actor.client.is_some() {
        return Err(AdminError::NotFound);
    }
    let rules = check(service, actor, id, source).await?;
    let origin = rule_versions::Origin {
        origin: "api",
        author: Some(&actor.name),
        comment,
    };
    let (version, created) =
        rule_versions::save(&service.db, &rules.client, source, &origin, service.clock.now()).await?;
    service.registry.set_current(Loaded {
        version,
        rules: Arc::new(rules),
    });
    if created {
        audit(
            &service.db,
            actor,
            id,
            "rules.save",
            format!("version {version}: {}", comment.unwrap_or("")),
            service.clock.now(),
        )
        .await?;
    }
    Ok(version)
}

/// Makes an old version current again, as a new version.
///
/// # Errors
/// `NotFound` for an unknown version or client.
pub async fn rollback(
    service: &Service,
    actor: &Actor,
    id: &str,
    version: i32,
    comment: Option<&str>,
) -> Result<i32, AdminError> {
    client(&service.registry, actor, id)?;
    let old = rule_versions::find(&service.db, id, version)
        .await?
        .ok_or(AdminError::NotFound)?;
    let note = format!(
        "rollback to version {version}{}",
        comment.map(|c| format!(": {c}")).unwrap_or_default()
    );
    save_rules(service, actor, id, &old.source, Some(&note)).await
}

/// Puts an assistant on or off duty, from the next call on, without a new version.
///
/// # Errors
/// `NotFound` for an unknown assistant or client.
pub async fn set_duty(
    service: &Service,
    actor: &Actor,
    id: &str,
    assistant: &str,
    on_duty: bool,
) -> Result<(), AdminError> {
    let loaded = client(&service.registry, actor, id)?;
    if !loaded.rules.assistants.iter().any(|a| a.id.as_str() == assistant) {
        return Err(AdminError::NotFound);
    }
    let by = store::duty::ChangedBy {
        name: &actor.name,
        address: actor.address.clone(),
        how: None,
    };
    let txn = service.db.begin().await.map_err(StoreError::from)?;
    store::duty::set_audited(&txn, id, assistant, on_duty, &by, service.clock.now()).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(())
}

/// One of a client's assistants and whether they take calls from the next call on.
#[derive(Debug, Clone)]
pub struct AssistantDuty {
    pub id: String,
    pub name: String,
    pub phone: String,
    pub priority: i64,
    pub on_duty: bool,
}

/// The client's current rules and its assistants with their duty.
///
/// # Errors
/// `NotFound` for an unknown client or another client's.
pub async fn assistants(
    service: &Service,
    actor: &Actor,
    id: &str,
) -> Result<(Loaded, Vec<AssistantDuty>), AdminError> {
    let loaded = client(&service.registry, actor, id)?;
    let off = store::duty::off_duty(&service.db, id).await?;
    let assistants = loaded
        .rules
        .assistants
        .iter()
        .map(|a| AssistantDuty {
            id: a.id.to_string(),
            name: a.name.clone(),
            phone: a.phone.to_string(),
            priority: a.priority,
            on_duty: !off.iter().any(|o| o == a.id.as_str()),
        })
        .collect();
    Ok((loaded, assistants))
}

/// A call to try: when, from whom, which keys, and optionally a draft instead of the
/// current rules.
#[derive(Debug, Clone, Copy)]
pub struct Try<'a> {
    /// Local time in the client's zone, or an instant (see [`simulation::parse_at`]).
    pub at: &'a str,
    pub from: Option<&'a str>,
    pub digits: Option<&'a str>,
    pub draft: Option<&'a str>,
}

/// What a call would get now, with today's duty; a draft is checked as a save would
/// check it first.
///
/// # Errors
/// `NotFound` for another client's; `Invalid` for a draft that would not save;
/// `BadRequest` for a malformed time.
pub async fn simulate(service: &Service, actor: &Actor, id: &str, t: &Try<'_>) -> Result<Simulation, AdminError> {
    let loaded = client(&service.registry, actor, id)?;
    let (rules, version) = match t.draft {
        Some(draft) => (Arc::new(check(service, actor, id, draft).await?), 0),
        None => (loaded.rules, loaded.version),
    };
    let off = store::duty::off_duty(&service.db, id).await?;
    let caller = t.from.unwrap_or("unknown");
    let (at, _) = simulation::parse_at(&rules, t.at).map_err(|e| AdminError::BadRequest(e.to_string()))?;
    // As a live call would: whom this caller last spoke with, before the time tried.
    let spoke_with = match (rules.sticky, simulation::caller_number(&rules, caller)) {
        (Some(sticky), Some(from)) => {
            let since = at - chrono::Duration::days(i64::from(sticky.days));
            store::calls::last_answered_by(&service.db, id, from.as_str(), since).await?
        }
        _ => None,
    };
    let attempt = simulation::Attempt {
        at: t.at,
        caller,
        digits: t.digits,
        off_duty: &off,
        spoke_with: spoke_with.as_deref(),
    };
    simulation::simulate(&rules, version, &attempt, &service.links).map_err(|e| AdminError::BadRequest(e.to_string()))
}

/// Deletes a client: it stops being served from the next call, its history stays.
/// Only a global token may; a rule file for it brings it back only when the file changes.
///
/// # Errors
/// `NotFound` for an unknown client; `Denied` for a scoped token.
pub async fn delete_client(service: &Service, actor: &Actor, id: &str) -> Result<(), AdminError> {
    client(&service.registry, actor, id)?;
    if actor.client.is_some() {
        return Err(AdminError::Denied("only a global token may delete a client".into()));
    }
    let origin = rule_versions::Origin {
        origin: "api:delete",
        author: Some(&actor.name),
        comment: Some("deleted"),
    };
    let client_id = crate::ids::ClientId::parse(id).map_err(AdminError::BadRequest)?;
    rule_versions::save(&service.db, &client_id, "", &origin, service.clock.now()).await?;
    service.registry.remove(id);
    audit(
        &service.db,
        actor,
        id,
        "client.delete",
        "deleted".into(),
        service.clock.now(),
    )
    .await?;
    Ok(())
}
