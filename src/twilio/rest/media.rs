//! Media: recordings (`GET Accounts/{sid}/Recordings/{RecordingSid}.mp3`) and the attachments of
//! texts received (`GET Accounts/{sid}/Messages/{MessageSid}/Media/{MediaSid}`), handed on as a
//! stream so that a long recording or a large picture never sits whole in memory.
//!
//! Media has its own HTTP client. The API client's whole-request timeout would cut a long
//! download off mid-stream, so this one bounds connecting and each read instead. It also follows
//! redirects, which the API client must not: Twilio may answer a media GET with a redirect to its
//! storage (unconfirmed), repeating a GET is harmless, and reqwest drops the Authorization header
//! whenever a redirect leaves the host, so the credentials never reach the storage's host.

use std::time::Duration;

use axum::body::Bytes;
use futures_util::stream::{self, Stream};
use secrecy::ExposeSecret;

use super::{describe, read_error, status_error, Account, SendError, TwilioClient};

/// Enough hops for a storage redirect; more means something is wrong.
const MAX_REDIRECTS: usize = 3;

/// A recording or an attachment Twilio has started to send.
pub struct Media {
    /// As Twilio announced it, when it did.
    pub length: Option<u64>,
    /// As Twilio announced it, when it did.
    pub content_type: Option<String>,
    response: reqwest::Response,
}

impl Media {
    /// The bytes as they arrive. A failure mid-way ends the stream with that error.
    pub fn into_stream(self) -> impl Stream<Item = Result<Bytes, MediaError>> + Send + 'static {
        stream::try_unfold(self.response, |mut response| async move {
            let chunk = response.chunk().await.map_err(|e| MediaError(describe(&e)))?;
            Ok(chunk.map(|bytes| (bytes, response)))
        })
    }
}

/// A download that broke off after it started; described without the URL.
#[derive(Debug, thiserror::Error)]
#[error("the download broke off: {0}")]
pub struct MediaError(String);

/// The media client: see the module documentation.
pub(super) fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .read_timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
        .build()
        // As for the API client: rustls with bundled roots has nothing to load that could fail.
        .expect("reqwest client with rustls and bundled roots builds")
}

impl TwilioClient {
    /// Starts downloading recording `sid` as MP3 with `account`'s credentials; the body follows
    /// through [`Media::into_stream`].
    ///
    /// # Errors
    /// As [`TwilioClient::fetch_message_media`].
    #[tracing::instrument(name = "twilio.fetch_recording", skip_all, fields(account_sid = %account.sid))]
    pub async fn fetch_recording(&self, account: &Account, sid: &str) -> Result<Media, SendError> {
        self.fetch_media(account, &["Recordings", &format!("{sid}.mp3")]).await
    }

    /// Starts downloading attachment `media_sid` of text `message_sid` (an MMS received) with
    /// `account`'s credentials; the body follows through [`Media::into_stream`].
    ///
    /// # Errors
    /// [`SendError`]: `Rejected` with status 404 when the account has no such media, 401 when
    /// Twilio refuses the credentials; a read is safe to repeat, so the rest is `Retryable`.
    #[tracing::instrument(name = "twilio.fetch_message_media", skip_all, fields(account_sid = %account.sid))]
    pub async fn fetch_message_media(
        &self,
        account: &Account,
        message_sid: &str,
        media_sid: &str,
    ) -> Result<Media, SendError> {
        self.fetch_media(account, &["Messages", message_sid, "Media", media_sid])
            .await
    }

    async fn fetch_media(&self, account: &Account, resource: &[&str]) -> Result<Media, SendError> {
        let url = self.endpoint(account, resource)?;
        let request = (self.media.get(url)).basic_auth(&account.sid, Some(account.token.expose_secret()));
        let response = request
            .send()
            .await
            .map_err(|e| read_error(super::transport_error(&e)))?;
        let status = response.status();
        tracing::debug!(status = status.as_u16(), "Twilio answered");
        if !status.is_success() {
            let body = response.bytes().await.unwrap_or_default();
            return Err(read_error(status_error(status, None, &body)));
        }
        let content_type = (response.headers().get(reqwest::header::CONTENT_TYPE))
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok(Media {
            length: response.content_length(),
            content_type,
            response,
        })
    }
}
