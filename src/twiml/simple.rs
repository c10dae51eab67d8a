//! The small voice verbs: `<Play>`, `<Pause>`, `<Redirect>` and `<Reject>`
//! (`<Hangup>` has no attributes and is just [`super::Verb::Hangup`]).

use super::xml::{Element, Out, Token};
use super::Method;

/// Plays the audio at a URL, or DTMF tones when [`Play::digits`] is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    url: String,
    loop_count: Option<u32>,
    digits: Option<String>,
}

impl Play {
    /// `url` may be empty when only [`Play::digits`] are played.
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            loop_count: None,
            digits: None,
        }
    }

    /// How many times to play; `0` repeats until hangup.
    #[must_use]
    pub fn loop_count(mut self, count: u32) -> Self {
        self.loop_count = Some(count);
        self
    }

    /// DTMF to send instead of audio: `0-9 A-D * #`, `w` waits 0.5 s, `W` 1 s.
    /// Twilio does not allow this on a `<Play>` nested in `<Gather>`.
    #[must_use]
    pub fn digits(mut self, digits: impl Into<String>) -> Self {
        self.digits = Some(digits.into());
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Play")
            .num("loop", self.loop_count)
            .attr("digits", self.digits.as_deref())
            .text(out, &self.url);
    }
}

/// Silence for `seconds` (Twilio's default is 1). As the first verb it delays
/// answering the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    seconds: u32,
}

impl Pause {
    #[must_use]
    pub fn new(seconds: u32) -> Self {
        Self { seconds }
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Pause").num("length", Some(self.seconds)).empty(out);
    }
}

/// Hands the call (or message) over to the TwiML at another URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    url: String,
    method: Option<Method>,
}

impl Redirect {
    #[must_use]
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            method: None,
        }
    }

    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Redirect")
            .token("method", self.method)
            .text(out, &self.url);
    }
}

/// What a rejected caller hears.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    Busy,
    /// Twilio's default: a not-in-service tone, as the carrier chooses.
    Rejected,
}

impl Token for RejectReason {
    fn token(self) -> &'static str {
        match self {
            Self::Busy => "busy",
            Self::Rejected => "rejected",
        }
    }
}

/// Refuses the call. Only as the first verb does Twilio leave the call
/// unanswered and unbilled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reject {
    reason: Option<RejectReason>,
}

impl Reject {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    #[must_use]
    pub fn reason(mut self, reason: RejectReason) -> Self {
        self.reason = Some(reason);
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Reject").token("reason", self.reason).empty(out);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Response, Verb};
    use super::*;

    fn body(verb: impl Into<Verb>) -> String {
        let xml = Response::new().push(verb).render();
        let start = xml.find("<Response>").expect("a non-empty Response") + "<Response>".len();
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn play_renders_url_as_escaped_text() {
        let xml = body(Play::new("https://cdn.example/a.mp3?x=1&y=2").loop_count(3));

        assert_eq!(xml, r#"<Play loop="3">https://cdn.example/a.mp3?x=1&amp;y=2</Play>"#);
    }

    #[test]
    fn play_with_digits_renders_digits_attribute() {
        assert_eq!(body(Play::new("").digits("ww12#")), r#"<Play digits="ww12#"/>"#);
    }

    #[test]
    fn pause_always_states_its_length() {
        assert_eq!(body(Pause::new(4)), r#"<Pause length="4"/>"#);
    }

    #[test]
    fn redirect_method_renders_uppercase() {
        assert_eq!(
            body(Redirect::new("/next").method(Method::Get)),
            r#"<Redirect method="GET">/next</Redirect>"#
        );
        assert_eq!(
            body(Redirect::new("/next").method(Method::Post)),
            r#"<Redirect method="POST">/next</Redirect>"#
        );
    }

    #[test]
    fn redirect_without_method_leaves_twilio_default() {
        assert_eq!(body(Redirect::new("/next")), "<Redirect>/next</Redirect>");
    }

    #[test]
    fn reject_reasons_use_twilio_spelling() {
        assert_eq!(body(Reject::new()), "<Reject/>");
        assert_eq!(
            body(Reject::new().reason(RejectReason::Busy)),
            r#"<Reject reason="busy"/>"#
        );
        assert_eq!(
            body(Reject::new().reason(RejectReason::Rejected)),
            r#"<Reject reason="rejected"/>"#
        );
    }
}
