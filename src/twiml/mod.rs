//! Typed TwiML: the documents Switchboard sends back to Twilio's voice and
//! messaging webhooks. Owns the `Response` root, the `Verb` set and rendering.
//!
//! Pure by design: no I/O, no HTTP types, no clock. A handler builds a
//! [`Response`], calls [`Response::render`] and serves it with [`CONTENT_TYPE`].
//! Everything is written through quick-xml (see `xml.rs`), so caller names,
//! transcripts and URLs with `&` can never break the document (Twilio error 12100).
//!
//! ```
//! use switchboard::twiml::{Dial, Number, Response, Say};
//!
//! let xml = Response::new()
//!     .push(Say::new("Connecting you now."))
//!     .push(Dial::new().timeout(20).number(Number::new("+14155550101")))
//!     .render();
//! assert!(xml.starts_with(r#"<?xml version="1.0" encoding="UTF-8"?><Response><Say>"#));
//! ```

mod dial;
mod gather;
mod message;
mod number;
mod record;
mod say;
mod simple;
mod xml;

/// Reads TwiML back for tests and the fuzz targets; not part of the server.
#[cfg(any(test, feature = "fuzzing"))]
#[doc(hidden)]
pub mod canonical;
#[cfg(test)]
mod fixtures;

pub use dial::{Dial, DialRecord, Enqueue, Queue};
pub use gather::{Gather, GatherInput};
pub use message::Message;
pub use number::{CallEvent, Number};
pub use record::{Record, RecordingEvent, Trim};
pub use say::Say;
pub use simple::{Pause, Play, Redirect, Reject, RejectReason};

/// The Content-Type to serve rendered TwiML with; without one Twilio fails the
/// request (error 12300).
pub const CONTENT_TYPE: &str = "text/xml; charset=utf-8";

/// HTTP method Twilio uses for a callback or fetch; Twilio's default is `Post`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
}

impl xml::Token for Method {
    fn token(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One top-level instruction of a [`Response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    Say(Say),
    Play(Play),
    Pause(Pause),
    Dial(Dial),
    Enqueue(Enqueue),
    /// In a queue's wait TwiML: leaves the queue, and the `<Enqueue action>` says what next.
    Leave,
    Record(Record),
    Gather(Gather),
    Redirect(Redirect),
    /// Ends the call. As the first verb it still answers (and bills) the call;
    /// use [`Reject`] to refuse a call unanswered.
    Hangup,
    Reject(Reject),
    Message(Message),
}

macro_rules! verb_from {
    ($($verb:ident),*) => {$(
        impl From<$verb> for Verb {
            fn from(verb: $verb) -> Self {
                Self::$verb(verb)
            }
        }
    )*};
}

verb_from!(Say, Play, Pause, Dial, Enqueue, Record, Gather, Redirect, Reject, Message);

impl Verb {
    fn write(&self, out: &mut xml::Out) {
        match self {
            Self::Say(say) => say.write(out),
            Self::Play(play) => play.write(out),
            Self::Pause(pause) => pause.write(out),
            Self::Dial(dial) => dial.write(out),
            Self::Enqueue(enqueue) => enqueue.write(out),
            Self::Leave => xml::Element::new("Leave").empty(out),
            Self::Record(record) => record.write(out),
            Self::Gather(gather) => gather.write(out),
            Self::Redirect(redirect) => redirect.write(out),
            Self::Hangup => xml::Element::new("Hangup").empty(out),
            Self::Reject(reject) => reject.write(out),
            Self::Message(message) => message.write(out),
        }
    }
}

/// A TwiML document: verbs run top to bottom until one hands control away.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Response {
    verbs: Vec<Verb>,
}

impl Response {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a verb, builder style.
    #[must_use]
    pub fn push(mut self, verb: impl Into<Verb>) -> Self {
        self.add(verb);
        self
    }

    /// Appends a verb in place, for documents built in a loop or by branches.
    pub fn add(&mut self, verb: impl Into<Verb>) {
        self.verbs.push(verb.into());
    }

    /// Renders the document with nothing before the declaration (Twilio rejects
    /// even a leading newline) and no pretty-printing. An empty document is
    /// `<Response />`, exactly as Twilio's helper libraries write it.
    #[must_use]
    pub fn render(&self) -> String {
        xml::document(|out| {
            if self.verbs.is_empty() {
                xml::empty_response(out);
            } else {
                xml::Element::new("Response").children(out, &self.verbs, Verb::write);
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::canonical::{parse, Node};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn empty_response_is_declaration_and_self_closing_root() {
        let xml = Response::new().render();

        assert_eq!(xml, r#"<?xml version="1.0" encoding="UTF-8"?><Response />"#);
    }

    #[test]
    fn push_and_add_keep_verbs_in_order() {
        let mut built = Response::new().push(Say::new("one"));
        built.add(Pause::new(1));
        built.add(Verb::Hangup);

        let xml = built.render();

        assert_eq!(
            xml,
            concat!(
                r#"<?xml version="1.0" encoding="UTF-8"?>"#,
                r#"<Response><Say>one</Say><Pause length="1"/><Hangup/></Response>"#
            )
        );
    }

    #[test]
    fn hangup_variant_converts_into_itself() {
        let xml = Response::new().push(Verb::Hangup).render();

        assert!(xml.ends_with("<Response><Hangup/></Response>"));
    }

    #[test]
    fn content_type_is_utf8_xml() {
        assert_eq!(CONTENT_TYPE, "text/xml; charset=utf-8");
    }

    /// Found by the twiml fuzz target: a NUL in a `<Say>` was written raw, which no XML parser
    /// (Twilio's included) accepts.
    #[test]
    fn characters_xml_cannot_carry_are_dropped_from_text_and_attributes() {
        let hostile = "a\u{0}b\u{1}c\u{b}d\u{1f}e\u{fffe}f\u{ffff}g\th\ni";
        let xml = Response::new()
            .push(Say::new(hostile))
            .push(Record::new(hostile))
            .render();

        let (said, action) = say_text_and_action_of(&xml);
        assert_eq!(said, "abcdefg\th\ni");
        assert_eq!(action, "abcdefg\th\ni");
        assert!(!xml.contains('\u{0}'), "{xml:?}");
    }

    fn say_text_and_action_of(xml: &str) -> (String, String) {
        let root = parse(xml);
        let Some(Node::Element(record)) = root.children.get(1) else {
            panic!("expected <Record> as second verb in {xml}");
        };
        let Some(Node::Element(say)) = root.children.first() else {
            panic!("expected <Say> as first verb in {xml}");
        };
        (say.text(), record.attrs["action"].clone())
    }

    proptest! {
        #[test]
        fn any_text_and_attribute_value_round_trips_through_render(
            text in r#"(\PC|[&<>"'])*"#,
            value in r#"(\PC|[&<>"'])*"#,
        ) {
            let xml = Response::new()
                .push(Say::new(text.clone()))
                .push(Record::new(value.clone()))
                .render();

            let (said, action) = say_text_and_action_of(&xml);
            prop_assert_eq!(said, text);
            prop_assert_eq!(action, value);
        }
    }
}
