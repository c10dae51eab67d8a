//! `[queue]`: what callers hear while they wait, how long they may, and the keys that
//! leave it for voicemail or a call back, how many Twilio holds at once; and its words in
//! `[languages.CODE.queue]`.

use std::ops::{Range, RangeInclusive};

use toml::Spanned;

use super::menus::single_digit;
use super::{spoken, Report};
use crate::routing::raw::{RawQueue, RawQueueWords, RawSpoken};
use crate::routing::rules::{CallbackRetries, Queue, QueueWords, Spoken, DEFAULT_QUEUE_WAIT_SECONDS};

const ANNOUNCE: (u32, RangeInclusive<u32>) = (60, 15..=600);
const MAX_WAIT: (u32, RangeInclusive<u32>) = (DEFAULT_QUEUE_WAIT_SECONDS, 30..=3600);
const ATTEMPTS: (u32, RangeInclusive<u32>) = (3, 1..=10);
const SPACING: (u32, RangeInclusive<u32>) = (300, 30..=86_400);
/// Twilio's default and largest `MaxSize` of a queue (the Queues resource).
const MAX_CALLERS: (u32, RangeInclusive<u32>) = (1000, 1..=5000);

pub(super) fn parse(raw: Spanned<RawQueue>, r: &mut Report<'_>) -> Queue {
    let span = raw.span();
    let mut raw = raw.into_inner();
    let words = words(raw.take_words(), r);
    let voicemail_key = raw.voicemail_key.as_ref().and_then(|k| single_digit(k, r));
    let callback_key = raw.callback_key.as_ref().and_then(|k| single_digit(k, r));
    if voicemail_key.is_some() && voicemail_key == callback_key {
        r.at(
            span,
            "voicemail_key and callback_key are the same key: give each its own",
        );
    }
    Queue {
        words,
        announce_seconds: within("announce_seconds", raw.announce_seconds.as_ref(), ANNOUNCE, r),
        max_wait_seconds: within("max_wait_seconds", raw.max_wait_seconds.as_ref(), MAX_WAIT, r),
        voicemail_key,
        callback_key,
        callback: CallbackRetries {
            attempts: within("callback_attempts", raw.callback_attempts.as_ref(), ATTEMPTS, r),
            spacing_seconds: within(
                "callback_spacing_seconds",
                raw.callback_spacing_seconds.as_ref(),
                SPACING,
                r,
            ),
        },
        max_callers: within("max_callers", raw.max_callers.as_ref(), MAX_CALLERS, r),
    }
}

/// The value given, refused with its line when outside `range`; the default when unset.
fn within(
    key: &str,
    value: Option<&Spanned<u32>>,
    (default, range): (u32, RangeInclusive<u32>),
    r: &mut Report<'_>,
) -> u32 {
    let Some(value) = value else { return default };
    let given = *value.get_ref();
    if !range.contains(&given) {
        r.at(
            value.span(),
            format!(
                "{key} must be between {} and {}, not {given}",
                range.start(),
                range.end()
            ),
        );
    }
    given
}

/// What each placeholder a phrase must have stands for, as a refusal explains it.
const REQUIRED: &[(&str, &str)] = &[
    ("position", "the caller's place in line"),
    ("minutes", "the estimated wait in minutes"),
];

/// The queue's words, each checked: not empty, a recording only where the words are the
/// same for every caller, and only the placeholders the phrase has (with those it needs).
pub(super) fn words(raw: RawQueueWords, r: &mut Report<'_>) -> QueueWords {
    const PLACE: &[&str] = &["position", "minutes"];
    const ASSISTANT: &[&str] = &["caller", "client"];
    QueueWords {
        hold: raw.hold.map(|h| same_for_all("hold", h, r)),
        announce: raw.announce.and_then(|a| per_caller("announce", a, PLACE, PLACE, r)),
        announce_next: (raw.announce_next).and_then(|a| per_caller("announce_next", a, &["minutes"], &[], r)),
        keys: raw.keys.map(|k| same_for_all("keys", k, r)),
        callback_promise: (raw.callback_promise).map(|c| same_for_all("callback_promise", c, r)),
        calling_back: (raw.calling_back).map(|c| text("calling_back", c.span(), c.into_inner(), ASSISTANT, &[], r)),
        offer_gone: (raw.offer_gone).map(|o| text("offer_gone", o.span(), o.into_inner(), ASSISTANT, &[], r)),
    }
}

/// Words or a recording, without placeholders.
fn same_for_all(name: &str, raw: Spanned<RawSpoken>, r: &mut Report<'_>) -> Spoken {
    let span = raw.span();
    let empty = format!("`{name}` is empty: write what callers hear, give {{ play = \"https://…\" }}, or leave it out");
    let said = spoken(raw, &empty, r);
    if let Spoken::Say(words) = &said {
        placeholders(name, words, span, &[], &[], r);
    }
    said
}

/// Words that change with each caller, so never a recording.
fn per_caller(
    name: &str,
    raw: Spanned<RawSpoken>,
    allowed: &[&str],
    required: &[&str],
    r: &mut Report<'_>,
) -> Option<String> {
    let span = raw.span();
    match raw.into_inner() {
        RawSpoken::Say(words) => Some(text(name, span, words, allowed, required, r)),
        RawSpoken::Play(_) => {
            let with = match required {
                [] => String::new(),
                _ => format!(" with {}", braced(required)),
            };
            r.at(
                span,
                format!("`{name}` changes with each caller: write it in words{with}, not a recording"),
            );
            None
        }
    }
}

fn text(
    name: &str,
    span: Range<usize>,
    words: String,
    allowed: &[&str],
    required: &[&str],
    r: &mut Report<'_>,
) -> String {
    if words.trim().is_empty() {
        r.at(
            span.clone(),
            format!("`{name}` is empty: write what is said, or leave it out"),
        );
    }
    placeholders(name, &words, span, allowed, required, r);
    words
}

/// Refuses a placeholder `name` does not have, and one it needs but lacks.
fn placeholders(name: &str, words: &str, span: Range<usize>, allowed: &[&str], required: &[&str], r: &mut Report<'_>) {
    let found = match crate::routing::templates::variables(words) {
        Ok(found) => found,
        Err(e) => return r.at(span, format!("`{name}`: {e}")),
    };
    for unknown in found.iter().filter(|f| !allowed.contains(&f.as_str())) {
        let may = match allowed {
            [] => "it has none".to_owned(),
            _ => format!("it may have {}", braced(allowed)),
        };
        r.at(
            span.clone(),
            format!("`{name}` has no placeholder {{{unknown}}}: {may}"),
        );
    }
    for missing in required.iter().filter(|p| !found.iter().any(|f| f == *p)) {
        let means = (REQUIRED.iter().find(|(p, _)| p == missing)).map_or("", |(_, m)| m);
        r.at(span.clone(), format!("`{name}` must say {{{missing}}}, {means}"));
    }
}

/// `{position} and {minutes}`.
fn braced(names: &[&str]) -> String {
    let written: Vec<String> = names.iter().map(|p| format!("{{{p}}}")).collect();
    written.join(" and ")
}
