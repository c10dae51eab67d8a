//! `<Number>`: one phone rung by `<Dial>`, with its screening whisper URL and
//! the call-progress callbacks of that leg ([`CallEvent`]).

use super::xml::{Element, Out, Token};
use super::Method;

/// Call-progress events a `<Number>` leg reports to its `statusCallback`
/// (Twilio's default: only `Completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallEvent {
    Initiated,
    Ringing,
    Answered,
    Completed,
}

impl Token for CallEvent {
    fn token(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Completed => "completed",
        }
    }
}

/// One phone to ring inside a [`Dial`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Number {
    number: String,
    url: Option<String>,
    method: Option<Method>,
    status_callback: Option<String>,
    status_callback_event: Vec<CallEvent>,
    send_digits: Option<String>,
}

impl Number {
    /// `e164` is the phone number, e.g. `+14155550100`.
    #[must_use]
    pub fn new(e164: impl Into<String>) -> Self {
        Self {
            number: e164.into(),
            url: None,
            method: None,
            status_callback: None,
            status_callback_event: Vec::new(),
            send_digits: None,
        }
    }

    /// TwiML run on the callee's leg once they answer, before the bridge: the
    /// screening whisper that stops a voicemail box from winning the call.
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// The method for [`Number::url`].
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    #[must_use]
    pub fn status_callback(mut self, url: impl Into<String>) -> Self {
        self.status_callback = Some(url.into());
        self
    }

    /// An empty list leaves the attribute out.
    #[must_use]
    pub fn status_callback_event(mut self, events: &[CallEvent]) -> Self {
        self.status_callback_event = events.to_vec();
        self
    }

    /// DTMF played once answered, e.g. `wwww1928` for an extension.
    #[must_use]
    pub fn send_digits(mut self, digits: impl Into<String>) -> Self {
        self.send_digits = Some(digits.into());
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Number")
            .attr("url", self.url.as_deref())
            .token("method", self.method)
            .attr("statusCallback", self.status_callback.as_deref())
            .list("statusCallbackEvent", &self.status_callback_event)
            .attr("sendDigits", self.send_digits.as_deref())
            .text(out, &self.number);
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Dial, Response};
    use super::*;

    #[test]
    fn number_renders_screening_and_status_attributes() {
        let number = Number::new("+14155550101")
            .url("/screen?a=1&b=2")
            .method(Method::Post)
            .status_callback("/status")
            .status_callback_event(&[
                CallEvent::Initiated,
                CallEvent::Ringing,
                CallEvent::Answered,
                CallEvent::Completed,
            ])
            .send_digits("ww1#");

        let xml = Response::new().push(Dial::new().number(number)).render();

        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?><Response><Dial>"#,
                r#"<Number url="/screen?a=1&amp;b=2" method="POST" statusCallback="/status" "#,
                r#"statusCallbackEvent="initiated ringing answered completed" sendDigits="ww1#">"#,
                "+14155550101</Number></Dial></Response>"
            )
        );
    }

    #[test]
    fn number_with_empty_event_list_leaves_attribute_out() {
        let number = Number::new("+14155550101").status_callback_event(&[]);

        let xml = Response::new().push(Dial::new().number(number)).render();

        assert!(xml.contains("<Dial><Number>+14155550101</Number></Dial>"));
    }
}
