//! `[queue]`: what callers hear while they wait, how long they may, and the keys that
//! leave it for voicemail or a call back, and how many Twilio holds at once.

use std::ops::RangeInclusive;

use toml::Spanned;

use super::menus::single_digit;
use super::{spoken, Report};
use crate::routing::raw::RawQueue;
use crate::routing::rules::{CallbackRetries, Queue, DEFAULT_QUEUE_WAIT_SECONDS};

const ANNOUNCE: (u32, RangeInclusive<u32>) = (60, 15..=600);
const MAX_WAIT: (u32, RangeInclusive<u32>) = (DEFAULT_QUEUE_WAIT_SECONDS, 30..=3600);
const ATTEMPTS: (u32, RangeInclusive<u32>) = (3, 1..=10);
const SPACING: (u32, RangeInclusive<u32>) = (300, 30..=86_400);
/// Twilio's default and largest `MaxSize` of a queue (the Queues resource).
const MAX_CALLERS: (u32, RangeInclusive<u32>) = (1000, 1..=5000);

pub(super) fn parse(raw: Spanned<RawQueue>, r: &mut Report<'_>) -> Queue {
    let span = raw.span();
    let raw = raw.into_inner();
    let hold = spoken(
        raw.hold,
        "the hold message is empty: write what waiting callers hear, or give { play = \"https://…\" }",
        r,
    );
    let voicemail_key = raw.voicemail_key.as_ref().and_then(|k| single_digit(k, r));
    let callback_key = raw.callback_key.as_ref().and_then(|k| single_digit(k, r));
    if voicemail_key.is_some() && voicemail_key == callback_key {
        r.at(
            span,
            "voicemail_key and callback_key are the same key: give each its own",
        );
    }
    Queue {
        hold,
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
