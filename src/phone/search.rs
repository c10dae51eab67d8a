//! Looking numbers up as people type them, or by their last digits.

use super::PhoneError;

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
