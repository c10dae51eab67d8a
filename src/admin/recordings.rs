//! Recordings for admins, so they never need Twilio's console: which recording a call's is,
//! whether the admin may hear it, and whose account fetches it. The bytes pass through as a
//! stream (`twilio::rest::media`); nothing is stored here.
//!
//! Only recordings this server was told about (the `recordings` table) are served: a RecordingSid
//! alone never reaches Twilio, so no admin can fetch another account's recording by guessing.

use crate::admin::accounts::for_admin;
use crate::admin::{Actor, AdminError, Service};
use crate::store::calls;
use crate::store::recordings::{self, RecordingRow};
use crate::twilio::rest::media::Media;
use crate::twilio::rest::SendError;

/// The recording of call `call_sid`: its voicemail, else the first one made.
///
/// # Errors
/// `NotFound` for an unknown call, another client's, or a call without recordings; see
/// [`fetch`] for the rest.
pub async fn of_call(service: &Service, actor: &Actor, call_sid: &str) -> Result<Media, AdminError> {
    let detail = calls::find(&service.db, call_sid).await?.ok_or(AdminError::NotFound)?;
    let client = visible(actor, detail.call.client_id.as_deref())?;
    let recordings = detail.recordings;
    let chosen = (recordings.iter().find(|r| r.kind == "voicemail"))
        .or(recordings.first())
        .ok_or(AdminError::NotFound)?;
    fetch(service, client, chosen).await
}

/// Recording `recording_sid`.
///
/// # Errors
/// `NotFound` for a recording this server does not know or another client's; see [`fetch`].
pub async fn by_sid(service: &Service, actor: &Actor, recording_sid: &str) -> Result<Media, AdminError> {
    let recording = (recordings::find_recording(&service.db, recording_sid).await?).ok_or(AdminError::NotFound)?;
    let detail = (calls::find(&service.db, &recording.call_sid).await?).ok_or(AdminError::NotFound)?;
    let client = visible(actor, detail.call.client_id.as_deref())?;
    fetch(service, client, &recording).await
}

/// A call to no client's number is seen by global tokens only.
pub(super) fn visible<'a>(actor: &Actor, client: Option<&'a str>) -> Result<Option<&'a str>, AdminError> {
    match (client, &actor.client) {
        (Some(c), _) if actor.can_see(c) => Ok(Some(c)),
        (None, None) => Ok(None),
        _ => Err(AdminError::NotFound),
    }
}

/// Starts the download with the client's account (its own, else the server's). A recording made
/// before the client brought its own account lives in the server's account, and Twilio answers
/// 404 for it: the admin gets 404 too.
///
/// # Errors
/// `NoTwilio` without a usable account; `NotFound` when Twilio has no such recording;
/// `TwilioUnavailable` when Twilio refuses the credentials or cannot be reached.
async fn fetch(service: &Service, client: Option<&str>, recording: &RecordingRow) -> Result<Media, AdminError> {
    let account = for_admin(service, client).await?;
    let answer = service
        .outbound
        .client
        .fetch_recording(&account, &recording.recording_sid)
        .await;
    answer.map_err(|e| match e {
        SendError::Rejected { status: 404, .. } => AdminError::NotFound,
        e => AdminError::TwilioUnavailable(format!("the recording could not be fetched: {e}")),
    })
}
