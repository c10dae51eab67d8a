//! E-mail alerts over SMTP: an outbox row of kind `email` becomes one plain-text message,
//! sent through a pooled connection (lettre) to the relay `SWITCHBOARD_SMTP_URL` names.
//!
//! SMTP has no way to ask whether a message arrived, so each row keeps one `Message-ID`
//! for all its attempts: a copy sent again after a process died mid-send (the server may
//! have taken the first) is the same message to the mail app that receives both.

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use super::rate::RateLimits;
use crate::store::outbox::OutboxRow;

/// How long one SMTP exchange may take; relays answer in well under a second.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The rate limit's key: one budget for the relay, whatever the client.
const RELAY: &str = "smtp";

/// Where e-mails go, and as whom.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    rates: RateLimits,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the relay's password.
        f.debug_struct("Mailer")
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

/// Why the settings do not make a mailer; never repeats the URL, which may hold a password.
#[derive(Debug, thiserror::Error)]
pub enum MailerError {
    #[error("SWITCHBOARD_SMTP_URL is not an SMTP URL (smtps://user:password@smtp.example.com, or smtp://host:587?tls=required): {0}")]
    Url(String),
    #[error("SWITCHBOARD_EMAIL_FROM must be set with SWITCHBOARD_SMTP_URL: the address alerts come from, say \"Acme Alerts <alerts@example.com>\"")]
    NoSender,
    #[error("SWITCHBOARD_EMAIL_FROM `{0}` is not an address (write it as alerts@example.com or \"Name <alerts@example.com>\")")]
    Sender(String),
}

/// Why one e-mail was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The relay refused it for good (5xx), or the row cannot be an e-mail.
    #[error("refused: {0}")]
    Refused(String),
    /// Try again later: a 4xx answer, or no answer at all.
    #[error("{0}")]
    Temporary(String),
}

impl Mailer {
    /// # Errors
    /// When the URL or the sender cannot be used.
    pub fn new(url: &SecretString, from: Option<&str>, rates: RateLimits) -> Result<Self, MailerError> {
        let from = from.ok_or(MailerError::NoSender)?;
        let from: Mailbox = from.parse().map_err(|_| MailerError::Sender(from.to_owned()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
            .map_err(|e| MailerError::Url(e.to_string()))?
            .timeout(Some(TIMEOUT))
            .build();
        Ok(Self { transport, from, rates })
    }

    /// Sends the row as an e-mail; returns its `Message-ID`.
    ///
    /// # Errors
    /// See [`MailError`].
    pub async fn send(&self, row: &OutboxRow) -> Result<String, MailError> {
        let to: Mailbox = row
            .to_number
            .parse()
            .map_err(|_| MailError::Refused(format!("`{}` is not an e-mail address", row.to_number)))?;
        let id = message_id(row, self.from.email.domain());
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(row.subject.as_deref().unwrap_or("Switchboard"))
            .message_id(Some(id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(row.body.clone())
            .map_err(|e| MailError::Refused(e.to_string()))?;
        self.rates.until_ready(RELAY).await;
        match self.transport.send(message).await {
            Ok(_) => Ok(id),
            Err(e) if e.is_permanent() => Err(MailError::Refused(e.to_string())),
            Err(e) => Err(MailError::Temporary(e.to_string())),
        }
    }
}

/// The same for every attempt at one row, and unique across databases (the row's id alone
/// restarts with a new one).
pub fn message_id(row: &OutboxRow, domain: &str) -> String {
    format!(
        "<{}.{}.switchboard@{domain}>",
        row.created_at.format("%Y%m%d%H%M%S%3f"),
        row.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWORD: &str = "s3cret-relay-password";

    /// The pool lettre builds keeps a task on the runtime.
    #[tokio::test]
    async fn the_relay_password_is_never_shown() {
        let url = SecretString::from(format!("smtps://alerts:{PASSWORD}@smtp.example.com"));
        let mailer = Mailer::new(&url, Some("Acme Alerts <alerts@example.com>"), RateLimits::new(None)).unwrap();
        let shown = format!("{mailer:?}");
        assert!(
            shown.contains("alerts@example.com") && !shown.contains(PASSWORD),
            "{shown}"
        );
        let refused = Mailer::new(
            &SecretString::from(format!("smtp+nope://alerts:{PASSWORD}@smtp.example.com")),
            Some("alerts@example.com"),
            RateLimits::new(None),
        )
        .unwrap_err()
        .to_string();
        assert!(
            refused.contains("SWITCHBOARD_SMTP_URL") && !refused.contains(PASSWORD),
            "{refused}"
        );
    }

    #[test]
    fn a_sender_is_required_and_checked() {
        let url = SecretString::from("smtp://127.0.0.1:25".to_owned());
        let none = Mailer::new(&url, None, RateLimits::new(None)).unwrap_err();
        assert!(matches!(none, MailerError::NoSender));
        let bad = Mailer::new(&url, Some("alerts at example"), RateLimits::new(None)).unwrap_err();
        assert!(
            bad.to_string().contains("`alerts at example` is not an address"),
            "{bad}"
        );
    }
}
