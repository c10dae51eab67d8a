//! A link in each alert that opens that one call for the assistant it was sent to, without
//! signing in: 128 random bits, of which only the SHA-256 is stored. It expires, can be
//! withdrawn, and opens nothing but its call.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;

use crate::admin::Actor;
use crate::rules::registry::Registry;
use crate::store::call_links::{self, LinkRow, NewLink};
use crate::store::StoreError;
use crate::twilio::webhooks::{Links, PATH_CALL_LINK};

/// Where the links point, and how long they work.
#[derive(Debug, Clone)]
pub struct CallLinks {
    pub links: Links,
    pub lifetime: chrono::Duration,
}

impl CallLinks {
    /// A new link to call `call_sid` for `assistant` of `client`, stored before it is sent.
    ///
    /// # Errors
    /// On database failure.
    pub async fn issue(
        &self,
        db: &impl ConnectionTrait,
        call_sid: &str,
        client: &str,
        assistant: &str,
        now: DateTime<Utc>,
    ) -> Result<String, StoreError> {
        let token = URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>());
        let link = NewLink {
            token: &token,
            call_sid,
            client,
            assistant,
            expires_at: now + self.lifetime,
        };
        call_links::create(db, &link, now).await?;
        Ok(self.links.call_link(&token))
    }
}

/// `text` with the secret of every call link in it left out, for the log.
pub fn hidden_in(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PATH_CALL_LINK) {
        let (before, after) = rest.split_at(at + PATH_CALL_LINK.len());
        out.push_str(before);
        let secret = after
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if secret > 0 {
            out.push('…');
        }
        rest = &after[secret..];
    }
    out.push_str(rest);
    out
}

/// A link that works, and who it speaks for.
#[derive(Debug, Clone)]
pub struct Opened {
    /// The link's secret, as given: the page's own links are built from it.
    pub token: String,
    pub link: LinkRow,
    /// The assistant, as the call's client: audited by name, sees only that client's.
    pub actor: Actor,
}

/// The call link `token` opens, or None when it is unknown, expired or withdrawn (which
/// the page does not tell apart).
///
/// # Errors
/// On database failure.
pub async fn open(
    db: &impl ConnectionTrait,
    registry: &Registry,
    token: &str,
    address: Option<String>,
    now: DateTime<Utc>,
) -> Result<Option<Opened>, StoreError> {
    let Some(link) = call_links::find_live(db, token, now).await? else {
        return Ok(None);
    };
    let name = registry
        .current(&link.client_id)
        .and_then(|l| {
            let rules = &l.rules;
            rules
                .assistants
                .iter()
                .find(|a| a.id.as_str() == link.assistant_id)
                .map(|a| a.name.clone())
        })
        .unwrap_or_else(|| link.assistant_id.clone());
    let actor = Actor {
        name,
        client: Some(link.client_id.clone()),
        address,
    };
    Ok(Some(Opened {
        token: token.to_owned(),
        link,
        actor,
    }))
}

#[cfg(test)]
mod tests {
    use super::hidden_in;

    #[test]
    fn the_secret_of_a_call_link_is_left_out_of_a_text() {
        assert_eq!(
            hidden_in("Voicemail from +1. Listen: https://sb.example.com/l/tEh4Bv58cl-yCedwLUhk_g now"),
            "Voicemail from +1. Listen: https://sb.example.com/l/… now"
        );
        assert_eq!(hidden_in("/l/a /l/b"), "/l/… /l/…");
        assert_eq!(hidden_in("no link /l/"), "no link /l/");
    }
}
