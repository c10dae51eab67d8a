//! Phone numbers, parsed once at the edge (rule files, webhooks) so the rest of the code can
//! trust them, normalised from what people type, and masked for logs and alerts.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form (`+12125550100`), checked against libphonenumber's
/// metadata rather than a regex, so a number that cannot exist is refused.
///
/// Numbers are shared (`Arc<str>`): every decision hands them to its dial
/// targets, and a shared one costs a count there instead of a copy.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct E164(Arc<str>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("`{0}` is not in E.164 form (a `+`, the country code, then the number, no spaces)")]
    NotE164(String),
    #[error("`{0}` is not a valid phone number")]
    Invalid(String),
    #[error("`{0}` has no digits: search for a number, or its last digits")]
    NoDigits(String),
}

impl E164 {
    /// # Errors
    /// When the text is not exactly an E.164 number or libphonenumber says it cannot exist.
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let digits = text.strip_prefix('+').unwrap_or("");
        if digits.is_empty() || digits.len() > 15 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PhoneError::NotE164(text.to_owned()));
        }
        let number = phonenumber::parse(None, text).map_err(|_| PhoneError::Invalid(text.to_owned()))?;
        if !number.is_valid() {
            return Err(PhoneError::Invalid(text.to_owned()));
        }
        let canonical = number.format().mode(phonenumber::Mode::E164).to_string();
        if canonical != text {
            return Err(PhoneError::NotE164(text.to_owned()));
        }
        Ok(Self(canonical.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for E164 {
    type Error = PhoneError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<E164> for String {
    fn from(value: E164) -> Self {
        value.0.to_string()
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A number's digits, last first: stored beside each caller's and recipient's number, so
/// that a [`NumberSearch`] reads a range of an index instead of every row.
pub fn digits_reversed(number: &str) -> String {
    number.chars().filter(char::is_ascii_digit).rev().collect()
}

/// A number looked for as people type it: in any common format (`+1 917 555 0142`,
/// `(917) 555-0142`, `020 7946 0123`, `0044 20 7946 0123`) or only its last digits
/// (`0142`). It finds every stored number that ends with its digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberSearch {
    reversed: String,
}

impl NumberSearch {
    /// # Errors
    /// When the text holds no digit.
    pub fn parse(text: &str) -> Result<Self, PhoneError> {
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(PhoneError::NoDigits(text.to_owned()));
        }
        let international = text.trim_start().starts_with('+');
        // Neither the international prefix (00) nor a national trunk prefix (the 0 of
        // 020 7946 0123) is part of the number's E.164 form; a short text is last digits,
        // whose leading 0 matters.
        let digits = match digits.strip_prefix("00") {
            Some(rest) if !international && !rest.is_empty() => rest,
            _ if !international && digits.len() >= 9 => digits.strip_prefix('0').unwrap_or(&digits),
            _ => &digits,
        };
        Ok(Self {
            reversed: digits.chars().rev().collect(),
        })
    }

    /// The stored reversed digits that match are those from this…
    pub fn from_reversed(&self) -> &str {
        &self.reversed
    }

    /// …up to (not including) this, which is absent when the digits are all nines.
    pub fn until_reversed(&self) -> Option<String> {
        let mut bytes = self.reversed.clone().into_bytes();
        while let Some(last) = bytes.pop() {
            if last < b'9' {
                bytes.push(last + 1);
                return String::from_utf8(bytes).ok();
            }
        }
        None
    }
}

#[cfg(test)]
mod search_tests {
    use super::*;

    fn matches(search: &str, stored: &str) -> bool {
        let s = NumberSearch::parse(search).unwrap();
        let r = digits_reversed(stored);
        r.as_str() >= s.from_reversed() && s.until_reversed().is_none_or(|u| r < u)
    }

    #[test]
    fn a_number_is_found_however_it_is_written() {
        for typed in [
            "+19175550142",
            "+1 917 555 0142",
            "(917) 555-0142",
            "917.555.0142",
            "1 917 555 0142",
            "0142",
            "142",
        ] {
            assert!(matches(typed, "+19175550142"), "{typed}");
        }
        for typed in ["020 7946 0123", "0044 20 7946 0123", "+44 20 7946 0123", "7946 0123"] {
            assert!(matches(typed, "+442079460123"), "{typed}");
        }
    }

    #[test]
    fn other_numbers_are_not() {
        for (typed, stored) in [
            ("0142", "+19175550143"),
            ("917 555 0142", "+19175551142"),
            ("+1 917 555 0142", "+9175550142"),
            ("0142", "+19175551420"),
        ] {
            assert!(!matches(typed, stored), "{typed} found {stored}");
        }
    }

    #[test]
    fn the_range_ends_after_the_last_digit_that_can_grow() {
        let s = NumberSearch::parse("1 9 9").unwrap();
        assert_eq!(s.from_reversed(), "991");
        assert_eq!(s.until_reversed().as_deref(), Some("992"));
        assert_eq!(
            NumberSearch::parse("919").unwrap().until_reversed().as_deref(),
            Some("92")
        );
        assert_eq!(NumberSearch::parse("99").unwrap().until_reversed(), None);
    }

    #[test]
    fn text_without_digits_is_refused_in_words() {
        let e = NumberSearch::parse("John").unwrap_err();
        assert!(e.to_string().contains("digits"), "{e}");
    }
}

/// Masks all but the last four characters, so logs can tell calls apart without
/// holding callers' numbers.
pub fn mask(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    let keep = chars.len().saturating_sub(4);
    chars
        .iter()
        .enumerate()
        .map(|(i, c)| if i < keep && c.is_ascii_digit() { '•' } else { *c })
        .collect()
}

/// Masks every phone number inside a text, such as an alert body written to the log:
/// `+15557654321` as people's systems write it and `(555) 765-4321` or `555.765.4321` as
/// people do, each to its last four digits. A number is 7 to 15 digits in groups joined by
/// one space, dash or dot (or a closing bracket and a space), not touching letters: ids and
/// link secrets keep their digits.
pub fn mask_all(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let after_word = i > 0 && chars[i - 1].is_alphanumeric();
        let end = if after_word { None } else { number_end(&chars, i) };
        let Some(end) = end.filter(|&end| !chars.get(end).is_some_and(|c| c.is_alphanumeric())) else {
            out.push(chars[i]);
            i += 1;
            continue;
        };
        let run = &chars[i..end];
        let mut hidden = run.iter().filter(|c| c.is_ascii_digit()).count() - 4;
        for &c in run {
            if c.is_ascii_digit() && hidden > 0 {
                out.push('•');
                hidden -= 1;
            } else {
                out.push(c);
            }
        }
        i = end;
    }
    out
}

/// Where the phone number starting at `start` ends, when one does.
fn number_end(chars: &[char], start: usize) -> Option<usize> {
    let digit_at = |k: usize| chars.get(k).is_some_and(char::is_ascii_digit);
    let mut j = start + usize::from(matches!(chars[start], '+' | '('));
    let mut digits = 0;
    loop {
        while digit_at(j) {
            digits += 1;
            j += 1;
        }
        let gap = match chars.get(j) {
            Some(' ' | '-' | '.') => 1,
            Some(')') if chars.get(j + 1) == Some(&' ') => 2,
            Some(')') => 1,
            _ => 0,
        };
        if gap == 0 || !digit_at(j + gap) {
            break;
        }
        j += gap;
    }
    (7..=15).contains(&digits).then_some(j)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers_are_accepted_as_given() {
        for n in ["+12125550100", "+442071838750", "+61293744000"] {
            assert_eq!(E164::parse(n).unwrap().as_str(), n);
        }
    }

    #[test]
    fn numbers_that_are_not_e164_are_refused() {
        for n in [
            "2125550100",
            "+1 212 555 0100",
            "+1-212-555-0100",
            "",
            "+",
            "+1212555010a",
        ] {
            assert!(matches!(E164::parse(n), Err(PhoneError::NotE164(_))), "{n}");
        }
    }

    #[test]
    fn numbers_that_cannot_exist_are_refused() {
        assert!(E164::parse("+10005550100").is_err());
        assert!(E164::parse("+999123").is_err());
    }

    #[test]
    fn masking_keeps_only_the_last_four_digits() {
        assert_eq!(mask("+12125550100"), "+•••••••0100");
        assert_eq!(mask("anonymous"), "anonymous");
    }

    #[test]
    fn numbers_inside_text_are_masked() {
        assert_eq!(
            mask_all("Voicemail from +15557654321 (12 s) +1"),
            "Voicemail from +•••••••4321 (12 s) +1"
        );
        assert_eq!(
            mask_all("Missed call from (555) 765-4321 at 9:05 AM, or 555.765.4321 / +44 20 7946 0123."),
            "Missed call from (•••) •••-4321 at 9:05 AM, or •••.•••.4321 / +•• •• •••• 0123."
        );
        assert_eq!(
            mask_all("Call CA1234567890 at /l/ab12345678cd, 12 s"),
            "Call CA1234567890 at /l/ab12345678cd, 12 s",
            "digits inside ids and links are not numbers"
        );
    }
}

/// What libphonenumber knows of a number as people write it: valid or not (and why not),
/// possible (its length fits the country), its forms, country and type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Validation {
    pub valid: bool,
    /// Why it is not valid, in words; absent when valid.
    pub reason: Option<String>,
    /// Its length fits numbers of its country (a valid number is always possible).
    pub possible: bool,
    /// Absent when it could not be read as a number at all.
    pub e164: Option<String>,
    pub national: Option<String>,
    pub international: Option<String>,
    /// ISO 3166 country code, e.g. `US`.
    pub country: Option<String>,
    pub country_code: Option<u16>,
    /// `mobile`, `fixed_line`, `fixed_line_or_mobile` (where the two cannot be told apart, as
    /// in the US), `toll_free`, `premium_rate`, `shared_cost`, `voip`, `personal_number`,
    /// `pager`, `uan`, `voicemail`, … or `unknown`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// Checks `text` (E.164, or national in `default_country`, e.g. `US`), saying why a number
/// is not valid rather than failing.
pub fn validate(text: &str, default_country: Option<&str>) -> Validation {
    let invalid = |reason: String| Validation {
        valid: false,
        reason: Some(reason),
        possible: false,
        e164: None,
        national: None,
        international: None,
        country: None,
        country_code: None,
        kind: "unknown".into(),
    };
    let country = match default_country.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => match c.to_ascii_uppercase().parse::<phonenumber::country::Id>() {
            Ok(id) => Some(id),
            Err(_) => return invalid(format!("`{c}` is not a country code like US or GB")),
        },
        None => None,
    };
    let number = match phonenumber::parse(country, text.trim()) {
        Ok(n) => n,
        Err(e) => {
            let reason = match e {
                phonenumber::ParseError::InvalidCountryCode if country.is_none() && !text.trim_start().starts_with('+') => {
                    "a national number needs its country (e.g. \"country\": \"US\"), or write it with + and the country code".to_owned()
                }
                phonenumber::ParseError::InvalidCountryCode => "no country has this country code".to_owned(),
                phonenumber::ParseError::TooShortAfterIdd | phonenumber::ParseError::TooShortNsn => {
                    "too short for a phone number".to_owned()
                }
                phonenumber::ParseError::TooLong => "too long for a phone number".to_owned(),
                phonenumber::ParseError::NoNumber | phonenumber::ParseError::MalformedInteger(_) => {
                    "this is not a phone number".to_owned()
                }
            };
            return invalid(reason);
        }
    };
    let code = number.code().value();
    let national_digits = number.national().to_string().len();
    let possible = phonenumber::metadata::DATABASE.by_code(&code).is_some_and(|regions| {
        regions.iter().any(|m| {
            let general = m.descriptors().general();
            u16::try_from(national_digits)
                .is_ok_and(|n| general.possible_length().contains(&n) || general.possible_local_length().contains(&n))
        })
    });
    let valid = number.is_valid();
    let kind = format!("{:?}", number.number_type(&phonenumber::metadata::DATABASE));
    let reason = (!valid).then(|| {
        if possible {
            "no number of this country is numbered like this (libphonenumber knows no such range)".to_owned()
        } else {
            format!(
                "{national_digits} digits after the country code +{code}: no number of that country has this length"
            )
        }
    });
    Validation {
        valid,
        reason,
        possible: possible || valid,
        e164: Some(number.format().mode(phonenumber::Mode::E164).to_string()),
        national: Some(number.format().mode(phonenumber::Mode::National).to_string()),
        international: Some(number.format().mode(phonenumber::Mode::International).to_string()),
        country: number.country().id().map(|c| format!("{c:?}")),
        country_code: Some(code),
        kind: snake_case(&kind),
    }
}

/// `FixedLineOrMobile` → `fixed_line_or_mobile`.
fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `number` as people near `home` (a business number) write it: in national form when both
/// are of one country (`(917) 555-0142`), else in international form (`+44 20 7946 0123`);
/// as given when it is not a number (an anonymous caller's `Anonymous`, say).
pub fn written(number: &str, home: &str) -> String {
    let Ok(parsed) = phonenumber::parse(None, number) else {
        return number.to_owned();
    };
    let home_country = phonenumber::parse(None, home).ok().and_then(|h| h.country().id());
    let mode = if home_country.is_some() && home_country == parsed.country().id() {
        phonenumber::Mode::National
    } else {
        phonenumber::Mode::International
    };
    parsed.format().mode(mode).to_string()
}

/// `text`, a number as people near `home` (a business number) write it (`(917) 555-0142`,
/// `917.555.0142`, `+44 20 7946 0123`), in E.164: the reverse of [`written`].
///
/// # Errors
/// When the text is not a number that can exist.
pub fn read(text: &str, home: &str) -> Result<E164, PhoneError> {
    let home_country = phonenumber::parse(None, home).ok().and_then(|h| h.country().id());
    let number = phonenumber::parse(home_country, text.trim()).map_err(|_| PhoneError::Invalid(text.to_owned()))?;
    if !number.is_valid() {
        return Err(PhoneError::Invalid(text.to_owned()));
    }
    E164::parse(&number.format().mode(phonenumber::Mode::E164).to_string())
}

#[cfg(test)]
mod normalize_tests {
    use super::*;

    #[test]
    fn numbers_are_written_nationally_at_home_and_internationally_abroad() {
        assert_eq!(written("+19175550142", "+12125550100"), "(917) 555-0142");
        assert_eq!(written("+442079460123", "+12125550100"), "+44 20 7946 0123");
        assert_eq!(written("+442079460123", "+442079460124"), "020 7946 0123");
        assert_eq!(written("Anonymous", "+12125550100"), "Anonymous");
    }

    #[test]
    fn numbers_are_read_as_people_near_the_business_write_them() {
        for typed in [
            "(917) 555-0142",
            "917.555.0142",
            "1 917 555 0142",
            "+1 917 555 0142",
            "+19175550142",
        ] {
            assert_eq!(read(typed, "+12125550100").unwrap().as_str(), "+19175550142", "{typed}");
        }
        assert_eq!(
            read("020 7946 0123", "+442079460124").unwrap().as_str(),
            "+442079460123"
        );
        assert_eq!(
            read("+44 20 7946 0123", "+12125550100").unwrap().as_str(),
            "+442079460123"
        );
        assert!(read("555", "+12125550100").is_err());
        assert!(read("call me", "+12125550100").is_err());
    }

    #[test]
    fn national_numbers_become_e164_with_their_country() {
        let n = validate("(212) 555-0111", Some("us"));
        assert_eq!(n.e164.as_deref(), Some("+12125550111"));
        assert_eq!(n.national.as_deref(), Some("(212) 555-0111"));
        assert_eq!(n.international.as_deref(), Some("+1 212-555-0111"));
        assert_eq!(n.country.as_deref(), Some("US"));
        assert_eq!(n.country_code, Some(1));
        assert_eq!(
            validate("020 7946 0123", Some("GB")).e164.as_deref(),
            Some("+442079460123")
        );
    }

    #[test]
    fn a_validation_gives_the_type_and_says_why_a_number_is_not_valid() {
        let uk_mobile = validate("07400 123456", Some("GB"));
        assert!(uk_mobile.valid && uk_mobile.possible, "{uk_mobile:?}");
        assert_eq!(uk_mobile.kind, "mobile");
        assert_eq!(uk_mobile.e164.as_deref(), Some("+447400123456"));
        assert_eq!(uk_mobile.country.as_deref(), Some("GB"));
        assert_eq!(validate("+18005550100", None).kind, "toll_free");
        assert_eq!(validate("+12125550111", None).kind, "fixed_line_or_mobile");
        let short = validate("+1212555", None);
        assert!(!short.valid && !short.possible, "{short:?}");
        assert!(short.reason.unwrap().contains("length"));
        let unassigned = validate("+10005550100", None);
        assert!(!unassigned.valid, "{unassigned:?}");
        assert!(unassigned.reason.is_some());
        let national = validate("212 555 0111", None);
        assert!(national.reason.as_deref().unwrap().contains("country"), "{national:?}");
        assert!(!validate("call me", None).valid);
        assert!(validate("2125550111", Some("XX")).reason.unwrap().contains("XX"));
    }

    #[test]
    fn unknown_countries_and_impossible_numbers_are_not_valid() {
        assert!(!validate("555", Some("US")).valid);
        assert!(!validate("2125550111", Some("XX")).valid);
        assert!(!validate("2125550111", None).valid);
    }
}
