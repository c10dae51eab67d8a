//! Conversations: the texts a client exchanged with one number outside the business, read
//! by that number. Texts received count, except assistants' duty commands; texts sent count
//! when they went to a customer (replies, admins' sends), never alerts to the business's own
//! staff, e-mails or calls.
//!
//! Two tables hold a conversation, so its pages are not [`super::paging`]'s: each table is
//! read newest first below a [`ThreadAfter`], and the caller merges the two in the same order
//! (time, then a sent text before a received one of the same instant, then the key).

use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};

use super::entities::inbound_message::{self, Entity as Inbound};
use super::entities::outbox::{self, Entity as Outbox};
use super::messages::InboundRow;
use super::outbox::OutboxRow;
use super::paging::After;
use super::{sql, StoreError};

/// What an automatic reply to a text (or to HELP) is sent for.
pub const AUTOMATIC_REPLY: &str = "reply";

/// Whether the client sent `number` an automatic reply (to a text, or to HELP) since `since`,
/// or has one waiting to go; one that was never sent (the number had opted out) does not count.
///
/// # Errors
/// On database failure.
pub async fn replied_since(
    db: &impl ConnectionTrait,
    client: &str,
    number: &str,
    since: DateTime<Utc>,
) -> Result<bool, StoreError> {
    use sea_orm::PaginatorTrait;
    let replies = Outbox::find()
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::ToNumber.eq(number))
        .filter(outbox::Column::CreatedAt.gte(since))
        .filter(outbox::Column::Purpose.eq(AUTOMATIC_REPLY))
        .filter(outbox::Column::State.is_in([super::outbox::PENDING, super::outbox::SENT]))
        .count(db)
        .await?;
    Ok(replies > 0)
}

/// What a text sent to a customer was sent for: an automatic reply, or an admin's send.
pub const CUSTOMER_PURPOSES: &[&str] = &[AUTOMATIC_REPLY, "api", "bulk"];

/// What an assistant texts to put themselves on or off duty: not a conversation.
const DUTY_COMMANDS: &[&str] = &["OFF", "ON", "STATUS"];

/// The outbox rows that are texts to a customer.
pub fn sent_to_customers() -> Condition {
    Condition::all()
        .add(outbox::Column::Kind.eq("sms"))
        .add(outbox::Column::Purpose.is_in(CUSTOMER_PURPOSES.iter().copied()))
}

fn received_from_customers() -> Condition {
    Condition::any()
        .add(inbound_message::Column::Keyword.is_null())
        .add(inbound_message::Column::Keyword.is_not_in(DUTY_COMMANDS.iter().copied()))
}

/// One conversation: the other party's number, when its last text was, how many texts went
/// each way, and the times that tell whether it awaits an answer.
#[derive(Debug, Clone, FromQueryResult)]
pub struct Summary {
    pub number: String,
    pub last_at: DateTime<Utc>,
    pub received: i64,
    pub sent: i64,
    /// The last text received that was not a keyword (STOP, HELP…).
    pub last_asked: Option<DateTime<Utc>>,
    /// The last text an admin sent (automatic replies answer nobody).
    pub last_answered: Option<DateTime<Utc>>,
}

/// A client's conversations, the latest first, below `before` (its time and number), at
/// most `limit`.
///
/// # Errors
/// On database failure.
pub async fn list(
    db: &impl ConnectionTrait,
    client: &str,
    before: Option<&After>,
    limit: u64,
) -> Result<Vec<Summary>, StoreError> {
    let backend = db.get_database_backend();
    let mut values: Vec<sea_orm::Value> = vec![client.into()];
    let below = match before {
        Some((at, number)) => {
            values.extend([(*at).into(), number.clone().into()]);
            "HAVING MAX(at) < $2 OR (MAX(at) = $2 AND number < $3)"
        }
        None => "",
    };
    values.push(i64::try_from(limit).unwrap_or(i64::MAX).into());
    let limit_at = values.len();
    // The constants are this file's own words, never input.
    let sql = format!(
        "SELECT number, MAX(at) AS last_at, SUM(received) AS received, SUM(sent) AS sent, \
         MAX(asked) AS last_asked, MAX(answered) AS last_answered FROM ( \
           SELECT from_number AS number, received_at AS at, 1 AS received, 0 AS sent, \
             CASE WHEN keyword IS NULL THEN received_at END AS asked, NULL AS answered \
           FROM inbound_messages WHERE client_id = $1 AND (keyword IS NULL OR keyword NOT IN ({duty})) \
           UNION ALL \
           SELECT to_number, created_at, 0, 1, NULL, CASE WHEN purpose <> '{automatic}' THEN created_at END \
           FROM outbox WHERE client_id = $1 AND kind = 'sms' AND purpose IN ({customers}) \
         ) texts GROUP BY number {below} ORDER BY last_at DESC, number DESC LIMIT ${limit_at}",
        automatic = AUTOMATIC_REPLY,
        duty = sql::quoted_list(DUTY_COMMANDS),
        customers = sql::quoted_list(CUSTOMER_PURPOSES),
    );
    let statement = Statement::from_sql_and_values(backend, sql, values);
    Ok(Summary::find_by_statement(statement).all(db).await?)
}

/// The last texts of these conversations: for each (number, time of its last text), the
/// texts of that instant either way, for the caller to pick from.
///
/// # Errors
/// On database failure.
pub async fn last_texts(
    db: &impl ConnectionTrait,
    client: &str,
    last: &[(String, DateTime<Utc>)],
) -> Result<(Vec<InboundRow>, Vec<OutboxRow>), StoreError> {
    let numbers: Vec<String> = last.iter().map(|(n, _)| n.clone()).collect();
    let times: Vec<DateTime<Utc>> = last.iter().map(|(_, t)| *t).collect();
    let received = Inbound::find()
        .filter(inbound_message::Column::ClientId.eq(client))
        .filter(inbound_message::Column::FromNumber.is_in(numbers.clone()))
        .filter(inbound_message::Column::ReceivedAt.is_in(times.clone()))
        .filter(received_from_customers())
        .all(db)
        .await?;
    let sent = Outbox::find()
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::ToNumber.is_in(numbers))
        .filter(outbox::Column::CreatedAt.is_in(times))
        .filter(sent_to_customers())
        .all(db)
        .await?;
    Ok((received, sent))
}

/// Where a page of one conversation continues: the previous page's last text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadAfter {
    Received(DateTime<Utc>, String),
    Sent(DateTime<Utc>, i64),
}

/// The rows of one table (its time column `at`; sent texts or received ones) that come after
/// `before` in the conversation's order.
fn below(at: impl ColumnTrait, before: &ThreadAfter, sent: bool) -> Condition {
    let (time, tie) = match (before, sent) {
        (ThreadAfter::Received(t, sid), false) => (t, inbound_message::Column::MessageSid.lt(sid.clone())),
        (ThreadAfter::Sent(t, id), true) => (t, outbox::Column::Id.lt(*id)),
        // At one instant, every sent text comes before every received one.
        (ThreadAfter::Sent(t, _), false) => return Condition::all().add(at.lte(*t)),
        (ThreadAfter::Received(t, _), true) => return Condition::all().add(at.lt(*t)),
    };
    Condition::any()
        .add(at.lt(*time))
        .add(Condition::all().add(at.eq(*time)).add(tie))
}

/// One page of a conversation, each side newest first, at most `limit` of each: the texts
/// received from `number` and those sent to it, below `before`.
///
/// # Errors
/// On database failure.
pub async fn thread(
    db: &impl ConnectionTrait,
    client: &str,
    number: &str,
    before: Option<&ThreadAfter>,
    limit: u64,
) -> Result<(Vec<InboundRow>, Vec<OutboxRow>), StoreError> {
    let mut received = Inbound::find()
        .filter(inbound_message::Column::ClientId.eq(client))
        .filter(inbound_message::Column::FromNumber.eq(number))
        .filter(received_from_customers());
    let mut sent = Outbox::find()
        .filter(outbox::Column::ClientId.eq(client))
        .filter(outbox::Column::ToNumber.eq(number))
        .filter(sent_to_customers());
    if let Some(b) = before {
        received = received.filter(below(inbound_message::Column::ReceivedAt, b, false));
        sent = sent.filter(below(outbox::Column::CreatedAt, b, true));
    }
    let received = received
        .order_by_desc(inbound_message::Column::ReceivedAt)
        .order_by_desc(inbound_message::Column::MessageSid)
        .limit(limit)
        .all(db)
        .await?;
    let sent = sent
        .order_by_desc(outbox::Column::CreatedAt)
        .order_by_desc(outbox::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok((received, sent))
}
