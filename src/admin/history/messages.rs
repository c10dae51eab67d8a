//! The texts sent and received, as admins page through and export them, and the numbers
//! that opted out.

use futures_util::Stream;
use sea_orm::ConnectionTrait;

use super::{
    after, cursor, number_search, page_of, page_size, pages, stale_link, with_delivery, Delivered, EXPORT_PAGE,
};
use crate::admin::{Actor, AdminError};
use crate::store::messages::{InboundRow, OptOutRow, ReceivedFilter};
use crate::store::outbox::MessageFilter;
use crate::store::{self, Db, StoreError};

/// The message history as asked for on any surface.
#[derive(Debug, Clone, Default)]
pub struct MessageQuery {
    pub client: Option<String>,
    /// The recipient: a number in any common format, or its last digits.
    pub to: Option<String>,
    pub state: Option<String>,
    pub purpose: Option<String>,
    /// Leave out texts to customers, which are read by conversation.
    pub without_conversations: bool,
    /// The previous page's last id.
    pub before: Option<i64>,
    pub limit: u64,
}

impl MessageQuery {
    fn filter(self, actor: &Actor) -> Result<MessageFilter, AdminError> {
        Ok(MessageFilter {
            clients: actor.visible_clients(self.client)?,
            to: number_search(self.to)?,
            state: self.state,
            purpose: self.purpose,
            without_conversations: self.without_conversations,
            before_id: self.before,
        })
    }
}

/// Messages newest first, and the id the next page continues below (none on the last).
#[derive(Debug, Clone)]
pub struct MessagePage {
    pub messages: Vec<Delivered>,
    pub next: Option<i64>,
}

/// One page of the messages the actor may see, with their delivery.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a number or page size that cannot
/// be used.
pub async fn messages(db: &impl ConnectionTrait, actor: &Actor, q: MessageQuery) -> Result<MessagePage, AdminError> {
    let limit = page_size(q.limit)?;
    let (rows, more) = page_of(store::outbox::list(db, &q.filter(actor)?, limit + 1).await?, limit);
    let next = more.then(|| rows.last().map(|r| r.id)).flatten();
    Ok(MessagePage {
        messages: with_delivery(db, rows).await?,
        next,
    })
}

/// Every message that matches, newest first, read a page at a time.
///
/// # Errors
/// Before the first page: as [`messages`]; within the stream, database failures.
pub fn export_messages(
    db: Db,
    actor: &Actor,
    q: MessageQuery,
) -> Result<impl Stream<Item = Result<Vec<Delivered>, StoreError>>, AdminError> {
    Ok(pages(db, q.filter(actor)?, |db, mut filter| async move {
        let rows = store::outbox::list(&db, &filter, EXPORT_PAGE).await?;
        let more = rows.len() as u64 == EXPORT_PAGE;
        filter.before_id = rows.last().map(|r| r.id);
        Ok((with_delivery(&db, rows).await?, more.then_some(filter)))
    }))
}

/// Texts received, as asked for on any surface.
#[derive(Debug, Clone, Default)]
pub struct ReceivedQuery {
    pub client: Option<String>,
    /// The previous page's `next`.
    pub cursor: Option<String>,
    pub limit: u64,
}

impl ReceivedQuery {
    fn filter(self, actor: &Actor) -> Result<ReceivedFilter, AdminError> {
        Ok(ReceivedFilter {
            clients: actor.visible_clients(self.client)?,
            before: after(self.cursor.as_deref())?,
        })
    }
}

/// Texts received newest first, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct ReceivedPage {
    pub texts: Vec<InboundRow>,
    pub next: Option<String>,
}

/// One page of the texts received by the clients the actor may see.
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a cursor or page size that cannot
/// be used.
pub async fn received(db: &impl ConnectionTrait, actor: &Actor, q: ReceivedQuery) -> Result<ReceivedPage, AdminError> {
    let limit = page_size(q.limit)?;
    let filter = q.filter(actor)?;
    let (texts, more) = page_of(store::messages::list_received(db, &filter, limit + 1).await?, limit);
    let next = more
        .then(|| texts.last().map(|t| cursor((t.received_at, &t.message_sid))))
        .flatten();
    Ok(ReceivedPage { texts, next })
}

/// Every text received that matches, newest first, read a page at a time.
///
/// # Errors
/// Before the first page: as [`received`]; within the stream, database failures.
pub fn export_received(
    db: Db,
    actor: &Actor,
    q: ReceivedQuery,
) -> Result<impl Stream<Item = Result<Vec<InboundRow>, StoreError>>, AdminError> {
    Ok(pages(db, q.filter(actor)?, |db, mut filter| async move {
        let rows = store::messages::list_received(&db, &filter, EXPORT_PAGE).await?;
        let more = rows.len() as u64 == EXPORT_PAGE;
        filter.before = rows.last().map(|r| (r.received_at, r.message_sid.clone()));
        Ok((rows, more.then_some(filter)))
    }))
}

/// Numbers that opted out, latest first, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct OptOutPage {
    pub numbers: Vec<OptOutRow>,
    /// How the consent of the page's numbers changed, newest first.
    pub changes: Vec<store::messages::ConsentChangeRow>,
    pub next: Option<String>,
}

impl OptOutPage {
    /// The changes of one number of the page, newest first.
    pub fn changes_of<'a>(&'a self, o: &'a OptOutRow) -> impl Iterator<Item = &'a store::messages::ConsentChangeRow> {
        self.changes
            .iter()
            .filter(move |c| c.client_id == o.client_id && c.number == o.number)
    }
}

/// One page of the numbers that opted out of the texts of the clients the actor may see
/// (`client`: only that one's).
///
/// # Errors
/// `NotFound` for another client's; `BadRequest` for a cursor or page size that cannot
/// be used.
pub async fn opted_out(
    db: &impl ConnectionTrait,
    actor: &Actor,
    client: Option<String>,
    cursor_text: Option<&str>,
    limit: u64,
) -> Result<OptOutPage, AdminError> {
    let limit = page_size(limit)?;
    let clients = actor.visible_clients(client)?;
    let before = match after(cursor_text)? {
        Some((at, key)) => {
            let (client, number) = key.split_once(' ').ok_or_else(stale_link)?;
            Some((at, client.to_owned(), number.to_owned()))
        }
        None => None,
    };
    let rows = store::messages::opt_outs(db, clients, before.as_ref(), limit + 1).await?;
    let (numbers, more) = page_of(rows, limit);
    let next = more
        .then(|| {
            let last = numbers.last()?;
            Some(cursor((
                last.updated_at,
                &format!("{} {}", last.client_id, last.number),
            )))
        })
        .flatten();
    let mut changes = Vec::new();
    let mut clients: Vec<&str> = numbers.iter().map(|o| o.client_id.as_str()).collect();
    clients.sort_unstable();
    clients.dedup();
    for client in clients {
        let of_client: Vec<String> = (numbers.iter())
            .filter(|o| o.client_id == client)
            .map(|o| o.number.clone())
            .collect();
        // Up to ten changes a number: the page shows how each came to opt out, not every
        // change of a number that went back and forth for years.
        let most = of_client.len() as u64 * 10;
        changes.extend(store::messages::consent_history(db, client, of_client, most).await?);
    }
    Ok(OptOutPage { numbers, changes, next })
}
