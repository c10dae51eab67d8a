//! Conversations, for admins on any surface (API or console): a client's texts with the
//! people who text it, by the other party's number (never the alerts sent to its own staff,
//! which the message history lists apart); one conversation a page at a time; a reply, which
//! is an admin's send like any other ([`sending::send`]: the same quota, opt-out refusal and
//! audit); and the pictures and files people sent, fetched from Twilio for the client that
//! received them only.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::admin::history::{self, Delivered};
use crate::admin::sending::{self, Payload, Queued, SendingError};
use crate::admin::{self, accounts, Actor, AdminError, Service};
use crate::phone::{self, E164};
use crate::rules::registry::Loaded;
pub use crate::store::conversations::AUTOMATIC_REPLY;
use crate::store::conversations::{self as stored, ThreadAfter};
use crate::store::messages::{self, Attachment, InboundRow};
use crate::twilio::rest::media::Media;
use crate::twilio::rest::SendError;

/// A text either way.
#[derive(Debug, Clone)]
pub enum Text {
    Received(InboundRow),
    /// With what Twilio last said of its delivery.
    Sent(Box<Delivered>),
}

impl Text {
    /// When it came in, or when it was written to be sent.
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Received(r) => r.received_at,
            Self::Sent(d) => d.message.created_at,
        }
    }

    pub fn body(&self) -> &str {
        match self {
            Self::Received(r) => &r.body,
            Self::Sent(d) => &d.message.body,
        }
    }

    /// The attachments of a text received (MMS); none for one sent.
    pub fn attachments(&self) -> Vec<Attachment> {
        match self {
            Self::Received(r) => messages::attachments(r),
            Self::Sent(_) => Vec::new(),
        }
    }

    /// A conversation's order, newest first: by time, a sent text before a received one of
    /// the same instant (an automatic reply is written in the instant its text came), then by
    /// key.
    fn newest_first(a: &Self, b: &Self) -> Ordering {
        b.at().cmp(&a.at()).then_with(|| match (a, b) {
            (Self::Sent(x), Self::Sent(y)) => y.message.id.cmp(&x.message.id),
            (Self::Received(x), Self::Received(y)) => y.message_sid.cmp(&x.message_sid),
            (Self::Sent(_), Self::Received(_)) => Ordering::Less,
            (Self::Received(_), Self::Sent(_)) => Ordering::Greater,
        })
    }

    fn cursor(&self) -> String {
        let key = match self {
            Self::Received(r) => format!("r{}", r.message_sid),
            Self::Sent(d) => format!("s{}", d.message.id),
        };
        history::cursor((self.at(), &key))
    }
}

fn thread_after(cursor: Option<&str>) -> Result<Option<ThreadAfter>, AdminError> {
    let Some((at, key)) = history::after(cursor)? else {
        return Ok(None);
    };
    match key.split_at_checked(1) {
        Some(("r", sid)) => Ok(Some(ThreadAfter::Received(at, sid.to_owned()))),
        Some(("s", id)) => id
            .parse()
            .map(|id| Some(ThreadAfter::Sent(at, id)))
            .map_err(|_| history::stale_link()),
        _ => Err(history::stale_link()),
    }
}

/// One conversation in the list: the other party's number, its last text (an automatic reply
/// only when nothing else came then), how many went each way, and whether its last question
/// awaits an admin's answer.
#[derive(Debug, Clone)]
pub struct Conversation {
    pub number: String,
    pub last: Text,
    pub received: u64,
    pub sent: u64,
    /// A text came after the last one an admin sent (automatic replies answer nobody).
    pub unanswered: bool,
}

/// Conversations latest first, and where the next page starts (none on the last).
#[derive(Debug, Clone)]
pub struct ConversationPage {
    pub client: Loaded,
    pub conversations: Vec<Conversation>,
    pub next: Option<String>,
}

/// One page of a client's conversations, the latest first.
///
/// # Errors
/// `NotFound` for an unknown client or another client's; `BadRequest` for a cursor or page
/// size that cannot be used.
pub async fn list(
    service: &Service,
    actor: &Actor,
    client: &str,
    cursor: Option<&str>,
    limit: u64,
) -> Result<ConversationPage, AdminError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    let limit = history::page_size(limit)?;
    let before = history::after(cursor)?;
    let rows = stored::list(&service.db, client, before.as_ref(), limit + 1).await?;
    let (summaries, more) = history::page_of(rows, limit);
    let next = more
        .then(|| summaries.last().map(|s| history::cursor((s.last_at, &s.number))))
        .flatten();
    let last: Vec<(String, DateTime<Utc>)> = summaries.iter().map(|s| (s.number.clone(), s.last_at)).collect();
    let (received, sent) = stored::last_texts(&service.db, client, &last).await?;
    let sent = history::with_delivery(&service.db, sent).await?;
    let mut latest: HashMap<String, Text> = HashMap::new();
    let candidates = (received.into_iter().map(|r| (r.from_number.clone(), Text::Received(r)))).chain(
        sent.into_iter()
            .map(|d| (d.message.to_number.clone(), Text::Sent(Box::new(d)))),
    );
    for (number, text) in candidates {
        let newer = latest.get(&number).is_none_or(|kept| {
            // An automatic reply, written in the instant of the text it answers, says less
            // than that text.
            let automatic = |t: &Text| matches!(t, Text::Sent(d) if d.message.purpose == AUTOMATIC_REPLY);
            (automatic(&text), Text::newest_first(&text, kept)) < (automatic(kept), Ordering::Equal)
        });
        if newer {
            latest.insert(number, text);
        }
    }
    let conversations = summaries
        .into_iter()
        .filter_map(|s| {
            let last = latest.remove(&s.number)?;
            Some(Conversation {
                unanswered: s
                    .last_asked
                    .is_some_and(|asked| s.last_answered.is_none_or(|a| asked > a)),
                received: u64::try_from(s.received).unwrap_or(0),
                sent: u64::try_from(s.sent).unwrap_or(0),
                number: s.number,
                last,
            })
        })
        .collect();
    Ok(ConversationPage {
        client: loaded,
        conversations,
        next,
    })
}

/// One page of a conversation: its texts newest first, and whether the number opted out.
#[derive(Debug, Clone)]
pub struct Thread {
    pub client: Loaded,
    /// E.164, or as Twilio gave it (see [`their_number`]).
    pub number: String,
    /// It replied STOP: nothing can be sent to it until it texts START.
    pub opted_out: bool,
    pub texts: Vec<Text>,
    /// Where the page of earlier texts starts (none on the first texts).
    pub next: Option<String>,
}

/// The other party's number, as typed in any common format near the client's own number,
/// in E.164; or exactly as Twilio gave it, for a sender libphonenumber does not know (a short
/// code, a range it has no rules for), whose texts still came.
fn their_number(loaded: &Loaded, typed: &str) -> Result<String, AdminError> {
    let home = loaded.rules.numbers.first().map(E164::as_str).unwrap_or_default();
    let digits = typed.strip_prefix('+').unwrap_or(typed);
    match phone::read(typed, home) {
        Ok(number) => Ok(number.to_string()),
        Err(_) if (1..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(typed.to_owned())
        }
        Err(e) => Err(AdminError::BadRequest(e.to_string())),
    }
}

/// One page of the conversation with `number` (in any common format), newest first.
///
/// # Errors
/// `NotFound` for an unknown client or another client's; `BadRequest` for a number, cursor
/// or page size that cannot be used.
pub async fn thread(
    service: &Service,
    actor: &Actor,
    client: &str,
    number: &str,
    cursor: Option<&str>,
    limit: u64,
) -> Result<Thread, AdminError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    let number = their_number(&loaded, number)?;
    let limit = history::page_size(limit)?;
    let before = thread_after(cursor)?;
    let (received, sent) = stored::thread(&service.db, client, &number, before.as_ref(), limit + 1).await?;
    let sent = history::with_delivery(&service.db, sent).await?;
    let mut texts: Vec<Text> = (received.into_iter().map(Text::Received))
        .chain(sent.into_iter().map(|d| Text::Sent(Box::new(d))))
        .collect();
    texts.sort_by(Text::newest_first);
    let (texts, more) = history::page_of(texts, limit);
    let next = more.then(|| texts.last().map(Text::cursor)).flatten();
    let opted_out = messages::is_opted_out(&service.db, client, &number).await?;
    Ok(Thread {
        client: loaded,
        number,
        opted_out,
        texts,
        next,
    })
}

/// A reply in the conversation with `number` (in any common format), sent now from the
/// client's number as any admin's text is.
///
/// # Errors
/// As [`sending::send`], and `BadRequest` for a number that cannot be used.
pub async fn reply(
    service: &Service,
    actor: &Actor,
    client: &str,
    number: &str,
    body: &str,
) -> Result<Queued, SendingError> {
    let loaded = admin::client(&service.registry, actor, client)?;
    let to = their_number(&loaded, number)?;
    let payload = Payload::Sms {
        body: body.to_owned(),
        media_urls: Vec::new(),
    };
    sending::send(service, actor, client, &to, None, &payload, None).await
}

/// Pictures a browser may show inline from this server; anything else is offered as a file,
/// so that a file someone texted can never run as a page of the console.
const PICTURES: &[&str] = &["image/jpeg", "image/png", "image/gif", "image/webp"];

/// Whether an attachment of this type is shown as a picture.
pub fn is_picture(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|t| PICTURES.iter().any(|p| t.eq_ignore_ascii_case(p)))
}

/// Attachment `index` (from 0) of text `message_sid`, fetched with the account of the client
/// that received it. Only the Twilio message and media named in the stored address are
/// fetched, from the Twilio API this server is set up with: the address's host is never
/// contacted, so the credentials go nowhere else.
///
/// # Errors
/// `NotFound` for an unknown text or attachment, another client's, or media Twilio no longer
/// has; `NoTwilio` without a usable account; `TwilioUnavailable` when Twilio cannot be asked.
pub async fn attachment(
    service: &Service,
    actor: &Actor,
    message_sid: &str,
    index: usize,
) -> Result<Media, AdminError> {
    let text = messages::received(&service.db, message_sid)
        .await?
        .ok_or(AdminError::NotFound)?;
    let client = admin::recordings::visible(actor, text.client_id.as_deref())?;
    let wanted = messages::attachments(&text)
        .into_iter()
        .nth(index)
        .ok_or(AdminError::NotFound)?;
    let (message, media) = media_sids(&wanted.url).ok_or(AdminError::NotFound)?;
    let account = accounts::for_admin(service, client).await?;
    let answer = (service.outbound.client)
        .fetch_message_media(&account, &message, &media)
        .await;
    answer.map_err(|e| match e {
        SendError::Rejected { status: 404, .. } => AdminError::NotFound,
        e => AdminError::TwilioUnavailable(format!("the attachment could not be fetched: {e}")),
    })
}

/// The message and media SIDs of a media address Twilio gave
/// (`…/Accounts/AC…/Messages/MM…/Media/ME…`).
fn media_sids(url: &str) -> Option<(String, String)> {
    let url = url::Url::parse(url).ok()?;
    let segments: Vec<&str> = url.path_segments()?.collect();
    let sid = |s: &&str, prefix: &[&str]| {
        (s.len() == 34 && prefix.iter().any(|p| s.starts_with(p)) && s.bytes().all(|b| b.is_ascii_alphanumeric()))
            .then(|| (*s).to_owned())
    };
    match segments.as_slice() {
        [.., "Messages", message, "Media", media] => Some((sid(message, &["MM", "SM"])?, sid(media, &["ME"])?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_addresses_give_their_sids_and_nothing_else_does() {
        let m = "MM0123456789abcdef0123456789abcdef";
        let e = "ME0123456789abcdef0123456789abcdef";
        let url = format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/{m}/Media/{e}");
        assert_eq!(media_sids(&url), Some((m.to_owned(), e.to_owned())));
        for bad in [
            "https://api.twilio.com/m/0".to_owned(),
            format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/{m}/Media/../x"),
            format!("https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/{m}/Media/{e}x"),
            "not a url".to_owned(),
        ] {
            assert_eq!(media_sids(&bad), None, "{bad}");
        }
    }

    #[test]
    fn only_plain_pictures_are_shown_inline() {
        assert!(is_picture(Some("image/jpeg")) && is_picture(Some("IMAGE/PNG")));
        for other in [Some("image/svg+xml"), Some("text/html"), Some("video/mp4"), None] {
            assert!(!is_picture(other), "{other:?}");
        }
    }
}
