//! Conversations: a client's texts by the other party's number, one conversation's texts
//! either way, and the attachments of texts received, passed on from Twilio. What they hold
//! and who may see them is `admin::conversations`'.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Path, Query};
use crate::admin::conversations::{self, Conversation, Text, Thread};
use crate::http::state::AppState;
use crate::http::Error;
use crate::twilio::rest::media::Media;

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// `next` from the previous page.
    cursor: Option<String>,
    /// How many per page (default 50).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

const PAGE: u64 = 50;

#[derive(Serialize, ToSchema)]
pub struct MediaView {
    /// As Twilio gave it (`image/jpeg`…); absent for texts received before types were kept.
    content_type: Option<String>,
    /// Where this server passes it on from Twilio (with the admin's token).
    url: String,
}

#[derive(Serialize, ToSchema)]
pub struct TextView {
    /// `received` from the other party, or `sent` to them.
    direction: String,
    /// When it came in, or when it was written to be sent.
    at: DateTime<Utc>,
    body: String,
    /// A text received: its MessageSid.
    message_sid: Option<String>,
    /// A text sent: its id in the message history.
    id: Option<i64>,
    /// A text sent: `pending`, `sent`, `failed` or `cancelled`.
    state: Option<String>,
    /// A text sent: Twilio's delivery status, when reported.
    delivery: Option<String>,
    /// A text received: its pictures or files (MMS).
    media: Vec<MediaView>,
}

impl From<Text> for TextView {
    fn from(t: Text) -> Self {
        let at = t.at();
        let attachments = t.attachments();
        match t {
            Text::Received(r) => Self {
                direction: "received".into(),
                at,
                media: (attachments.into_iter().enumerate())
                    .map(|(i, a)| MediaView {
                        content_type: a.content_type,
                        url: format!("/api/messages/received/{}/media/{i}", r.message_sid),
                    })
                    .collect(),
                body: r.body,
                message_sid: Some(r.message_sid),
                id: None,
                state: None,
                delivery: None,
            },
            Text::Sent(d) => Self {
                direction: "sent".into(),
                at,
                body: d.message.body,
                message_sid: None,
                id: Some(d.message.id),
                state: Some(d.message.state),
                delivery: d.delivery,
                media: Vec::new(),
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationView {
    /// The other party's number (E.164).
    number: String,
    /// The latest text either way (an automatic reply only when nothing else came in that
    /// instant).
    last: TextView,
    received: u64,
    sent: u64,
    /// A text came after the last one an admin sent (automatic replies answer nobody).
    unanswered: bool,
}

impl From<Conversation> for ConversationView {
    fn from(c: Conversation) -> Self {
        Self {
            number: c.number,
            last: c.last.into(),
            received: c.received,
            sent: c.sent,
            unanswered: c.unanswered,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConversationPage {
    conversations: Vec<ConversationView>,
    /// Pass as `cursor` for the next page; absent on the last page.
    next: Option<String>,
}

/// The client's conversations with the people who text it, one per number, the latest
/// first. Alerts to the client's own staff are not conversations (see `/api/messages`).
#[utoipa::path(get, path = "/api/clients/{id}/conversations", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), PageQuery),
    responses((status = 200, body = ConversationPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ConversationPage>, Error> {
    let page = conversations::list(&state.admin, &actor, &id, q.cursor.as_deref(), q.limit.unwrap_or(PAGE)).await?;
    Ok(Json(ConversationPage {
        conversations: page.conversations.into_iter().map(ConversationView::from).collect(),
        next: page.next,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct ThreadView {
    /// The other party's number (E.164).
    number: String,
    /// It replied STOP: texts to it are refused until it texts START.
    opted_out: bool,
    /// Newest first.
    texts: Vec<TextView>,
    /// Pass as `cursor` for earlier texts; absent on the first texts.
    next: Option<String>,
}

/// The texts received from a number and sent to it, newest first. The number may be
/// written in any common format (`(917) 555-0142` is read as a number of the client's
/// country).
#[utoipa::path(get, path = "/api/clients/{id}/conversations/{number}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("number" = String, Path, description = "E.164, or as written in the client's country"), PageQuery),
    responses((status = 200, body = ThreadView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, number)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Result<Json<ThreadView>, Error> {
    let limit = q.limit.unwrap_or(PAGE);
    let thread = conversations::thread(&state.admin, &actor, &id, &number, q.cursor.as_deref(), limit).await?;
    let Thread {
        number,
        opted_out,
        texts,
        next,
        ..
    } = thread;
    Ok(Json(ThreadView {
        number,
        opted_out,
        texts: texts.into_iter().map(TextView::from).collect(),
        next,
    }))
}

/// A picture or file sent with a text received (MMS), fetched from Twilio with the client's
/// account.
#[utoipa::path(get, path = "/api/messages/received/{sid}/media/{index}", tag = "messages", security(("bearer" = [])),
    params(("sid" = String, Path, description = "MessageSid"), ("index" = usize, Path, description = "from 0, in the order they came")),
    responses((status = 200, description = "the attachment, streamed", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "no such text or attachment, another client's, or Twilio has it no more", body = ErrorBody),
        (status = 409, description = "no Twilio account to fetch it with (local mode)", body = ErrorBody),
        (status = 502, description = "Twilio could not be asked", body = ErrorBody)))]
pub async fn media(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((sid, index)): Path<(String, usize)>,
) -> Result<Response, Error> {
    Ok(attachment(
        conversations::attachment(&state.admin, &actor, &sid, index).await?,
    ))
}

/// Passed on chunk by chunk. A picture keeps its type, so it shows inline; anything else is
/// a download. Either way it may not run scripts or be read as another type.
pub(in crate::http) fn attachment(media: Media) -> Response {
    let picture = conversations::is_picture(media.content_type.as_deref());
    let content_type = match &media.content_type {
        Some(t) if picture => HeaderValue::from_str(t).unwrap_or(HeaderValue::from_static("application/octet-stream")),
        _ => HeaderValue::from_static("application/octet-stream"),
    };
    let length = media.length;
    let mut response = Body::from_stream(media.into_stream()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static("sandbox"));
    if !picture {
        headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment"));
    }
    if let Some(length) = length {
        headers.insert(header::CONTENT_LENGTH, length.into());
    }
    response
}
