//! What happened, for admins on any surface (API or console): one call with the
//! alerts it caused and what became of it, messages sent and received (paged, exported),
//! opt-outs, voicemails (the inbox, and a client's latest), a client's figures over a period. Tenancy is [`Actor`]'s.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use futures_util::Stream;
use sea_orm::ConnectionTrait;

use crate::admin::stats::Stats;
use crate::admin::{self, Actor, AdminError};
use crate::phone::NumberSearch;
use crate::rules::registry::Registry;
use crate::store::calls::{CallDetail, CallFilter, CallRow};
use crate::store::handling::HandlingRow;
use crate::store::outbox::OutboxRow;
use crate::store::paging::After;
use crate::store::queue::QueueCaller;
use crate::store::recordings::RecordingRow;
use crate::store::{self, Db, StoreError};

mod messages;
pub use messages::*;

/// A message we sent (or will send) and what Twilio last said about its delivery.
#[derive(Debug, Clone)]
pub struct Delivered {
    pub message: OutboxRow,
    pub delivery: Option<String>,
}

/// A call with its legs and recordings, and the alerts it caused.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub detail: CallDetail,
    pub alerts: Vec<Delivered>,
    /// Heard and handled, and by whom; None while nobody has.
    pub handling: Option<HandlingRow>,
    /// Its time in the queue and the call back the caller asked for, if it was queued.
    pub queued: Option<QueueCaller>,
}

impl CallRecord {
    /// Why the call went where it went, in plain words: as decided when it came in, then
    /// what each later step passed over or could not follow.
    pub fn trace(&self) -> Vec<String> {
        self.detail
            .call
            .trace
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
            .unwrap_or_default()
    }
}

/// Each message with its delivery status, read in one query.
///
/// # Errors
/// On database failure.
pub(super) async fn with_delivery(
    db: &impl ConnectionTrait,
    messages: Vec<OutboxRow>,
) -> Result<Vec<Delivered>, StoreError> {
    let sids = messages.iter().filter_map(|m| m.message_sid.clone()).collect();
    let statuses: HashMap<String, String> = store::messages::statuses(db, sids)
        .await?
        .into_iter()
        .map(|s| (s.message_sid, s.status))
        .collect();
    Ok(messages
        .into_iter()
        .map(|message| Delivered {
            delivery: message.message_sid.as_ref().and_then(|sid| statuses.get(sid).cloned()),
            message,
        })
        .collect())
}

/// The most a page of history holds.
pub const MAX_PAGE: u64 = 1000;

pub(super) fn page_size(limit: u64) -> Result<u64, AdminError> {
    if (1..=MAX_PAGE).contains(&limit) {
        Ok(limit)
    } else {
        Err(AdminError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )))
    }
}

/// The page in `rows`, read with one more than `limit`, and whether more follow: known
/// from that one row, not guessed from a full page.
pub(super) fn page_of<T>(mut rows: Vec<T>, limit: u64) -> (Vec<T>, bool) {
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    (rows, more)
}

fn number_search(text: Option<String>) -> Result<Option<NumberSearch>, AdminError> {
    text.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(NumberSearch::parse)
        .transpose()
        .map_err(|e| AdminError::BadRequest(e.to_string()))
}

/// The call log as asked for on any surface: its filters as typed, a page size, and
/// where the previous page ended.
#[derive(Debug, Clone, Default)]
pub struct CallQuery {
    pub client: Option<String>,
    pub status: Option<String>,
    pub outcome: Option<String>,
    /// A number in any common format, or its last digits.
    pub caller: Option<String>,
    pub assistant: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// The previous page's `next`.
    pub cursor: Option<String>,
    pub limit: u64,
}

/// Calls newest first, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct CallPage {
    pub calls: Vec<CallRow>,
    pub next: Option<String>,
}

/// The rows of a list read a page at a time as the stream is consumed, so that an export
/// of any size holds one page in memory. `page` reads the page a filter asks for and
/// gives the filter of the next, if any.
pub(super) fn pages<F, R, Fut>(
    db: Db,
    first: F,
    page: impl Fn(Db, F) -> Fut + Send + 'static,
) -> impl Stream<Item = Result<Vec<R>, StoreError>>
where
    Fut: std::future::Future<Output = Result<(Vec<R>, Option<F>), StoreError>>,
{
    futures_util::stream::try_unfold(Some(first), move |filter| {
        let next = filter.map(|f| page(db.clone(), f));
        async move {
            let Some(next) = next else {
                return Ok(None);
            };
            let (rows, filter) = next.await?;
            Ok((!rows.is_empty()).then_some((rows, filter)))
        }
    })
}

/// How many rows an export reads at a time.
pub(super) const EXPORT_PAGE: u64 = 500;

/// A page link's cursor: where the previous page ended.
pub(super) fn cursor((at, key): (DateTime<Utc>, &str)) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{key}", at.to_rfc3339()))
}

/// What a page link that cannot be read any more is told.
pub(super) fn stale_link() -> AdminError {
    AdminError::BadRequest("this page link is not valid any more: start again from the first page".into())
}

pub(super) fn after(cursor: Option<&str>) -> Result<Option<After>, AdminError> {
    let decode = |cursor: &str| -> Option<After> {
        let raw = URL_SAFE_NO_PAD.decode(cursor).ok()?;
        let (at, key) = std::str::from_utf8(&raw).ok()?.split_once('|')?;
        Some((
            DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc),
            key.to_owned(),
        ))
    };
    cursor.map(|c| decode(c).ok_or_else(stale_link)).transpose()
}

/// One page of the calls the actor may see.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a cursor, number or page size
/// that cannot be used.
pub async fn calls(db: &impl ConnectionTrait, actor: &Actor, q: CallQuery) -> Result<CallPage, AdminError> {
    let limit = page_size(q.limit)?;
    let before = after(q.cursor.as_deref())?;
    let filter = CallFilter {
        clients: actor.visible_clients(q.client)?,
        status: q.status,
        outcome: q.outcome,
        caller: number_search(q.caller)?,
        answered_by: q.assistant,
        since: q.since,
        until: q.until,
        before,
    };
    let (calls, more) = page_of(store::calls::list(db, &filter, limit + 1).await?, limit);
    let next = more
        .then(|| calls.last().map(|c| cursor((c.started_at, &c.call_sid))))
        .flatten();
    Ok(CallPage { calls, next })
}

/// A voicemail: the call, its recording (with the transcript, if one came) and who heard
/// and handled it.
#[derive(Debug, Clone)]
pub struct Voicemail {
    pub call: CallRow,
    pub recording: Option<RecordingRow>,
    pub handling: Option<HandlingRow>,
}

/// Voicemails newest first, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct VoicemailPage {
    pub voicemails: Vec<Voicemail>,
    pub next: Option<String>,
}

/// The voicemails `q` selects (its `outcome` is set to voicemail), newest first: the inbox.
///
/// # Errors
/// As [`calls`].
pub async fn voicemails(db: &impl ConnectionTrait, actor: &Actor, q: CallQuery) -> Result<VoicemailPage, AdminError> {
    let q = CallQuery {
        outcome: Some(store::calls::Outcome::Voicemail.as_str().to_owned()),
        ..q
    };
    let CallPage { calls, next } = calls(db, actor, q).await?;
    Ok(VoicemailPage {
        voicemails: with_follow_up(db, calls).await?,
        next,
    })
}

/// A client's latest voicemails, those nobody has heard first.
///
/// # Errors
/// `NotFound` for another client's.
pub async fn latest_voicemails(
    db: &impl ConnectionTrait,
    actor: &Actor,
    client: &str,
    limit: u64,
) -> Result<Vec<Voicemail>, AdminError> {
    let query = CallQuery {
        client: Some(client.to_owned()),
        limit,
        ..CallQuery::default()
    };
    let mut voicemails = voicemails(db, actor, query).await?.voicemails;
    // Stable: newest first within the unheard and within the rest.
    voicemails.sort_by_key(|v| v.handling.as_ref().is_some_and(|h| h.heard_at.is_some()));
    Ok(voicemails)
}

/// Each call with its voicemail and follow-up, read in two queries however many there are.
async fn with_follow_up(db: &impl ConnectionTrait, calls: Vec<CallRow>) -> Result<Vec<Voicemail>, StoreError> {
    let sids: Vec<String> = calls.iter().map(|c| c.call_sid.clone()).collect();
    let mut recordings = store::recordings::voicemails_of(db, sids.clone()).await?;
    let mut handling: HashMap<String, HandlingRow> = store::handling::of_calls(db, sids)
        .await?
        .into_iter()
        .map(|h| (h.call_sid.clone(), h))
        .collect();
    Ok(calls
        .into_iter()
        .map(|call| Voicemail {
            recording: recordings.remove(&call.call_sid),
            handling: handling.remove(&call.call_sid),
            call,
        })
        .collect())
}

/// One call, if the actor may see it.
///
/// # Errors
/// `NotFound` for an unknown call or another client's.
pub async fn call(db: &impl ConnectionTrait, actor: &Actor, sid: &str) -> Result<CallRecord, AdminError> {
    let detail = store::calls::find(db, sid).await?.ok_or(AdminError::NotFound)?;
    if !detail.call.client_id.as_deref().is_some_and(|c| actor.can_see(c)) && actor.client.is_some() {
        return Err(AdminError::NotFound);
    }
    let alerts = with_delivery(db, store::outbox::for_call(db, sid).await?).await?;
    let handling = store::handling::of_calls(db, vec![sid.to_owned()]).await?.pop();
    let queued = store::queue::find(db, sid).await?;
    Ok(CallRecord {
        detail,
        alerts,
        handling,
        queued,
    })
}

/// The queue records of a page of calls, by call: how each call back stands.
///
/// # Errors
/// On database failure.
pub async fn queued(db: &impl ConnectionTrait, calls: &[CallRow]) -> Result<HashMap<String, QueueCaller>, StoreError> {
    let sids: Vec<String> = calls.iter().map(|c| c.call_sid.clone()).collect();
    Ok(store::queue::of_calls(db, &sids)
        .await?
        .into_iter()
        .map(|q| (q.call_sid.clone(), q))
        .collect())
}

/// The longest period [`stats`] counts: its figures list every day of it.
pub const LONGEST_STATS_PERIOD_DAYS: i64 = 3660;

/// A client's figures for calls that came in from `since` (inclusive) to `until` (exclusive).
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for an empty period or one longer than
/// [`LONGEST_STATS_PERIOD_DAYS`].
pub async fn stats(
    db: &impl ConnectionTrait,
    registry: &Registry,
    actor: &Actor,
    id: &str,
    since: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Stats, AdminError> {
    let loaded = admin::client(registry, actor, id)?;
    if since >= until {
        return Err(AdminError::BadRequest("since must be before until".into()));
    }
    if until - since > chrono::Duration::days(LONGEST_STATS_PERIOD_DAYS) {
        return Err(AdminError::BadRequest(format!(
            "the period can be at most {LONGEST_STATS_PERIOD_DAYS} days (ten years) long"
        )));
    }
    let (calls, messages) = tokio::try_join!(
        store::stats::call_figures(db, id, since, until),
        store::stats::message_figures(db, id, since, until)
    )?;
    Ok(crate::admin::stats::compute(
        &loaded.rules,
        since,
        until,
        &calls,
        &messages,
    ))
}
