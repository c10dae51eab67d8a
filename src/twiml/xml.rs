//! The only code that talks to quick-xml's writer. Every verb renders through
//! [`Element`], so every attribute value and every text node goes through
//! quick-xml's escaping; nothing in `twiml` builds markup by string formatting.
//! Characters XML 1.0 cannot carry at all, even escaped (NUL and most other C0
//! controls, U+FFFE, U+FFFF), are dropped: quick-xml writes them as they are,
//! and Twilio refuses such a document (error 12100). Found by `fuzz/` (twiml).

use std::borrow::Cow;

use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

/// The writer every verb renders into.
pub(super) type Out = Writer<Vec<u8>>;

/// A closed set of attribute values spelled the way Twilio expects them.
pub(super) trait Token: Copy {
    fn token(self) -> &'static str;
}

/// Writes the XML declaration, lets `body` write the root, and returns the text.
pub(super) fn document(body: impl FnOnce(&mut Out)) -> String {
    let mut out = Writer::new(Vec::with_capacity(1024));
    emit(&mut out, Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)));
    body(&mut out);
    String::from_utf8(out.into_inner()).expect("quick-xml was given only UTF-8 &str input")
}

/// `<Response />`, spelled with the space exactly as both official SDKs emit it,
/// so an empty answer is byte-for-byte what Twilio's own libraries produce.
pub(super) fn empty_response(out: &mut Out) {
    emit(
        out,
        Event::Empty(BytesStart::from_content("Response ", "Response".len())),
    );
}

fn emit(out: &mut Out, event: Event<'_>) {
    out.write_event(event).expect("writing to a Vec cannot fail");
}

/// `text` without the characters outside XML 1.0's `Char` production.
fn xml_chars(text: &str) -> Cow<'_, str> {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
    // Nearly all text is printable ASCII, which is checked a byte at a time.
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) || text.chars().all(allowed) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.chars().filter(|&c| allowed(c)).collect())
    }
}

/// One element under construction: attributes are added only when they are set.
pub(super) struct Element<'a> {
    name: &'a str,
    start: BytesStart<'a>,
}

impl<'a> Element<'a> {
    pub(super) fn new(name: &'a str) -> Self {
        // Room for a verb's attributes, so pushing them does not reallocate as it grows.
        let mut content = String::with_capacity(256);
        content.push_str(name);
        Self {
            name,
            start: BytesStart::from_content(content, name.len()),
        }
    }

    pub(super) fn attr(mut self, key: &str, value: Option<&str>) -> Self {
        if let Some(value) = value {
            // The (&str, &str) conversion escapes the value, `&` and quotes included.
            self.start.push_attribute((key, &*xml_chars(value)));
        }
        self
    }

    pub(super) fn num(self, key: &str, value: Option<u32>) -> Self {
        self.attr(key, value.map(|n| n.to_string()).as_deref())
    }

    pub(super) fn flag(self, key: &str, value: Option<bool>) -> Self {
        self.attr(key, value.map(|b| if b { "true" } else { "false" }))
    }

    pub(super) fn token(self, key: &str, value: Option<impl Token>) -> Self {
        self.attr(key, value.map(Token::token))
    }

    /// Twilio takes event lists space-separated; an empty list means "unset",
    /// because `key=""` would only earn a schema warning.
    pub(super) fn list(self, key: &str, values: &[impl Token]) -> Self {
        let joined = values.iter().map(|v| v.token()).collect::<Vec<_>>().join(" ");
        self.attr(key, Some(joined.as_str()).filter(|s| !s.is_empty()))
    }

    pub(super) fn empty(self, out: &mut Out) {
        emit(out, Event::Empty(self.start));
    }

    /// Writes `text` as the element's content; empty text gives a self-closing
    /// tag, as Twilio's helper libraries write it.
    pub(super) fn text(self, out: &mut Out, text: &str) {
        if text.is_empty() {
            return self.empty(out);
        }
        let name = self.name;
        emit(out, Event::Start(self.start));
        // BytesText::new escapes; from_escaped would not, so it is never used.
        emit(out, Event::Text(BytesText::new(&xml_chars(text))));
        emit(out, Event::End(BytesEnd::new(name)));
    }

    /// Writes `children` inside this element, or a self-closing tag when there are none.
    pub(super) fn children<T>(self, out: &mut Out, children: &[T], write: impl Fn(&T, &mut Out)) {
        if children.is_empty() {
            return self.empty(out);
        }
        let name = self.name;
        emit(out, Event::Start(self.start));
        for child in children {
            write(child, out);
        }
        emit(out, Event::End(BytesEnd::new(name)));
    }
}
