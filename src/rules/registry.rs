//! The rules in memory: each client's current version, an index from phone number to
//! client, and every version a call has pinned. Versions never change once saved, so
//! caching them is always correct; the database stays the source of truth.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::routing::Rules;

#[derive(Debug, Clone)]
pub struct Loaded {
    pub version: i32,
    pub rules: Arc<Rules>,
}

#[derive(Debug, Default)]
struct Inner {
    current: HashMap<String, Loaded>,
    by_number: HashMap<String, String>,
    versions: HashMap<(String, i32), Arc<Rules>>,
}

impl Inner {
    /// Unmaps the numbers of `client`'s current version, through that version rather than
    /// by scanning every number: a number another client has taken since stays theirs.
    fn forget_numbers(&mut self, client: &str) {
        let Some(old) = self.current.get(client) else {
            return;
        };
        for n in &old.rules.numbers {
            if self.by_number.get(n.as_str()).is_some_and(|c| c == client) {
                self.by_number.remove(n.as_str());
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct Registry {
    inner: RwLock<Inner>,
}

impl Registry {
    /// The current rules of the client that owns `number`.
    pub fn by_number(&self, number: &str) -> Option<Loaded> {
        let inner = self.read();
        inner.by_number.get(number).and_then(|c| inner.current.get(c)).cloned()
    }

    pub fn current(&self, client: &str) -> Option<Loaded> {
        self.read().current.get(client).cloned()
    }

    pub fn version(&self, client: &str, version: i32) -> Option<Arc<Rules>> {
        self.read().versions.get(&(client.to_owned(), version)).cloned()
    }

    pub fn remember(&self, version: i32, rules: Arc<Rules>) {
        self.write().versions.insert((rules.client.to_string(), version), rules);
    }

    /// Makes `loaded` its client's current version (a new client, or a new version).
    pub fn set_current(&self, loaded: Loaded) {
        let mut inner = self.write();
        let client = loaded.rules.client.to_string();
        inner.forget_numbers(&client);
        for n in &loaded.rules.numbers {
            inner.by_number.insert(n.to_string(), client.clone());
        }
        inner
            .versions
            .insert((client.clone(), loaded.version), Arc::clone(&loaded.rules));
        inner.current.insert(client, loaded);
    }

    /// Stops serving a client (deleted): its numbers become unknown.
    pub fn remove(&self, client: &str) {
        let mut inner = self.write();
        inner.forget_numbers(client);
        inner.current.remove(client);
    }

    pub fn clients(&self) -> Vec<Loaded> {
        let mut list: Vec<Loaded> = self.read().current.values().cloned().collect();
        list.sort_by(|a, b| a.rules.client.cmp(&b.rules.client));
        list
    }

    // A poisoned lock only means another thread panicked mid-update of plain maps;
    // the data is still usable, and the call path must keep answering.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
