//! Recordings streamed to admins as MP3, fetched from Twilio with the client's account. Tenancy
//! and the choice of recording are `admin::recordings`'.

use axum::body::Body;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Admin, ErrorBody, Path};
use crate::admin::recordings;
use crate::http::state::AppState;
use crate::http::Error;
use crate::twilio::rest::media::Media;

/// The call's voicemail, else its first recording, as MP3.
#[utoipa::path(get, path = "/api/calls/{sid}/recording", tag = "calls", security(("bearer" = [])),
    params(("sid" = String, Path, description = "CallSid")),
    responses((status = 200, description = "the recording, streamed", content_type = "audio/mpeg", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "no such call, another client's, no recording, or Twilio has none", body = ErrorBody),
        (status = 502, description = "Twilio could not be asked", body = ErrorBody),
        (status = 409, description = "no Twilio account to fetch it with (local mode)", body = ErrorBody)))]
pub async fn of_call(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(sid): Path<String>,
) -> Result<Response, Error> {
    Ok(mp3(recordings::of_call(&state.admin, &actor, &sid).await?))
}

/// One recording, as MP3.
#[utoipa::path(get, path = "/api/twilio/recordings/{sid}", tag = "calls", security(("bearer" = [])),
    params(("sid" = String, Path, description = "RecordingSid")),
    responses((status = 200, description = "the recording, streamed", content_type = "audio/mpeg", body = Vec<u8>),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, description = "a recording this server does not know, another client's, or one Twilio no longer has", body = ErrorBody),
        (status = 502, description = "Twilio could not be asked", body = ErrorBody),
        (status = 409, description = "no Twilio account to fetch it with (local mode)", body = ErrorBody)))]
pub async fn by_sid(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(sid): Path<String>,
) -> Result<Response, Error> {
    Ok(mp3(recordings::by_sid(&state.admin, &actor, &sid).await?))
}

/// Passed on chunk by chunk as Twilio sends it, with its length when known.
pub(in crate::http) fn mp3(media: Media) -> Response {
    let length = media.length;
    let mut response = (
        [(header::CONTENT_TYPE, "audio/mpeg")],
        Body::from_stream(media.into_stream()),
    )
        .into_response();
    if let Some(length) = length {
        response.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    }
    response
}
