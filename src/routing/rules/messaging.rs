//! What assistants are told and how texts are answered: `[alerts]`, `[templates]`, `[sms]`.

use super::*;

/// Alerts to assistants and replies to texts: `[alerts]`, `[templates]`, `[sms]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Messaging {
    /// Text the assistants when a call ends unanswered without a voicemail.
    pub missed_call_alerts: bool,
    /// How long the first voicemail alert waits for the transcript, to send one message.
    pub transcript_wait_seconds: u32,
    pub templates: Templates,
    /// Sent back to a text that is not a keyword; `None`: no reply.
    pub auto_reply: Option<String>,
    /// Sent instead of `auto_reply` while the business is closed.
    pub auto_reply_closed: Option<String>,
    /// A conversation gets at most one automatic reply in this many hours; 0: every text.
    pub auto_reply_every_hours: u32,
    /// The answer to HELP.
    pub help: String,
    /// `[sms] opt_in = "required"`: admins' texts go only to numbers that opted in.
    pub opt_in_required: bool,
    /// Words (upper case) that opt a number in when texted alone, besides START.
    pub opt_in_keywords: Vec<String>,
    /// The day's calls, texted once a day to the assistants named.
    pub daily_summary: Option<DailySummary>,
}

/// `[alerts] daily_summary`: when (local time) and to whom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySummary {
    pub at: chrono::NaiveTime,
    pub to: Vec<AssistantId>,
}

/// Message texts, rendered with [`crate::routing::templates`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Templates {
    pub voicemail: String,
    pub voicemail_transcript: String,
    pub transcript: String,
    pub missed_call: String,
}

impl Default for Templates {
    fn default() -> Self {
        Self {
            voicemail: "New voicemail for {client} from {caller} ({duration} s): {link}".into(),
            voicemail_transcript: "New voicemail for {client} from {caller} ({duration} s): \"{transcript}\" {link}"
                .into(),
            transcript: "Transcript of the voicemail for {client} from {caller}: \"{transcript}\"".into(),
            missed_call: "Missed call for {client} from {caller} at {time}. Details: {link}".into(),
        }
    }
}

pub const DEFAULT_TRANSCRIPT_WAIT_SECONDS: u32 = 30;
pub const DEFAULT_AUTO_REPLY_EVERY_HOURS: u32 = 24;
pub const DEFAULT_HELP: &str = "{client}: reply STOP to stop these messages, START to receive them again.";
