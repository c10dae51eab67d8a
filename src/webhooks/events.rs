//! The events clients' systems can be told about, and each one's `data`: the facts as
//! Switchboard holds them when it happens, numbers in E.164 and times in UTC.

use serde_json::json;

use super::rfc3339;
use crate::store::calls::CallRow;
use crate::store::recordings::RecordingRow;

/// What an endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    CallCompleted,
    VoicemailCreated,
    TranscriptReady,
    MessageReceived,
    MessageStatus,
}

impl EventType {
    pub const ALL: [Self; 5] = [
        Self::CallCompleted,
        Self::VoicemailCreated,
        Self::TranscriptReady,
        Self::MessageReceived,
        Self::MessageStatus,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::CallCompleted => "call.completed",
            Self::VoicemailCreated => "voicemail.created",
            Self::TranscriptReady => "transcript.ready",
            Self::MessageReceived => "message.received",
            Self::MessageStatus => "message.status",
        }
    }

    /// # Errors
    /// When `text` names no event, with the names there are.
    pub fn parse(text: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == text.trim())
            .ok_or_else(|| format!("`{text}` is not an event; the events are {}", Self::names().join(", ")))
    }

    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|e| e.as_str()).collect()
    }
}

/// One thing that happened, ready to be told.
#[derive(Debug, Clone)]
pub struct Event {
    pub kind: EventType,
    /// What makes the event itself unique (a call's sid; a message's sid and status), so
    /// each endpoint gets it once however often Twilio reports it.
    pub key: String,
    /// The payload's `data`.
    pub data: serde_json::Value,
}

/// A call ended (completed, busy, failed, unanswered or cancelled): `outcome` says what it
/// came to for the business when Twilio said it ended (`answered`, `missed`, `voicemail`…).
pub fn call_completed(call: &CallRow) -> Event {
    Event {
        kind: EventType::CallCompleted,
        key: call.call_sid.clone(),
        data: json!({
            "call_sid": call.call_sid,
            "direction": call.direction,
            "from": call.from_number,
            "to": call.to_number,
            "status": call.status,
            "outcome": call.outcome,
            "answered_by": call.answered_by,
            "duration_seconds": call.duration,
            "started_at": rfc3339(call.started_at),
        }),
    }
}

/// A caller left a voicemail. `recording_url` is Twilio's (it needs the account's
/// credentials); `GET /api/twilio/recordings/{recording_sid}` serves it with an admin token.
pub fn voicemail_created(call: &CallRow, recording: &RecordingRow) -> Event {
    Event {
        kind: EventType::VoicemailCreated,
        key: recording.recording_sid.clone(),
        data: json!({
            "call_sid": call.call_sid,
            "recording_sid": recording.recording_sid,
            "from": call.from_number,
            "to": call.to_number,
            "duration_seconds": recording.duration,
            "recording_url": recording.url,
            "started_at": rfc3339(call.started_at),
        }),
    }
}

/// A voicemail's transcript arrived.
pub fn transcript_ready(call: &CallRow, recording: &RecordingRow, text: &str) -> Event {
    Event {
        kind: EventType::TranscriptReady,
        key: recording.recording_sid.clone(),
        data: json!({
            "call_sid": call.call_sid,
            "recording_sid": recording.recording_sid,
            "from": call.from_number,
            "to": call.to_number,
            "text": text,
        }),
    }
}

/// A text received on one of the client's numbers, as Twilio gave it.
#[derive(Debug, Clone, Copy)]
pub struct Received<'a> {
    pub message_sid: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub body: &'a str,
    pub media_urls: &'a [String],
    /// STOP, START, HELP or an assistant's duty command, when the text was one.
    pub keyword: Option<&'a str>,
}

pub fn message_received(m: &Received<'_>) -> Event {
    Event {
        kind: EventType::MessageReceived,
        key: m.message_sid.to_owned(),
        data: json!({
            "message_sid": m.message_sid,
            "from": m.from,
            "to": m.to,
            "body": m.body,
            "media_urls": m.media_urls,
            "keyword": m.keyword,
        }),
    }
}

/// Twilio's news of a text Switchboard sent: `queued`, `sent`, `delivered`, `undelivered`,
/// `failed`…, each once.
pub fn message_status(message_sid: &str, status: &str, error_code: Option<i64>, to: &str, from: &str) -> Event {
    Event {
        kind: EventType::MessageStatus,
        key: format!("{message_sid}:{status}"),
        data: json!({
            "message_sid": message_sid,
            "status": status,
            "error_code": error_code,
            "to": to,
            "from": from,
        }),
    }
}
