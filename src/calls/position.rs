//! Where a call is in its chain, carried in the callback URLs we give Twilio. Twilio
//! signs the full URL, so the state is tamper-proof, and any server process can answer
//! the next step without shared memory. Query parameters are always written in
//! alphabetical order (Twilio is reported to re-sort them before signing).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::ids::AssistantId;
use crate::routing::rules::MenuId;
use crate::routing::MenuChoice;

/// The decision's inputs that must stay fixed for the whole call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub client: String,
    pub version: i32,
    /// The instant the call was routed, so later steps use the same hours.
    pub at: DateTime<Utc>,
    /// The menu the caller is at (`menu`, left out for `[menu]`).
    pub at_menu: MenuId,
    pub menu: MenuChoice,
    /// The language a menu option chose (`lang`): every later step speaks it.
    pub language: Option<String>,
    pub rotation: u64,
    /// Who could not be rung when the chain was fixed. With the fields above they give
    /// back exactly that chain, whoever has become busy since.
    pub away: Vec<AssistantId>,
    /// The assistant who last answered this caller (`[sticky]`), looked up when the call
    /// came in, so a menu choice later rings them first without asking the database again.
    pub spoke_with: Option<AssistantId>,
    /// The plan index of the step this callback is about.
    pub step: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad call position in callback URL: {0}")]
pub struct PositionError(String);

impl Position {
    /// The query string (without `?`), keys in alphabetical order.
    pub fn to_query(&self) -> String {
        let (at, rotation, step, version) = (
            self.at.timestamp().to_string(),
            self.rotation.to_string(),
            self.step.to_string(),
            self.version.to_string(),
        );
        let menu = match self.menu {
            MenuChoice::NotAsked => None,
            MenuChoice::Retry { attempt } => Some(("attempt", attempt.to_string())),
            MenuChoice::Option(d) => Some(("option", d.to_string())),
            MenuChoice::Default => Some(("option", "default".to_owned())),
        };
        let away = self
            .away
            .iter()
            .map(AssistantId::as_str)
            .collect::<Vec<_>>()
            .join(AWAY_SEPARATOR);
        let at_menu = self.at_menu.0.to_string();
        let mut q = vec![("at", at.as_str()), ("client", self.client.as_str())];
        if !away.is_empty() {
            q.push(("away", away.as_str()));
        }
        q.extend(self.language.as_deref().map(|l| ("lang", l)));
        if self.at_menu != MenuId::TOP {
            q.push(("menu", at_menu.as_str()));
        }
        q.extend(menu.as_ref().map(|(k, v)| (*k, v.as_str())));
        q.push(("rr", rotation.as_str()));
        q.extend(self.spoke_with.as_ref().map(|a| ("spoke", a.as_str())));
        q.extend([("step", step.as_str()), ("version", version.as_str())]);
        q.sort_unstable_by_key(|(key, _)| *key);
        encode(&q)
    }

    /// # Errors
    /// When a field is missing or malformed.
    pub fn from_query(query: &BTreeMap<String, String>) -> Result<Self, PositionError> {
        let get = |k: &str| query.get(k).ok_or_else(|| PositionError(format!("missing `{k}`")));
        let num = |k: &str| -> Result<u64, PositionError> {
            get(k)?
                .parse()
                .map_err(|_| PositionError(format!("`{k}` is not a number")))
        };
        let at = i64::try_from(num("at")?)
            .ok()
            .and_then(|s| DateTime::from_timestamp(s, 0))
            .ok_or_else(|| PositionError("`at` is out of range".into()))?;
        let menu = match (query.get("option").map(String::as_str), query.get("attempt")) {
            (Some("default"), _) => MenuChoice::Default,
            (Some(d), _) if d.len() == 1 => MenuChoice::Option(d.chars().next().unwrap_or('0')),
            (Some(_), _) => return Err(PositionError("`option` must be one key".into())),
            (None, Some(_)) => MenuChoice::Retry {
                attempt: u32::try_from(num("attempt")?).unwrap_or(u32::MAX),
            },
            (None, None) => MenuChoice::NotAsked,
        };
        let away = match query.get("away") {
            None => Vec::new(),
            Some(ids) => ids
                .split(AWAY_SEPARATOR)
                .map(AssistantId::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| PositionError(format!("`away`: {e}")))?,
        };
        let at_menu = match query.get("menu") {
            None => MenuId::TOP,
            Some(m) => MenuId(
                m.parse()
                    .map_err(|_| PositionError("`menu` is not a menu number".into()))?,
            ),
        };
        let spoke_with = query
            .get("spoke")
            .map(|id| AssistantId::parse(id))
            .transpose()
            .map_err(|e| PositionError(format!("`spoke`: {e}")))?;
        Ok(Self {
            client: get("client")?.clone(),
            version: i32::try_from(num("version")?).map_err(|_| PositionError("`version` is too big".into()))?,
            at,
            at_menu,
            menu,
            language: query.get("lang").cloned(),
            rotation: num("rr")?,
            away,
            spoke_with,
            step: u32::try_from(num("step")?).map_err(|_| PositionError("`step` is too big".into()))?,
        })
    }
}

/// Assistant ids are lowercase letters, digits, `-` and `_`, so a dot needs no escaping.
const AWAY_SEPARATOR: &str = ".";

/// `key=value&…`, percent-encoded. The keys come in alphabetical order, so a position's
/// URL is spelled one way only.
pub fn encode(pairs: &[(&str, &str)]) -> String {
    debug_assert!(pairs.windows(2).all(|w| w[0].0 < w[1].0), "{pairs:?}");
    let mut out = url::form_urlencoded::Serializer::new(String::with_capacity(96));
    out.extend_pairs(pairs);
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn position(menu: MenuChoice) -> Position {
        Position {
            client: "acme-dental".into(),
            version: 3,
            at: DateTime::from_timestamp(1_790_000_000, 0).unwrap(),
            at_menu: MenuId::TOP,
            menu,
            language: None,
            rotation: 41,
            away: Vec::new(),
            spoke_with: None,
            step: 2,
        }
    }

    /// Reads a query back the way the signed-form extractor reads a callback's.
    fn read_back(query: &str) -> Position {
        let parsed: BTreeMap<String, String> = crate::twilio::form::form_pairs(query.as_bytes())
            .into_iter()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Position::from_query(&parsed).unwrap()
    }

    #[test]
    fn query_keys_are_in_alphabetical_order() {
        let q = position(MenuChoice::Option('2')).to_query();
        assert_eq!(q, "at=1790000000&client=acme-dental&option=2&rr=41&step=2&version=3");
    }

    #[test]
    fn every_menu_state_round_trips() {
        for menu in [
            MenuChoice::NotAsked,
            MenuChoice::Retry { attempt: 1 },
            MenuChoice::Option('#'),
            MenuChoice::Default,
        ] {
            let p = position(menu);
            assert_eq!(read_back(&p.to_query()), p);
        }
    }

    #[test]
    fn who_was_away_round_trips_in_one_readable_parameter() {
        let p = Position {
            away: vec![
                AssistantId::parse("ann").unwrap(),
                AssistantId::parse("dr-chen").unwrap(),
            ],
            ..position(MenuChoice::NotAsked)
        };
        let q = p.to_query();
        assert_eq!(
            q,
            "at=1790000000&away=ann.dr-chen&client=acme-dental&rr=41&step=2&version=3"
        );
        assert_eq!(read_back(&q), p);
    }

    #[test]
    fn the_assistant_the_caller_spoke_with_round_trips() {
        let p = Position {
            spoke_with: Some(AssistantId::parse("john").unwrap()),
            ..position(MenuChoice::Option('1'))
        };
        let q = p.to_query();
        assert_eq!(
            q,
            "at=1790000000&client=acme-dental&option=1&rr=41&spoke=john&step=2&version=3"
        );
        assert_eq!(read_back(&q), p);
    }

    #[test]
    fn the_menu_the_caller_is_at_and_their_language_round_trip() {
        let p = Position {
            at_menu: MenuId(2),
            language: Some("es-US".into()),
            ..position(MenuChoice::Retry { attempt: 1 })
        };
        let q = p.to_query();
        assert_eq!(
            q,
            "at=1790000000&attempt=1&client=acme-dental&lang=es-US&menu=2&rr=41&step=2&version=3"
        );
        assert_eq!(read_back(&q), p);
    }

    #[test]
    fn a_missing_field_is_an_error() {
        let parsed: BTreeMap<String, String> = [("client".to_owned(), "x".to_owned())].into();
        assert!(Position::from_query(&parsed).is_err());
    }
}
