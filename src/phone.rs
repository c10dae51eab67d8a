//! Phone numbers, parsed once at the edge (rule files, webhooks) so the rest of the code can
//! trust them, normalised from what people type, and masked for logs and alerts.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

mod mask;
mod search;
mod validation;

pub use mask::{mask, mask_all};
pub use search::{digits_reversed, NumberSearch};
pub use validation::{validate, Validation};

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
