//! Routes (who rings, how, and what comes after) and `[voicemail]`.

use std::collections::HashSet;

use toml::Spanned;

use super::{spoken, Report, DEFAULT_RING_SECONDS};
use crate::ids::AssistantId;
use crate::routing::raw::{RawRoute, RawVoicemail};
use crate::routing::rules::{Assistant, Notify, NotifyMode, Route, Voicemail};

/// What a route of its own (a menu option, `[vip]`) takes from `[open]` when unset.
pub(super) fn option_base(open: &Route) -> Route {
    Route {
        strategy: None,
        assistants: Vec::new(),
        then: Vec::new(),
        ..open.clone()
    }
}

pub(super) fn ring(value: Option<&Spanned<u32>>, r: &mut Report<'_>) -> u32 {
    let Some(value) = value else {
        return DEFAULT_RING_SECONDS;
    };
    let seconds = *value.get_ref();
    if !(crate::routing::rules::MIN_RING_SECONDS..=crate::routing::rules::MAX_RING_SECONDS).contains(&seconds) {
        r.at(
            value.span(),
            format!("ring_seconds must be between 5 and 600 (Twilio's limits), not {seconds}"),
        );
    }
    seconds
}

/// Builds a route; unset fields come from `base` (menu options inherit `[open]`).
pub(super) fn route(
    raw: RawRoute,
    base: &Route,
    all: &[Assistant],
    known: &HashSet<&AssistantId>,
    r: &mut Report<'_>,
) -> Route {
    let named: Option<Vec<AssistantId>> = raw.assistants.map(|list| {
        list.iter()
            .filter_map(|id| match AssistantId::parse(id.get_ref()) {
                Ok(aid) if known.contains(&aid) => Some(aid),
                Ok(aid) => {
                    r.at(
                        id.span(),
                        format!("unknown assistant `{aid}`: add it under [[assistants]]"),
                    );
                    None
                }
                Err(m) => {
                    r.at(id.span(), m);
                    None
                }
            })
            .collect()
    });
    // Ring in priority order whatever order the list was written in.
    let assistants = match (&raw.strategy, named) {
        (None, _) => Vec::new(),
        (Some(_), Some(named)) => all
            .iter()
            .filter(|a| named.contains(&a.id))
            .map(|a| a.id.clone())
            .collect(),
        (Some(_), None) => all.iter().map(|a| a.id.clone()).collect(),
    };
    Route {
        strategy: raw.strategy,
        assistants,
        ring_seconds: raw
            .ring_seconds
            .as_ref()
            .map_or(base.ring_seconds, |s| ring(Some(s), r)),
        screen: raw.screen.unwrap_or(base.screen),
        caller_id: raw.caller_id.unwrap_or(base.caller_id),
        record: raw.record.unwrap_or(base.record),
        then: raw.then.unwrap_or_default(),
    }
}

pub(super) fn voicemail(raw: Spanned<RawVoicemail>, known: &HashSet<&AssistantId>, r: &mut Report<'_>) -> Voicemail {
    let raw = raw.into_inner();
    let max_seconds = raw
        .max_seconds
        .as_ref()
        .map_or(crate::routing::rules::MAX_TRANSCRIBED_SECONDS, |s| *s.get_ref());
    if let Some(s) = &raw.max_seconds {
        if !(2..=3600).contains(&max_seconds) {
            r.at(
                s.span(),
                format!("max_seconds must be between 2 and 3600, not {max_seconds}"),
            );
        }
    }
    let greeting = spoken(
        raw.greeting,
        "the voicemail greeting is empty: callers would hear only a beep",
        r,
    );
    let notify = match raw.notify {
        None => Notify::Named(NotifyMode::All),
        Some(n) => {
            if let Notify::Only(ids) = n.get_ref() {
                for id in ids.iter().filter(|id| !known.contains(id)) {
                    r.at(n.span(), format!("voicemail notify names unknown assistant `{id}`"));
                }
            }
            n.into_inner()
        }
    };
    Voicemail {
        greeting,
        max_seconds,
        transcribe: raw.transcribe,
        notify,
    }
}
