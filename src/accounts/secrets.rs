//! Encryption of the secrets kept in the database (the auth tokens of clients' own Twilio
//! accounts): AES-256-GCM under the key from `SWITCHBOARD_SECRET_KEY`.
//!
//! Owns the key and the stored form: base64 of nonce (96 random bits, new for every value) ||
//! ciphertext || tag. Each value is sealed for a context (the client it belongs to) that is
//! authenticated but not stored, so a value copied into another client's row does not open. A
//! plaintext leaves only as a `SecretString`; neither the key nor a plaintext ever reaches
//! `Debug` output or an error message.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use secrecy::zeroize::Zeroizing;
use secrecy::SecretString;

const KEY_BYTES: usize = 32;
const NONCE_BYTES: usize = 12;

/// The key from `SWITCHBOARD_SECRET_KEY`, parsed once. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct SecretKey(Aes256Gcm);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "SWITCHBOARD_SECRET_KEY must be 32 bytes, written as 64 hex digits or in base64 (`openssl rand -hex 32` makes one)"
)]
pub struct KeyError;

/// A stored value that does not open: damaged, moved to another row, or sealed under another key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a stored secret cannot be decrypted: SWITCHBOARD_SECRET_KEY is not the key it was stored with, or the value is damaged")]
pub struct OpenError;

impl SecretKey {
    /// 64 hex digits, or standard base64 of 32 bytes.
    ///
    /// # Errors
    /// [`KeyError`] for anything else; the message never repeats the value.
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let text = text.trim();
        let bytes = Zeroizing::new(match decode_hex(text) {
            Some(bytes) => bytes,
            None => STANDARD.decode(text).map_err(|_| KeyError)?,
        });
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|_| KeyError)?;
        Ok(Self(cipher))
    }

    /// Encrypts `plaintext` for `context` under a fresh random nonce.
    pub fn seal(&self, context: &str, plaintext: &str) -> String {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: context.as_bytes(),
        };
        // GCM refuses only messages over 64 GiB; request bodies are capped at 64 KiB.
        let sealed = (self.0.encrypt(&nonce, payload)).expect("a value under GCM's 64 GiB limit encrypts");
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        STANDARD.encode(stored)
    }

    /// Decrypts a value [`seal`](Self::seal) made for the same `context`.
    ///
    /// # Errors
    /// [`OpenError`] when it is not valid base64, was altered, was sealed for another context or
    /// under another key, or is not UTF-8.
    pub fn open(&self, context: &str, stored: &str) -> Result<SecretString, OpenError> {
        let bytes = STANDARD.decode(stored).map_err(|_| OpenError)?;
        if bytes.len() < NONCE_BYTES {
            return Err(OpenError);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let payload = Payload {
            msg: sealed,
            aad: context.as_bytes(),
        };
        let plain = Zeroizing::new(
            self.0
                .decrypt(Nonce::from_slice(nonce), payload)
                .map_err(|_| OpenError)?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| OpenError)?;
        Ok(SecretString::from(text))
    }
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != KEY_BYTES * 2 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const TOKEN: &str = "f3a9c1d2e4b5a6978877665544332211";

    fn key() -> SecretKey {
        SecretKey::parse(HEX).unwrap()
    }

    #[test]
    fn a_sealed_value_opens_to_the_same_text() {
        let stored = key().seal("acme-dental", TOKEN);
        assert_eq!(key().open("acme-dental", &stored).unwrap().expose_secret(), TOKEN);
    }

    #[test]
    fn the_stored_form_does_not_contain_the_plaintext() {
        let stored = key().seal("acme-dental", TOKEN);
        let raw = STANDARD.decode(&stored).unwrap();
        assert!(!stored.contains(TOKEN));
        assert!(!raw.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()));
        assert_eq!(raw.len(), NONCE_BYTES + TOKEN.len() + 16, "nonce || ciphertext || tag");
    }

    #[test]
    fn every_seal_uses_a_new_nonce() {
        let a = STANDARD.decode(key().seal("acme-dental", TOKEN)).unwrap();
        let b = STANDARD.decode(key().seal("acme-dental", TOKEN)).unwrap();
        assert_ne!(a[..NONCE_BYTES], b[..NONCE_BYTES]);
        assert_ne!(a, b);
    }

    #[test]
    fn a_tampered_value_does_not_open() {
        let stored = key().seal("acme-dental", TOKEN);
        let mut raw = STANDARD.decode(&stored).unwrap();
        for at in [0, NONCE_BYTES, raw.len() - 1] {
            raw[at] ^= 0x01;
            assert_eq!(
                key().open("acme-dental", &STANDARD.encode(&raw)).unwrap_err(),
                OpenError
            );
            raw[at] ^= 0x01;
        }
        assert_eq!(key().open("acme-dental", "not base64!").unwrap_err(), OpenError);
        assert_eq!(key().open("acme-dental", "AAAA").unwrap_err(), OpenError);
    }

    #[test]
    fn a_value_moved_to_another_client_does_not_open() {
        let stored = key().seal("acme-dental", TOKEN);
        assert_eq!(key().open("harbor-plumbing", &stored).unwrap_err(), OpenError);
    }

    #[test]
    fn another_key_does_not_open_it() {
        let other = SecretKey::parse(&HEX.replace("1f", "ff")).unwrap();
        assert_eq!(
            other
                .open("acme-dental", &key().seal("acme-dental", TOKEN))
                .unwrap_err(),
            OpenError
        );
    }

    #[test]
    fn the_key_may_be_hex_or_base64_of_32_bytes_and_nothing_else() {
        let bytes: Vec<u8> = (0..32).collect();
        let from_base64 = SecretKey::parse(&STANDARD.encode(&bytes)).unwrap();
        assert_eq!(
            from_base64.open("c", &key().seal("c", TOKEN)).unwrap().expose_secret(),
            TOKEN
        );
        assert!(SecretKey::parse(&HEX.to_uppercase()).is_ok());
        for bad in [
            "",
            "00",
            &HEX[2..],
            &format!("{HEX}00"),
            &STANDARD.encode([0u8; 16]),
            &HEX.replace('0', "g"),
        ] {
            assert_eq!(SecretKey::parse(bad).unwrap_err(), KeyError, "{bad:?}");
        }
    }

    #[test]
    fn neither_the_key_nor_its_errors_show_the_key() {
        let shown = format!(
            "{:?} {} {:?}",
            key(),
            KeyError,
            SecretKey::parse(&HEX[1..]).unwrap_err()
        );
        assert!(!shown.contains(&HEX[..16]), "{shown}");
        assert!(!shown.contains(&HEX[1..17]), "{shown}");
    }
}
