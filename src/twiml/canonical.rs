//! Test-only: reads a TwiML document back into a canonical tree (names,
//! attributes as a sorted map of unescaped values, unescaped text) so documents
//! from different serializers compare by meaning, not by escaping style or
//! attribute order. Parsing is strict: malformed XML fails the test.

use std::collections::BTreeMap;

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub children: Vec<Node>,
}

impl Element {
    /// The element's own text, with child elements skipped.
    pub fn text(&self) -> String {
        self.children
            .iter()
            .filter_map(|child| match child {
                Node::Text(text) => Some(text.as_str()),
                Node::Element(_) => None,
            })
            .collect()
    }

    fn push_text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        // quick-xml reports `&amp;` separately from the text around it; merge
        // them so "a & b" is one node whichever way it was escaped.
        if let Some(Node::Text(last)) = self.children.last_mut() {
            last.push_str(text);
        } else {
            self.children.push(Node::Text(text.to_owned()));
        }
    }
}

/// Parses `xml` and returns its root element, panicking on anything malformed.
pub fn parse(xml: &str) -> Element {
    let mut reader = Reader::from_str(xml);
    let mut open: Vec<Element> = Vec::new();
    let mut root = None;
    loop {
        let event = reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML ({e}): {xml}"));
        match event {
            Event::Decl(_) => {}
            Event::Start(start) => open.push(element(&reader, &start)),
            Event::Empty(start) => close(element(&reader, &start), &mut open, &mut root),
            Event::End(_) => {
                let done = open.pop().expect("end tag without start");
                close(done, &mut open, &mut root);
            }
            Event::Text(text) => {
                let text = text.decode().expect("text is UTF-8");
                current(&mut open, xml).push_text(&text);
            }
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref().expect("valid char ref") {
                    Some(c) => c.to_string(),
                    None => {
                        let name = reference.decode().expect("entity name is UTF-8");
                        resolve_predefined_entity(&name)
                            .unwrap_or_else(|| panic!("unknown entity &{name}; in {xml}"))
                            .to_owned()
                    }
                };
                current(&mut open, xml).push_text(&resolved);
            }
            Event::Eof => break,
            other => panic!("unexpected {other:?} in {xml}"),
        }
    }
    assert!(open.is_empty(), "unclosed elements in {xml}");
    root.unwrap_or_else(|| panic!("no root element in {xml}"))
}

fn current<'a>(open: &'a mut [Element], xml: &str) -> &'a mut Element {
    open.last_mut()
        .unwrap_or_else(|| panic!("text outside the root element in {xml}"))
}

fn close(done: Element, open: &mut [Element], root: &mut Option<Element>) {
    match open.last_mut() {
        Some(parent) => parent.children.push(Node::Element(done)),
        None => {
            assert!(root.is_none(), "more than one root element");
            *root = Some(done);
        }
    }
}

fn element(reader: &Reader<&[u8]>, start: &BytesStart<'_>) -> Element {
    let decoder = reader.decoder();
    let name = decoder
        .decode(start.name().as_ref())
        .expect("element name is UTF-8")
        .into_owned();
    let attrs = start
        .attributes()
        .map(|attr| {
            let attr = attr.expect("well-formed attribute");
            let key = decoder
                .decode(attr.key.as_ref())
                .expect("attribute name is UTF-8")
                .into_owned();
            let value = attr
                .decode_and_unescape_value(decoder)
                .expect("attribute value unescapes")
                .into_owned();
            (key, value)
        })
        .collect::<BTreeMap<_, _>>();
    Element {
        name,
        attrs,
        children: Vec::new(),
    }
}
