//! Whether a voicemail has its written version, will have it, or why it never will: the
//! alerts wait for it and the console says it in words.

use chrono::{DateTime, Duration, Utc};

use super::worker::TRANSCRIPT_GIVE_UP_MINUTES;
use crate::store::recordings::RecordingRow;

/// Twilio only transcribes recordings of 2 to 120 seconds (docs/twilio.md, transcription).
pub const TRANSCRIBED: std::ops::RangeInclusive<i32> = 2..=120;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transcript<'a> {
    Written(&'a str),
    Coming,
    /// Twilio tried and could not.
    Failed,
    NotAsked,
    TooShort,
    TooLong,
    /// Asked for, but it never came in time.
    NeverCame,
}

impl Transcript<'_> {
    /// Why there is no written version, in words; `None` when there is one.
    #[must_use]
    pub fn words(&self) -> Option<&'static str> {
        Some(match self {
            Self::Written(_) => return None,
            Self::Coming => "The written version is not ready yet.",
            Self::Failed => "Twilio could not write this message out: listen to it above.",
            Self::NotAsked => "No transcript: this message was not transcribed.",
            Self::TooShort => "No transcript: this message was too short to transcribe.",
            Self::TooLong => "No transcript: this message was too long to transcribe.",
            Self::NeverCame => "No transcript: Twilio did not send one. Listen to the message above.",
        })
    }
}

/// Where the transcript of `recording` stands at `now`.
#[must_use]
pub fn of(recording: &RecordingRow, now: DateTime<Utc>) -> Transcript<'_> {
    if let Some(text) = &recording.transcription_text {
        return Transcript::Written(text);
    }
    let status = recording.transcription_status.as_deref();
    match status {
        Some("failed") => return Transcript::Failed,
        Some("pending") if now - recording.created_at < Duration::minutes(TRANSCRIPT_GIVE_UP_MINUTES) => {
            return Transcript::Coming;
        }
        _ => {}
    }
    match (recording.duration, status) {
        (Some(d), _) if d < *TRANSCRIBED.start() => Transcript::TooShort,
        (Some(d), _) if d > *TRANSCRIBED.end() => Transcript::TooLong,
        (_, None) => Transcript::NotAsked,
        (_, Some(_)) => Transcript::NeverCame,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voicemail(seconds: i32, status: Option<&str>) -> RecordingRow {
        let at: DateTime<Utc> = "2026-12-01T15:00:00Z".parse().unwrap();
        RecordingRow {
            recording_sid: "RE1".into(),
            call_sid: "CA1".into(),
            kind: "voicemail".into(),
            url: None,
            duration: Some(seconds),
            status: Some("completed".into()),
            transcription_sid: None,
            transcription_text: None,
            transcription_status: status.map(str::to_owned),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_voicemail_without_a_transcript_says_why_once_none_is_coming() {
        let v = voicemail(30, Some("pending"));
        let soon = v.created_at + Duration::minutes(5);
        let late = v.created_at + Duration::days(30);
        assert_eq!(of(&v, soon), Transcript::Coming);
        assert_eq!(of(&v, late), Transcript::NeverCame);
        assert_eq!(of(&voicemail(30, Some("missing")), soon), Transcript::NeverCame);
        assert_eq!(of(&voicemail(30, None), late), Transcript::NotAsked);
        assert_eq!(of(&voicemail(1, None), late), Transcript::TooShort);
        assert_eq!(of(&voicemail(300, Some("missing")), late), Transcript::TooLong);
        assert_eq!(of(&voicemail(30, Some("failed")), soon), Transcript::Failed);
        assert_eq!(
            Transcript::NotAsked.words(),
            Some("No transcript: this message was not transcribed.")
        );
    }
}
