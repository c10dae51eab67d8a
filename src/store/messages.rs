//! Delivery statuses, opt-outs and received texts.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Statement,
};

use super::entities::consent_change::{self, Entity as ConsentChange};
use super::entities::inbound_message::{self, Entity as Inbound};
use super::entities::message_status::{self, Entity as Status};
use super::entities::opt_out::{self, Entity as OptOut};
use super::StoreError;

pub use super::entities::consent_change::Model as ConsentChangeRow;
pub use super::entities::inbound_message::Model as InboundRow;
pub use super::entities::message_status::Model as StatusRow;
pub use super::entities::opt_out::Model as OptOutRow;

/// Orders Twilio's message statuses so a late `sent` never undoes `delivered`.
pub fn status_rank(status: &str) -> i16 {
    match status {
        "accepted" | "scheduled" | "queued" => 1,
        "sending" => 2,
        "sent" => 3,
        "delivered" | "undelivered" | "failed" | "canceled" | "partially_delivered" => 4,
        "read" => 5,
        _ => 0,
    }
}

/// Records a delivery status, whether or not we have stored the send's answer yet, and the
/// price when it comes with one.
///
/// # Errors
/// On database failure.
pub async fn record_status(
    db: &impl ConnectionTrait,
    message_sid: &str,
    status: &str,
    error_code: Option<i64>,
    price: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rank = status_rank(status);
    Status::insert(message_status::ActiveModel {
        message_sid: Set(message_sid.to_owned()),
        status: Set(status.to_owned()),
        status_rank: Set(rank),
        error_code: Set(error_code),
        price: Set(None),
        price_micros: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(message_status::Column::MessageSid)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Status::update_many()
        .col_expr(message_status::Column::Status, Expr::value(status))
        .col_expr(message_status::Column::StatusRank, Expr::value(rank))
        .col_expr(message_status::Column::ErrorCode, Expr::value(error_code))
        .col_expr(message_status::Column::UpdatedAt, Expr::value(now))
        .filter(message_status::Column::MessageSid.eq(message_sid))
        .filter(message_status::Column::StatusRank.lt(rank))
        .exec(db)
        .await?;
    if let Some(price) = price {
        record_price(db, message_sid, price).await?;
    }
    Ok(())
}

/// Keeps what Twilio charged for a message whose status is stored, unless a price is kept
/// already. Returns false when `price` is not a price (it is then not kept).
///
/// # Errors
/// On database failure.
pub async fn record_price(db: &impl ConnectionTrait, message_sid: &str, price: &str) -> Result<bool, StoreError> {
    let Some(micros) = crate::messaging::price::micros(price) else {
        return Ok(false);
    };
    Status::update_many()
        .col_expr(message_status::Column::Price, Expr::value(price.trim()))
        .col_expr(message_status::Column::PriceMicros, Expr::value(micros))
        .filter(message_status::Column::MessageSid.eq(message_sid))
        .filter(message_status::Column::PriceMicros.is_null())
        .exec(db)
        .await?;
    Ok(true)
}

/// # Errors
/// On database failure.
pub async fn status(db: &impl ConnectionTrait, message_sid: &str) -> Result<Option<StatusRow>, StoreError> {
    Ok(Status::find_by_id(message_sid).one(db).await?)
}

/// How a number's consent changed: `source` says how (`admin`: through the API or the console,
/// `keyword`: the number texted a keyword, `twilio-21610`: Twilio reported it opted out),
/// `by` who or what (the admin's name, the text the number sent, `Twilio`).
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub source: &'a str,
    pub by: &'a str,
}

/// Twilio refused a send with error 21610: the number had opted out with the carrier.
pub const REPORTED_BY_TWILIO: Change<'static> = Change {
    source: "twilio-21610",
    by: "Twilio",
};

/// Records that `number` opted out of (or into) the client's messages, and keeps the change
/// in the number's history (run it in a transaction to keep both or neither).
///
/// # Errors
/// On database failure.
pub async fn set_opt_out(
    db: &impl ConnectionTrait,
    client: &str,
    number: &str,
    opted_out: bool,
    change: Change<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let by: String = change.by.chars().take(100).collect();
    ConsentChange::insert(consent_change::ActiveModel {
        client_id: Set(client.to_owned()),
        number: Set(number.to_owned()),
        opted_out: Set(opted_out),
        source: Set(change.source.to_owned()),
        changed_by: Set(by),
        changed_at: Set(now),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    let source = change.source;
    OptOut::insert(opt_out::ActiveModel {
        client_id: Set(client.to_owned()),
        number: Set(number.to_owned()),
        opted_out: Set(opted_out),
        source: Set(source.to_owned()),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([opt_out::Column::ClientId, opt_out::Column::Number])
            .update_columns([
                opt_out::Column::OptedOut,
                opt_out::Column::Source,
                opt_out::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// # Errors
/// On database failure.
pub async fn is_opted_out(db: &impl ConnectionTrait, client: &str, number: &str) -> Result<bool, StoreError> {
    Ok(consent(db, client, number).await?.is_some_and(|o| o.opted_out))
}

/// The number's consent now: `None` when it never opted in or out.
///
/// # Errors
/// On database failure.
pub async fn consent(db: &impl ConnectionTrait, client: &str, number: &str) -> Result<Option<OptOutRow>, StoreError> {
    Ok(OptOut::find_by_id((client.to_owned(), number.to_owned()))
        .one(db)
        .await?)
}

/// How the consent of these numbers changed, newest first, at most `limit` changes.
///
/// # Errors
/// On database failure.
pub async fn consent_history(
    db: &impl ConnectionTrait,
    client: &str,
    numbers: Vec<String>,
    limit: u64,
) -> Result<Vec<ConsentChangeRow>, StoreError> {
    use sea_orm::QuerySelect;
    Ok(ConsentChange::find()
        .filter(consent_change::Column::ClientId.eq(client))
        .filter(consent_change::Column::Number.is_in(numbers))
        .order_by_desc(consent_change::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// A text someone sent to one of our numbers.
#[derive(Debug, Clone)]
pub struct Received<'a> {
    pub message_sid: &'a str,
    pub client: Option<&'a str>,
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
    pub media_urls: &'a [String],
    /// Each attachment's type, in the order of `media_urls`.
    pub media_types: &'a [String],
    pub keyword: Option<&'a str>,
}

/// Stores a received text; a retried webhook is stored once. Returns whether it was new.
///
/// # Errors
/// On database failure.
pub async fn store_received(
    db: &impl ConnectionTrait,
    m: &Received<'_>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let json = |list: &[String]| (!list.is_empty()).then(|| serde_json::to_string(list).unwrap_or_default());
    let inserted = Inbound::insert(inbound_message::ActiveModel {
        message_sid: Set(m.message_sid.to_owned()),
        client_id: Set(m.client.map(str::to_owned)),
        from_number: Set(m.from.to_owned()),
        to_number: Set(m.to.to_owned()),
        body: Set(m.body.to_owned()),
        media_urls: Set(json(m.media_urls)),
        media_types: Set(json(m.media_types)),
        keyword: Set(m.keyword.map(str::to_owned)),
        received_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(inbound_message::Column::MessageSid)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// An attachment of a text received (MMS): its address at Twilio, and its type when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub url: String,
    pub content_type: Option<String>,
}

/// The attachments of a text received, in the order they came.
pub fn attachments(row: &InboundRow) -> Vec<Attachment> {
    let list =
        |json: Option<&str>| -> Vec<String> { json.and_then(|j| serde_json::from_str(j).ok()).unwrap_or_default() };
    let types = list(row.media_types.as_deref());
    list(row.media_urls.as_deref())
        .into_iter()
        .enumerate()
        .map(|(i, url)| Attachment {
            url,
            content_type: types.get(i).filter(|t| !t.is_empty()).cloned(),
        })
        .collect()
}

/// # Errors
/// On database failure.
pub async fn received(db: &impl ConnectionTrait, message_sid: &str) -> Result<Option<InboundRow>, StoreError> {
    Ok(Inbound::find_by_id(message_sid).one(db).await?)
}

/// Statuses of these messages (for reports).
///
/// # Errors
/// On database failure.
pub async fn statuses(db: &impl ConnectionTrait, sids: Vec<String>) -> Result<Vec<StatusRow>, StoreError> {
    let mut out = Vec::new();
    // Chunks keep the IN list within every backend's parameter limit.
    for chunk in sids.chunks(500) {
        out.extend(
            Status::find()
                .filter(message_status::Column::MessageSid.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(out)
}

/// Filters for received texts; `None` leaves a field out.
#[derive(Debug, Clone, Default)]
pub struct ReceivedFilter {
    pub clients: Option<Vec<String>>,
    /// Continue after this text (from the previous page's last one).
    pub before: Option<super::paging::After>,
}

/// Texts received, newest first, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn list_received(
    db: &impl ConnectionTrait,
    f: &ReceivedFilter,
    limit: u64,
) -> Result<Vec<InboundRow>, StoreError> {
    Ok(Inbound::find()
        .from_raw_sql(list_received_query(db.get_database_backend(), f, limit))
        .all(db)
        .await?)
}

/// The statement [`list_received`] runs (its plan is checked by the tests).
pub fn list_received_query(backend: DatabaseBackend, f: &ReceivedFilter, limit: u64) -> Statement {
    use sea_orm::QueryTrait;
    let mut q = Inbound::find();
    if let Some(clients) = &f.clients {
        q = q.filter(inbound_message::Column::ClientId.is_in(clients.clone()));
    }
    let at = inbound_message::Column::ReceivedAt;
    super::paging::newest_first(q, at, inbound_message::Column::MessageSid, f.before.as_ref(), limit).build(backend)
}

/// Where a page of opt-outs continues: the previous page's last change, client and number.
pub type OptOutAfter = (DateTime<Utc>, String, String);

/// The numbers that opted out of these clients' texts (`None`: every client), latest change
/// first, below `before`, at most `limit`.
///
/// # Errors
/// On database failure.
pub async fn opt_outs(
    db: &impl ConnectionTrait,
    clients: Option<Vec<String>>,
    before: Option<&OptOutAfter>,
    limit: u64,
) -> Result<Vec<OptOutRow>, StoreError> {
    use opt_out::Column;
    use sea_orm::{Condition, QuerySelect};
    let mut q = OptOut::find().filter(Column::OptedOut.eq(true));
    if let Some(c) = clients {
        q = q.filter(Column::ClientId.is_in(c));
    }
    if let Some((at, client, number)) = before {
        // Two clients may record the same number at the same instant: client and number
        // together break the tie.
        let same_time = Condition::all().add(Column::UpdatedAt.eq(*at)).add(
            Condition::any().add(Column::ClientId.lt(client.clone())).add(
                Condition::all()
                    .add(Column::ClientId.eq(client.clone()))
                    .add(Column::Number.lt(number.clone())),
            ),
        );
        q = q.filter(Condition::any().add(Column::UpdatedAt.lt(*at)).add(same_time));
    }
    Ok(q.order_by_desc(Column::UpdatedAt)
        .order_by_desc(Column::ClientId)
        .order_by_desc(Column::Number)
        .limit(limit)
        .all(db)
        .await?)
}
