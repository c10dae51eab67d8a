//! Call queues: find a queue by its name (`GET Queues.json`), create one
//! (`POST Queues.json`) or change its size (`POST Queues/{Sid}.json`), and list the calls
//! waiting in it (`GET Queues/{QueueSid}/Members.json`). Which queue a client has, and what
//! to do with its members, is the caller's business.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{read_error, Account, SendError, TwilioClient};

/// Every form field [`TwilioClient::create_queue`] and [`TwilioClient::update_queue`] may send.
pub const QUEUE_FIELDS: &[&str] = &["FriendlyName", "MaxSize"];
/// Every query parameter the lists of queues and of members may send.
pub const LIST_QUERY: &[&str] = &["PageSize"];

/// Twilio's largest page.
const PAGE_SIZE: &str = "1000";
/// A queue holds at most 5000 calls, and an account has few queues: five pages of the
/// largest size see them all, and a broken `next_page_uri` cannot loop for ever.
const MAX_PAGES: usize = 5;

/// A Queue resource, as far as we read it.
#[derive(Debug, Clone, Deserialize)]
pub struct QueueResource {
    pub sid: String,
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub max_size: u32,
    #[serde(default)]
    pub current_size: u32,
}

/// One call waiting in a queue (a Member resource).
#[derive(Debug, Clone, Deserialize)]
pub struct MemberResource {
    pub call_sid: String,
    /// 1 for the call at the front.
    #[serde(default)]
    pub position: u32,
    /// Seconds it has waited.
    #[serde(default)]
    pub wait_time: u32,
}

/// One page of a list, with the next page's URI (relative to the API's host).
#[derive(Deserialize)]
struct Page<T> {
    #[serde(alias = "queues", alias = "queue_members")]
    items: Vec<T>,
    next_page_uri: Option<String>,
}

impl TwilioClient {
    /// The account's queue named `name`, if it has one: `<Enqueue>` creates a queue on demand,
    /// so one may exist before we create it.
    ///
    /// # Errors
    /// [`SendError`]; a list is safe to repeat, so transport failures are `Retryable`.
    #[tracing::instrument(name = "twilio.find_queue", skip_all, fields(account_sid = %account.sid))]
    pub async fn find_queue(&self, account: &Account, name: &str) -> Result<Option<QueueResource>, SendError> {
        let queues: Vec<QueueResource> = self.list(account, &["Queues.json"]).await?;
        Ok(queues.into_iter().find(|q| q.friendly_name.as_deref() == Some(name)))
    }

    /// POST Queues.json with `FriendlyName` and `MaxSize`.
    ///
    /// # Errors
    /// [`SendError`]; `Ambiguous` means the queue may have been created: look for it by its
    /// name before creating it again.
    #[tracing::instrument(name = "twilio.create_queue", skip_all, fields(account_sid = %account.sid))]
    pub async fn create_queue(&self, account: &Account, name: &str, max_size: u32) -> Result<QueueResource, SendError> {
        let url = self.endpoint(account, &["Queues.json"])?;
        let size = max_size.to_string();
        self.execute(account, self.http.post(url).form(&queue_form(name, &size)))
            .await
    }

    /// POST Queues/{sid}.json with `FriendlyName` and `MaxSize`.
    ///
    /// # Errors
    /// [`SendError`]; the same change twice is harmless, so transport failures are
    /// `Retryable`. A queue deleted at Twilio is `Rejected` with 404.
    #[tracing::instrument(name = "twilio.update_queue", skip_all, fields(account_sid = %account.sid))]
    pub async fn update_queue(
        &self,
        account: &Account,
        sid: &str,
        name: &str,
        max_size: u32,
    ) -> Result<QueueResource, SendError> {
        let url = self.endpoint(account, &["Queues", &format!("{sid}.json")])?;
        let size = max_size.to_string();
        let request = self.http.post(url).form(&queue_form(name, &size));
        self.execute(account, request).await.map_err(read_error)
    }

    /// Every call waiting in the queue `sid`, front first.
    ///
    /// # Errors
    /// [`SendError`]; a list is safe to repeat, so transport failures are `Retryable`. An
    /// unknown queue is `Rejected` with 404.
    #[tracing::instrument(name = "twilio.list_members", skip_all, fields(account_sid = %account.sid))]
    pub async fn list_members(&self, account: &Account, sid: &str) -> Result<Vec<MemberResource>, SendError> {
        let mut members: Vec<MemberResource> = self.list(account, &["Queues", sid, "Members.json"]).await?;
        members.sort_by_key(|m| m.position);
        Ok(members)
    }

    /// Every item of a list resource, following `next_page_uri`.
    async fn list<T: DeserializeOwned>(&self, account: &Account, resource: &[&str]) -> Result<Vec<T>, SendError> {
        let mut url = self.endpoint(account, resource)?;
        url.query_pairs_mut().extend_pairs(list_query());
        let mut items = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<T> = self
                .execute(account, self.http.get(url.clone()))
                .await
                .map_err(read_error)?;
            items.extend(page.items);
            // The URI is relative to Twilio's host: keep our base (and any path it has).
            match page.next_page_uri.as_deref() {
                Some(uri) => url = self.at_base(uri),
                None => break,
            }
        }
        Ok(items)
    }

    fn at_base(&self, uri: &str) -> url::Url {
        let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
        let mut url = self.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        url.set_query(Some(query).filter(|q| !q.is_empty()));
        url
    }
}

pub(super) fn queue_form<'a>(name: &'a str, max_size: &'a str) -> [(&'static str, &'a str); 2] {
    [("FriendlyName", name), ("MaxSize", max_size)]
}

pub(super) fn list_query() -> [(&'static str, &'static str); 1] {
    [("PageSize", PAGE_SIZE)]
}
