//! Keeping the rules in memory in step with the rule folder and the database: the folder
//! imported at start and on reload, and the versions other processes save, polled. Neither
//! reads every client's rules to find what changed, so their cost follows the changes, not
//! the number of clients.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::clock::Clock;
use crate::ids::ClientId;
use crate::routing;
use crate::rules::files::{Folder, RuleFile};
use crate::rules::registry::{Loaded, Registry};
use crate::store::rule_versions::{self, Head, NewVersion, Origin};
use crate::store::{Db, StoreError};

/// The texts of rule files the database holds as their clients' last imported: what
/// [`Folder::read`](crate::rules::files::Folder::read) need not keep.
pub fn imported(heads: &HashMap<String, Head>) -> HashSet<String> {
    heads.values().filter_map(|h| h.file_hash.clone()).collect()
}

/// The heads of the clients `files` define, one client at a time: a reload's few files
/// cost a few lookups, not a read of every client.
///
/// # Errors
/// On database failure.
pub async fn heads_of(db: &Db, files: &[RuleFile]) -> Result<HashMap<String, Head>, StoreError> {
    let mut heads = HashMap::new();
    for f in files {
        if let Some(head) = rule_versions::head(db, f.rules.client.as_str()).await? {
            heads.insert(f.rules.client.to_string(), head);
        }
    }
    Ok(heads)
}

/// Stores each changed file as its client's new version when its text changed since the
/// file was last imported (so an admin's edit through the API is not undone by a restart or
/// a reload), then brings `registry` to `heads` (with those new versions): every client at
/// start, the changed files' clients on a reload. Returns the clients stored a new version of.
///
/// # Errors
/// On database failure; then nothing is stored.
pub async fn import(
    db: &Db,
    registry: &Registry,
    changed: Vec<RuleFile>,
    mut heads: HashMap<String, Head>,
    now: DateTime<Utc>,
) -> Result<Vec<ClientId>, StoreError> {
    // A text is left unread only when it is its client's last imported (a text names its
    // client), so every file to store has its text.
    let fresh: Vec<(&RuleFile, &str)> = changed
        .iter()
        .filter(|f| {
            let head = heads.get(f.rules.client.as_str());
            head.and_then(|h| h.file_hash.as_deref()) != Some(f.hash.as_str())
        })
        .filter_map(|f| Some((f, f.source.as_deref()?)))
        .collect();
    let origins: Vec<String> = fresh
        .iter()
        .map(|(f, _)| format!("file:{}", f.path.display()))
        .collect();
    let texts: Vec<NewVersion<'_>> = fresh
        .iter()
        .zip(&origins)
        .map(|((f, source), origin)| NewVersion {
            client: &f.rules.client,
            source,
            origin: Origin {
                origin,
                author: None,
                comment: None,
            },
        })
        .collect();
    let saved = rule_versions::save_all(db, &texts, now).await?;
    let mut imported = Vec::new();
    for ((file, _), (version, created)) in fresh.iter().zip(saved) {
        if created {
            info!(client = %file.rules.client, version, "imported a new rules version");
            heads.insert(
                file.rules.client.to_string(),
                Head {
                    version,
                    content_hash: file.hash.clone(),
                    deleted: false,
                    file_hash: Some(file.hash.clone()),
                },
            );
            imported.push(file.rules.client.clone());
        }
    }
    make_current(db, registry, &heads, &changed).await?;
    Ok(imported)
}

/// Brings `registry` to `heads`: a client's rules come from its file just parsed when the
/// text is the same, and are read from the database only otherwise.
async fn make_current(
    db: &Db,
    registry: &Registry,
    heads: &HashMap<String, Head>,
    files: &[RuleFile],
) -> Result<(), StoreError> {
    let mut from_files = HashSet::new();
    for f in files {
        let client = f.rules.client.as_str();
        let Some(head) = heads.get(client).filter(|h| !h.deleted && h.content_hash == f.hash) else {
            continue;
        };
        if registry.current(client).is_none_or(|l| l.version != head.version) {
            registry.set_current(Loaded {
                version: head.version,
                rules: Arc::clone(&f.rules),
            });
        }
        from_files.insert(client);
    }
    for (client, head) in heads.iter().filter(|(c, _)| !from_files.contains(c.as_str())) {
        let held = registry.current(client).map(|l| l.version);
        if head.deleted && held.is_some() {
            registry.remove(client);
        } else if !head.deleted && held != Some(head.version) {
            load(db, registry, client, head.version).await?;
        }
    }
    Ok(())
}

/// Makes a stored version current: a tombstone stops serving the client, and a text that
/// no longer parses (a newer release is stricter) keeps what was served.
async fn load(db: &Db, registry: &Registry, client: &str, version: i32) -> Result<(), StoreError> {
    let Some(stored) = rule_versions::find(db, client, version).await? else {
        return Ok(());
    };
    if stored.source.is_empty() {
        registry.remove(client);
        return Ok(());
    }
    match routing::parse(&stored.source) {
        Ok(mut rules) => {
            // Its tests passed when it was saved; only routing needs the rules from here on.
            rules.tests = Vec::new();
            registry.set_current(Loaded {
                version,
                rules: Arc::new(rules),
            });
        }
        Err(e) => warn!(client, version, error = %e, "stored rules no longer parse; client keeps its previous version"),
    }
    Ok(())
}

/// How many looks back each look reads again. Ids are handed out when a row is inserted,
/// not when it commits: on PostgreSQL a version can become visible below an id already
/// seen, so each look covers again the ids first seen by the previous ones.
const LOOKS_BACK: usize = 30;

/// The versions other processes save, found by row id: a look reads only the ids above
/// those seen, so an idle look costs the same for ten clients or ten thousand.
#[derive(Debug)]
pub struct Poll {
    /// Every id at or below it has been seen.
    floor: i64,
    /// Ids above the floor already applied.
    seen: BTreeSet<i64>,
    /// The highest id after each recent look, oldest first: the next floors.
    highs: VecDeque<i64>,
}

impl Poll {
    /// Versions with ids above `id` are yet to be seen.
    pub fn after(id: i64) -> Self {
        Self {
            floor: id,
            seen: BTreeSet::new(),
            highs: VecDeque::new(),
        }
    }

    /// Makes current each client's newest version saved since the last look, unless this
    /// process already holds it or a newer one (its own saves).
    ///
    /// # Errors
    /// On database failure; the next look tries the same versions again.
    pub async fn look(&mut self, db: &Db, registry: &Registry) -> Result<(), StoreError> {
        let unseen: Vec<_> = rule_versions::saved_after(db, self.floor)
            .await?
            .into_iter()
            .filter(|s| !self.seen.contains(&s.id))
            .collect();
        let mut newest: HashMap<&str, i32> = HashMap::new();
        for s in &unseen {
            let v = newest.entry(s.client.as_str()).or_insert(s.version);
            *v = (*v).max(s.version);
        }
        for (client, version) in newest {
            if registry.current(client).is_none_or(|l| l.version < version) {
                load(db, registry, client, version).await?;
            }
        }
        self.seen.extend(unseen.iter().map(|s| s.id));
        let high = self.seen.last().map_or(self.floor, |&id| id.max(self.floor));
        self.highs.push_back(high);
        if self.highs.len() > LOOKS_BACK {
            self.floor = self.highs.pop_front().unwrap_or(self.floor);
            self.seen = self.seen.split_off(&(self.floor + 1));
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    #[error("invalid rule files:\n{}", .0.join("\n"))]
    Rules(Vec<String>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The rule folder, read again on demand (SIGHUP): only the files changed since it was
/// last read are imported, one reload at a time.
#[derive(Debug)]
pub struct Reloader {
    pub dir: PathBuf,
    /// The folder as last imported.
    pub folder: tokio::sync::Mutex<Folder>,
    pub db: Db,
    pub registry: Arc<Registry>,
    pub clock: Arc<dyn Clock>,
}

impl Reloader {
    /// Returns the clients it stored a new version of.
    ///
    /// # Errors
    /// When a file is invalid (the running rules stay) or the database fails.
    pub async fn reload(&self) -> Result<Vec<ClientId>, ReloadError> {
        let mut folder = self.folder.lock().await;
        let (changed, read) = folder.read(&self.dir, &HashSet::new()).map_err(ReloadError::Rules)?;
        let heads = heads_of(&self.db, &changed).await?;
        let imported = import(&self.db, &self.registry, changed, heads, self.clock.now()).await?;
        *folder = read;
        Ok(imported)
    }
}
