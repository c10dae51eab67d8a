//! A draft of a client's rules tried on the client's real calls of the last days before it
//! is saved: how many would have gone differently, and which ([`crate::routing::replay`]).

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::{at_text, Actor, AdminError, Service};
use crate::routing::replay::Replay;
use crate::routing::Rules;
use crate::store;

/// How far back a replay looks.
pub const DAYS: i64 = 30;

/// The most calls one replay decides again; a client with more is replayed on its oldest
/// calls of the period up to this many, and told so.
const MOST: u64 = 100_000;

/// A replay with the rules it compared, for the names in it.
#[derive(Debug)]
pub struct DraftReplay {
    pub replay: Replay,
    pub current: Arc<Rules>,
    pub draft: Rules,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    /// More calls came in than a replay decides again.
    pub cut_short: bool,
}

/// The client's calls of the last [`DAYS`] decided again under `source`.
///
/// # Errors
/// `NotFound` for a client the actor may not see; `Invalid` when the draft does not parse
/// or is another client's.
pub async fn replay(service: &Service, actor: &Actor, id: &str, source: &str) -> Result<DraftReplay, AdminError> {
    let current = super::client(&service.registry, actor, id)?.rules;
    let draft = crate::routing::parse(source).map_err(|e| AdminError::Invalid(e.0))?;
    if draft.client.as_str() != id {
        let message = format!("the rules are for `{}`, not `{id}`", draft.client);
        return Err(AdminError::Invalid(vec![at_text(source, "client", message)]));
    }
    let until = service.clock.now();
    let since = until - Duration::days(DAYS);
    let arrivals = store::calls::arrivals(&service.db, id, since, until, MOST).await?;
    let cut_short = arrivals.len() as u64 == MOST;
    Ok(DraftReplay {
        replay: crate::routing::replay::replay(&current, &draft, &arrivals),
        current,
        draft,
        since,
        until,
        cut_short,
    })
}
