//! The `Signed<T>` extractor for every Twilio-facing route: reads the raw form body,
//! rebuilds the URL Twilio signed (public URL + path + raw query), checks
//! `X-Twilio-Signature` with the auth token of the account that sent it, lets the webhook in
//! only if that account may touch everything it refers to (`accounts::signing`), and only
//! then deserializes the form.

use std::borrow::Cow;
use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::HOST;
use serde::de::DeserializeOwned;

use super::error::Error;
use crate::accounts::signing::{self, Webhook};
use crate::signature;
use crate::state::AppState;

pub const SIGNATURE_HEADER: &str = "x-twilio-signature";

/// A webhook that passed the signature check: its form as `T` and its query string.
#[derive(Debug)]
pub struct Signed<T> {
    pub form: T,
    pub query: BTreeMap<String, String>,
    /// The full URL Twilio requested (also the action of a `<Gather>` that posts back here).
    pub url: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for Signed<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let uri = req.uri().clone();
        let host = req
            .headers()
            .get(HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost")
            .to_owned();
        let header = req
            .headers()
            .get(SIGNATURE_HEADER)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned);
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|r| Error::Body(r.status(), r.body_text()))?;
        let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
        let url = match &state.settings.public_url {
            Some(base) => format!("{}{path_and_query}", base.as_str().trim_end_matches('/')),
            None => format!("http://{host}{path_and_query}"),
        };
        let params = form_pairs(&body);
        let query: BTreeMap<String, String> = uri
            .query()
            .map(|q| {
                form_pairs(q.as_bytes())
                    .into_iter()
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let sig = header.ok_or(Error::Forbidden)?;
        let webhook = Webhook::new(uri.path(), &params, &query);
        signing::authorize(state, &webhook, |token| signature::is_valid(token, &url, &params, &sig)).await?;
        let span = tracing::Span::current();
        if let Some((_, sid)) = params.iter().find(|(k, _)| k == "CallSid" || k == "MessageSid") {
            span.record("call_sid", sid.as_ref());
        }
        if let Some(client) = query.get("client") {
            span.record("client", client.as_str());
        }
        let form = from_pairs(&params).map_err(|e| Error::BadRequest(format!("bad form: {e}")))?;
        Ok(Self { form, query, url })
    }
}

/// A caller's or a number's address (`+1…`, `client:…`, `sip:…`) no longer than the
/// columns it is stored in: an overlong one is not from Twilio, and must not reach the
/// database, where PostgreSQL would refuse it.
///
/// # Errors
/// `BadRequest` naming the parameter.
pub fn address(value: String, name: &str, max: usize) -> Result<String, Error> {
    if value.chars().count() > max {
        return Err(Error::BadRequest(format!("{name} must be at most {max} characters")));
    }
    Ok(value)
}

/// The form as `T`, read from the very pairs the signature covered: the body is decoded
/// once, and nothing unsigned can reach a handler.
fn from_pairs<T: DeserializeOwned>(pairs: &[FormPair<'_>]) -> Result<T, serde::de::value::Error> {
    let fields = pairs.iter().map(|(name, value)| (name.as_ref(), FormValue(value)));
    T::deserialize(serde::de::value::MapDeserializer::new(fields))
}

/// One form value: text, and `Some(text)` for an optional field (every form field is
/// text; durations and the like are parsed where they are used).
struct FormValue<'a>(&'a str);

impl<'de> serde::de::IntoDeserializer<'de> for FormValue<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> serde::Deserializer<'de> for FormValue<'_> {
    type Error = serde::de::value::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// One name and value of a form: borrowed from the body unless it had to be decoded.
pub type FormPair<'a> = (Cow<'a, str>, Cow<'a, str>);

/// A form body or query string as the name/value pairs Twilio signed: in order, repeats kept,
/// invalid UTF-8 replaced, as `serde_urlencoded` reads the console's forms (`fuzz/` webhook
/// checks the two agree on any input).
///
/// Written out rather than `form_urlencoded::parse`, which copied each value that had a `+`
/// and scanned each value three times, a byte at a time: that took a tenth of the
/// instructions of an incoming call (callgrind). Here the body is checked for UTF-8 once,
/// the pairs are found by `memchr`, and a value that needs no decoding, as most of
/// Twilio's do, is borrowed from the body.
pub fn form_pairs(encoded: &[u8]) -> Vec<FormPair<'_>> {
    let text = std::str::from_utf8(encoded).ok();
    let mut pairs = Vec::with_capacity(memchr::memchr_iter(b'&', encoded).count() + 1);
    let mut start = 0;
    for end in memchr::memchr_iter(b'&', encoded).chain([encoded.len()]) {
        let sequence = start..end;
        start = end + 1;
        if sequence.is_empty() {
            continue;
        }
        let (name, value) = match encoded[sequence.clone()].iter().position(|&b| b == b'=') {
            Some(at) => (
                sequence.start..sequence.start + at,
                sequence.start + at + 1..sequence.end,
            ),
            None => (sequence.clone(), sequence.end..sequence.end),
        };
        pairs.push((form_decode(encoded, text, name), form_decode(encoded, text, value)));
    }
    pairs
}

/// The part of `encoded` at `range`, decoded: `+` is a space and `%` with two hex digits a
/// byte; a `%` without them stays as it is. `text` is `encoded` if it is valid UTF-8.
fn form_decode<'a>(encoded: &'a [u8], text: Option<&'a str>, range: std::ops::Range<usize>) -> Cow<'a, str> {
    let raw = &encoded[range.clone()];
    if !raw.iter().any(|&b| b == b'+' || b == b'%') {
        // Delimiters are ASCII, so `range` falls on character boundaries of `text`.
        return text.map_or_else(|| String::from_utf8_lossy(raw), |text| Cow::Borrowed(&text[range]));
    }
    let hex = |b: Option<&u8>| b.and_then(|&b| char::from(b).to_digit(16));
    let mut decoded = Vec::with_capacity(raw.len());
    let mut rest = raw.iter();
    while let Some(&b) = rest.next() {
        match b {
            b'+' => decoded.push(b' '),
            b'%' => match (hex(rest.as_slice().first()), hex(rest.as_slice().get(1))) {
                (Some(high), Some(low)) => {
                    decoded.push(u8::try_from(high * 16 + low).expect("two hex digits make a byte"));
                    rest.nth(1);
                }
                _ => decoded.push(b'%'),
            },
            _ => decoded.push(b),
        }
    }
    match String::from_utf8(decoded) {
        Ok(text) => Cow::Owned(text),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use serde::Deserialize;

    use super::{form_pairs, from_pairs};

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Inner {
        call_sid: String,
        #[serde(default)]
        from: String,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "PascalCase")]
    struct Outer {
        #[serde(flatten)]
        inner: Inner,
        digits: Option<String>,
        speech_result: Option<String>,
    }

    #[test]
    fn a_form_is_read_from_its_decoded_pairs_with_optional_and_flattened_fields() {
        let pairs = form_pairs(b"CallSid=CA1&From=%2B1212+555&Digits=2&Extra=x");
        let form: Outer = from_pairs(&pairs).unwrap();
        assert_eq!(
            form,
            Outer {
                inner: Inner {
                    call_sid: "CA1".into(),
                    from: "+1212 555".into(),
                },
                digits: Some("2".into()),
                speech_result: None,
            }
        );
    }

    #[test]
    fn form_values_decode_plus_and_percent_and_keep_a_stray_percent() {
        let pairs = form_pairs(b"&A=%2B1+2%zz%4&&B&C=caf%C3%A9%FF=x&=");
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_ref(), v.as_ref())).collect();
        assert_eq!(
            pairs,
            [("A", "+1 2%zz%4"), ("B", ""), ("C", "caf\u{e9}\u{fffd}=x"), ("", "")]
        );
        assert!(matches!(form_pairs(b"From=plain")[0].1, Cow::Borrowed("plain")));
    }

    proptest::proptest! {
        /// The pairs that are signed are the pairs `serde_urlencoded` reads (as the console's
        /// forms are read), on any bytes at all; `fuzz/` webhook checks the same at length.
        #[test]
        fn form_pairs_agree_with_serde_urlencoded(
            body in proptest::collection::vec(proptest::sample::select(b"ab=&+%2BFfz\xc3\xa9\xff".to_vec()), 0..40)
        ) {
            let ours: Vec<(String, String)> =
                form_pairs(&body).into_iter().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
            let theirs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn a_missing_or_repeated_field_is_refused_naming_it() {
        let missing = from_pairs::<Inner>(&form_pairs(b"From=%2B1")).unwrap_err();
        assert!(missing.to_string().contains("CallSid"), "{missing}");
        let repeated = from_pairs::<Inner>(&form_pairs(b"CallSid=CA1&CallSid=CA2")).unwrap_err();
        assert!(repeated.to_string().contains("CallSid"), "{repeated}");
    }
}
