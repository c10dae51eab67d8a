//! `<Record>`: voicemail-style recording of the caller, plus the recording
//! enums it shares with `<Dial>` ([`RecordingEvent`]).
//!
//! The `action` URL is a constructor argument on purpose: without it Twilio
//! posts the recording back to the current document's URL, which serves the
//! same `<Record>` again and the caller loops forever.

use super::xml::{Element, Out, Token};

/// Whether Twilio cuts leading and trailing silence from the recording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trim {
    /// `<Record>`'s default.
    TrimSilence,
    DoNotTrim,
}

impl Token for Trim {
    fn token(self) -> &'static str {
        match self {
            Self::TrimSilence => "trim-silence",
            Self::DoNotTrim => "do-not-trim",
        }
    }
}

/// Which recording events reach `recordingStatusCallback` (Twilio's default:
/// only `Completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingEvent {
    InProgress,
    Completed,
    Absent,
}

impl Token for RecordingEvent {
    fn token(self) -> &'static str {
        match self {
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Absent => "absent",
        }
    }
}

/// Records the caller and posts the result to `action`.
///
/// ```
/// use switchboard::twiml::{Record, Response};
///
/// // There is no way to build a Record without an action.
/// let xml = Response::new().push(Record::new("/voice/voicemail")).render();
/// assert!(xml.contains(r#"<Record action="/voice/voicemail"/>"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    action: String,
    max_length: Option<u32>,
    timeout: Option<u32>,
    finish_on_key: Option<String>,
    play_beep: Option<bool>,
    trim: Option<Trim>,
    transcribe: Option<bool>,
    transcribe_callback: Option<String>,
    recording_status_callback: Option<String>,
    recording_status_callback_event: Vec<RecordingEvent>,
}

impl Record {
    #[must_use]
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            max_length: None,
            timeout: None,
            finish_on_key: None,
            play_beep: None,
            trim: None,
            transcribe: None,
            transcribe_callback: None,
            recording_status_callback: None,
            recording_status_callback_event: Vec::new(),
        }
    }

    /// Seconds (Twilio's default is 3600, or 120 when transcribing).
    #[must_use]
    pub fn max_length(mut self, seconds: u32) -> Self {
        self.max_length = Some(seconds);
        self
    }

    /// Seconds of silence that end the recording; `0` disables it.
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }

    /// Any of `0-9 # *`; Twilio's default is every key.
    #[must_use]
    pub fn finish_on_key(mut self, keys: impl Into<String>) -> Self {
        self.finish_on_key = Some(keys.into());
        self
    }

    #[must_use]
    pub fn play_beep(mut self, beep: bool) -> Self {
        self.play_beep = Some(beep);
        self
    }

    #[must_use]
    pub fn trim(mut self, trim: Trim) -> Self {
        self.trim = Some(trim);
        self
    }

    /// Paid, US English only, and only for recordings of 2–120 seconds.
    #[must_use]
    pub fn transcribe(mut self, transcribe: bool) -> Self {
        self.transcribe = Some(transcribe);
        self
    }

    /// Only called when [`Record::transcribe`] is `true`.
    #[must_use]
    pub fn transcribe_callback(mut self, url: impl Into<String>) -> Self {
        self.transcribe_callback = Some(url.into());
        self
    }

    #[must_use]
    pub fn recording_status_callback(mut self, url: impl Into<String>) -> Self {
        self.recording_status_callback = Some(url.into());
        self
    }

    /// An empty list leaves the attribute out (Twilio then sends `completed` only).
    #[must_use]
    pub fn recording_status_callback_event(mut self, events: &[RecordingEvent]) -> Self {
        self.recording_status_callback_event = events.to_vec();
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Record")
            .attr("action", Some(self.action.as_str()))
            .num("maxLength", self.max_length)
            .num("timeout", self.timeout)
            .attr("finishOnKey", self.finish_on_key.as_deref())
            .flag("playBeep", self.play_beep)
            .token("trim", self.trim)
            .flag("transcribe", self.transcribe)
            .attr("transcribeCallback", self.transcribe_callback.as_deref())
            .attr("recordingStatusCallback", self.recording_status_callback.as_deref())
            .list("recordingStatusCallbackEvent", &self.recording_status_callback_event)
            .empty(out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Response;
    use super::*;

    fn body(record: Record) -> String {
        let xml = Response::new().push(record).render();
        let start = xml.find("<Record").expect("a Record element");
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn record_always_renders_its_action() {
        assert_eq!(
            body(Record::new("/voice/voicemail")),
            r#"<Record action="/voice/voicemail"/>"#
        );
    }

    #[test]
    fn record_action_url_is_escaped() {
        assert_eq!(
            body(Record::new("/vm?client=a&step=2")),
            r#"<Record action="/vm?client=a&amp;step=2"/>"#
        );
    }

    #[test]
    fn record_renders_every_option_in_twilio_spelling() {
        let xml = body(
            Record::new("/vm")
                .max_length(120)
                .timeout(0)
                .finish_on_key("#*")
                .play_beep(false)
                .trim(Trim::TrimSilence)
                .transcribe(true)
                .transcribe_callback("/tx")
                .recording_status_callback("/rs")
                .recording_status_callback_event(&[
                    RecordingEvent::InProgress,
                    RecordingEvent::Completed,
                    RecordingEvent::Absent,
                ]),
        );

        assert_eq!(
            xml,
            concat!(
                r##"<Record action="/vm" maxLength="120" timeout="0" finishOnKey="#*" "##,
                r#"playBeep="false" trim="trim-silence" transcribe="true" transcribeCallback="/tx" "#,
                r#"recordingStatusCallback="/rs" "#,
                r#"recordingStatusCallbackEvent="in-progress completed absent"/>"#
            )
        );
    }

    #[test]
    fn record_with_empty_event_list_leaves_attribute_out() {
        assert_eq!(
            body(Record::new("/vm").recording_status_callback_event(&[])),
            r#"<Record action="/vm"/>"#
        );
    }

    #[test]
    fn record_do_not_trim_uses_twilio_spelling() {
        assert_eq!(
            body(Record::new("/vm").trim(Trim::DoNotTrim)),
            r#"<Record action="/vm" trim="do-not-trim"/>"#
        );
    }
}
