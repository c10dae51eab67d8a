//! Sending on a client's behalf (texts, MMS, bulk, notification and click-to-call
//! calls), messages scheduled for later, consent, number checks, and the message history
//! (JSON or CSV).

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{export, Admin, ErrorBody, Json, Path, Query};
use crate::admin::history::{self, Delivered, MessageQuery};
use crate::admin::sending::{self, BulkOutcome, Payload, Queued, Row, Template};
use crate::http::state::AppState;
use crate::http::Error;
use crate::phone::{self, Validation};
use crate::store;
use crate::store::messages::InboundRow;

#[derive(Deserialize, ToSchema)]
pub struct SendSms {
    client: String,
    /// E.164.
    to: String,
    /// The text; or give `template_name` instead.
    body: Option<String>,
    /// One of the client's templates (`/api/clients/{id}/templates`), filled from `vars`.
    template_name: Option<String>,
    /// Values for the template's variables.
    #[serde(default)]
    vars: BTreeMap<String, String>,
    /// One of the client's numbers (default: its first).
    from: Option<String>,
    /// Up to 10 https URLs: an MMS.
    #[serde(default)]
    media_urls: Vec<String>,
    /// Send later (up to 35 days ahead); default now.
    send_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Queues a text (or MMS), written out or from one of the client's templates; the worker
/// sends it. A number that replied STOP, or that never opted in where the client's rules
/// require it, is refused at once (409), and one that replies STOP before the send is not
/// texted.
#[utoipa::path(post, path = "/api/twilio/send-sms", tag = "messages", security(("bearer" = [])), request_body = SendSms,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, description = "the number replied STOP, or has not opted in where the client requires it", body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_sms(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Json(req): Json<SendSms>,
) -> Result<(StatusCode, Json<Queued>), Error> {
    let payload = match (req.body, req.template_name) {
        (Some(body), None) => Payload::Sms {
            body,
            media_urls: req.media_urls,
        },
        (None, Some(name)) => Payload::Template {
            name,
            vars: req.vars,
            media_urls: req.media_urls,
        },
        _ => return Err(Error::BadRequest("give either body or template_name".into())),
    };
    let queued = sending::send(
        &state.admin,
        &actor,
        &req.client,
        &req.to,
        req.from.as_deref(),
        &payload,
        req.send_at,
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

#[derive(Deserialize, ToSchema)]
pub struct MakeCall {
    client: String,
    /// The assistant rung first (their id).
    assistant: String,
    /// The number they are then connected to, shown the business's caller id.
    to: String,
}

/// Click-to-call: Twilio rings the assistant, then connects them to the number with
/// the business's caller id (recorded where the client records calls).
#[utoipa::path(post, path = "/api/twilio/make-call", tag = "messages", security(("bearer" = [])), request_body = MakeCall,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn make_call(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Json(req): Json<MakeCall>,
) -> Result<(StatusCode, Json<Queued>), Error> {
    let payload = Payload::ClickToCall {
        assistant: req.assistant,
    };
    let queued = sending::send(&state.admin, &actor, &req.client, &req.to, None, &payload, None).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

#[derive(Deserialize, ToSchema)]
pub struct NotifyCall {
    to: String,
    /// Spoken twice to whoever answers.
    message: String,
}

/// A call that speaks a message.
#[utoipa::path(post, path = "/api/clients/{id}/notify-call", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NotifyCall,
    responses((status = 202, body = Queued), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn notify_call(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(req): Json<NotifyCall>,
) -> Result<(StatusCode, Json<Queued>), Error> {
    let payload = Payload::Notification { message: req.message };
    let queued = sending::send(&state.admin, &actor, &id, &req.to, None, &payload, None).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

#[derive(Deserialize, ToSchema)]
pub struct Recipient {
    to: String,
    /// Values for the template's variables.
    #[serde(default)]
    vars: BTreeMap<String, String>,
}

#[derive(Deserialize, ToSchema)]
pub struct SendBulk {
    /// The text, with `{name}` or `{{name}}` variables filled from each recipient's `vars`;
    /// or give `template_name` instead.
    template: Option<String>,
    /// One of the client's templates (`/api/clients/{id}/templates`).
    template_name: Option<String>,
    recipients: Vec<Recipient>,
}

#[derive(Deserialize, IntoParams)]
pub struct BulkQuery {
    /// With a CSV body: the text (the CSV's columns are its variables; `to` is required).
    template: Option<String>,
    /// With a CSV body: one of the client's templates instead of `template`.
    template_name: Option<String>,
}

fn template(text: Option<String>, name: Option<String>) -> Result<Template, Error> {
    match (text, name) {
        (Some(text), None) => Ok(Template::Text(text)),
        (None, Some(name)) => Ok(Template::Stored(name)),
        _ => Err(Error::BadRequest(
            "give either template (the text) or template_name".into(),
        )),
    }
}

/// One templated text to many recipients: JSON, or a CSV upload (`text/csv`, a header
/// row naming the columns, one of them `to`). Each row is queued or refused on its own
/// (a refusal names its row: the recipient's position, or its line in the CSV). The status
/// says how it went: 202 when every row was queued, 207 when some were, 422 when none was;
/// the body always counts both and lists each row.
#[utoipa::path(post, path = "/api/clients/{id}/send-bulk", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), BulkQuery), request_body = SendBulk,
    responses((status = 202, description = "every row queued", body = BulkOutcome), (status = 207, description = "some rows queued, others refused", body = BulkOutcome), (status = 422, description = "no row queued", body = BulkOutcome), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn send_bulk(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<BulkQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<BulkOutcome>), Error> {
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let (template, recipients) = if csv {
        if q.template.is_none() && q.template_name.is_none() {
            return Err(Error::BadRequest(
                "a CSV upload needs ?template= (the text) or ?template_name=".into(),
            ));
        }
        (template(q.template, q.template_name)?, csv_rows(&body)?)
    } else {
        let req: SendBulk =
            serde_json::from_slice(&body).map_err(|e| Error::BadRequest(format!("invalid JSON: {e}")))?;
        let rows = (req.recipients.into_iter().enumerate())
            .map(|(i, r)| Row {
                row: i + 1,
                to: r.to,
                vars: r.vars,
            })
            .collect();
        (template(req.template, req.template_name)?, rows)
    };
    let outcome = sending::send_bulk(&state.admin, &actor, &id, &template, &recipients).await?;
    let status = match (outcome.queued, outcome.refused) {
        (_, 0) => StatusCode::ACCEPTED,
        (0, _) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::MULTI_STATUS,
    };
    Ok((status, Json(outcome)))
}

fn csv_rows(body: &[u8]) -> Result<Vec<Row>, Error> {
    let mut reader = csv::Reader::from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| Error::BadRequest(format!("invalid CSV: {e}")))?
        .clone();
    if !headers.iter().any(|h| h == "to") {
        return Err(Error::BadRequest("the CSV needs a `to` column".into()));
    }
    reader
        .records()
        .map(|record| {
            let record = record.map_err(|e| Error::BadRequest(format!("invalid CSV: {e}")))?;
            let vars: BTreeMap<String, String> = headers
                .iter()
                .zip(record.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            let line = record.position().map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            Ok(Row {
                row: line,
                to: vars.get("to").cloned().unwrap_or_default(),
                vars,
            })
        })
        .collect()
}

#[derive(Deserialize, ToSchema)]
pub struct Validate {
    number: String,
    /// ISO country for national numbers, e.g. `US`.
    country: Option<String>,
}

/// Checks a phone number as libphonenumber knows it: valid or not and why, possible, its
/// E.164, national and international forms, country and type (mobile, fixed line, toll
/// free…). A number that is not valid is still a 200, with `valid: false` and a reason.
#[utoipa::path(post, path = "/api/phone/validate", tag = "messages", security(("bearer" = [])), request_body = Validate,
    responses((status = 200, body = Validation), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn validate(Admin(_actor): Admin, Json(req): Json<Validate>) -> Json<Validation> {
    Json(phone::validate(&req.number, req.country.as_deref()))
}

#[derive(Deserialize, IntoParams)]
pub struct HistoryQuery {
    client: Option<String>,
    to: Option<String>,
    /// `pending`, `sent`, `failed` or `cancelled`.
    state: Option<String>,
    /// `voicemail`, `transcript`, `missed_call`, `reply`, `api`, `bulk`, `call`…
    purpose: Option<String>,
    /// The last `id` of the previous page.
    before: Option<i64>,
    /// How many messages per page (default 100; not used by `format=csv`).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// `csv` for a spreadsheet of every matching message instead of a page of JSON.
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MessageView {
    id: i64,
    client: String,
    kind: String,
    purpose: String,
    to: String,
    from: String,
    body: String,
    state: String,
    /// Twilio's delivery status, when reported.
    delivery: Option<String>,
    error_code: Option<i64>,
    segments: Option<i32>,
    created_at: chrono::DateTime<chrono::Utc>,
    sent_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Messages sent (and queued), newest first, with their delivery status; `format=csv`
/// exports them.
#[utoipa::path(get, path = "/api/messages", tag = "messages", security(("bearer" = [])), params(HistoryQuery),
    responses((status = 200, body = [MessageView]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<HistoryQuery>,
) -> Result<Response, Error> {
    let csv = export::wants_csv(q.format.as_deref())?;
    let query = MessageQuery {
        client: q.client,
        to: q.to,
        state: q.state,
        purpose: q.purpose,
        without_conversations: false,
        before: q.before,
        limit: q.limit.unwrap_or(100),
    };
    if !csv {
        let page = history::messages(&state.db, &actor, query).await?;
        let views: Vec<MessageView> = page.messages.into_iter().map(MessageView::from).collect();
        return Ok(axum::Json(views).into_response());
    }
    let pages = history::export_messages(state.db.clone(), &actor, query)?;
    Ok(export::csv("messages.csv", pages, MessageView::from))
}

#[derive(Deserialize, IntoParams)]
pub struct ReceivedQuery {
    client: Option<String>,
    /// `next` from the previous page.
    cursor: Option<String>,
    /// How many texts per page (default 100; not used by `format=csv`).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// `csv` for a spreadsheet of every matching text instead of a page of JSON.
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedView {
    message_sid: String,
    client: Option<String>,
    from: String,
    to: String,
    body: String,
    /// The pictures or files sent with it (MMS), space-separated addresses at Twilio.
    media: String,
    /// STOP, START, HELP or another keyword the text was taken as.
    keyword: Option<String>,
    received_at: chrono::DateTime<chrono::Utc>,
}

impl From<InboundRow> for ReceivedView {
    fn from(r: InboundRow) -> Self {
        let media: Vec<String> = store::messages::attachments(&r).into_iter().map(|a| a.url).collect();
        Self {
            message_sid: r.message_sid,
            client: r.client_id,
            from: r.from_number,
            to: r.to_number,
            body: r.body,
            media: media.join(" "),
            keyword: r.keyword,
            received_at: r.received_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReceivedPage {
    texts: Vec<ReceivedView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next: Option<String>,
}

/// Texts received, newest first; `format=csv` exports them.
#[utoipa::path(get, path = "/api/messages/received", tag = "messages", security(("bearer" = [])), params(ReceivedQuery),
    responses((status = 200, body = ReceivedPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn received(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<ReceivedQuery>,
) -> Result<Response, Error> {
    let csv = export::wants_csv(q.format.as_deref())?;
    let query = history::ReceivedQuery {
        client: q.client,
        cursor: q.cursor,
        limit: q.limit.unwrap_or(100),
    };
    if csv {
        let pages = history::export_received(state.db.clone(), &actor, query)?;
        return Ok(export::csv("received.csv", pages, ReceivedView::from));
    }
    let page = history::received(&state.db, &actor, query).await?;
    Ok(Json(ReceivedPage {
        texts: page.texts.into_iter().map(ReceivedView::from).collect(),
        next: page.next,
    })
    .into_response())
}

impl From<Delivered> for MessageView {
    fn from(d: Delivered) -> Self {
        Self {
            id: d.message.id,
            client: d.message.client_id,
            kind: d.message.kind,
            purpose: d.message.purpose,
            to: d.message.to_number,
            from: d.message.from_number,
            body: d.message.body,
            state: d.message.state,
            delivery: d.delivery,
            error_code: d.message.error_code,
            segments: d.message.segments,
            created_at: d.message.created_at,
            sent_at: d.message.sent_at,
        }
    }
}
