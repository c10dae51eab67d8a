//! The identifiers of clients and assistants, parsed once at the edge (rule files, the admin
//! API) so the rest of the code can trust them.
//!
//! Their own module rather than `phone`'s: they are not phone numbers, and `routing`, `store`
//! and `admin` all use them, so they sit below every folder.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Declares a string identifier newtype made of lowercase letters, digits, `-` and `_`,
/// so ids can travel in URLs and file names without escaping. Shared (`Arc<str>`) like
/// numbers: every decision hands them to its dial targets.
macro_rules! slug_id {
    ($name:ident, $what:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Arc<str>);

        impl $name {
            /// # Errors
            /// When the id is empty, longer than 64 characters or has other characters
            /// than lowercase letters, digits, `-` and `_`.
            pub fn parse(text: &str) -> Result<Self, String> {
                let ok = !text.is_empty()
                    && text.len() <= 64
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
                if ok {
                    Ok(Self(text.into()))
                } else {
                    Err(format!(
                        "{} `{text}` must be 1-64 lowercase letters, digits, `-` or `_`",
                        $what
                    ))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> Self {
                value.0.to_string()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

slug_id!(ClientId, "client id");
slug_id!(AssistantId, "assistant id");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_url_safe_slugs() {
        assert!(ClientId::parse("acme-dental").is_ok());
        assert!(ClientId::parse("../etc").is_err());
        assert!(AssistantId::parse("Maria").is_err());
    }
}
