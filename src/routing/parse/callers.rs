//! Lists of callers: `[block]`, `[vip]` and `[sticky]`, and callers' numbers as people write them.

use std::collections::HashSet;

use toml::Spanned;

use super::routes::{option_base, route};
use super::{spoken, Report};
use crate::ids::AssistantId;
use crate::phone::E164;
use crate::routing::raw::{RawBlock, RawRoute, RawSticky};
use crate::routing::rules::{Assistant, Block, BlockAnswer, Route, Spoken, Sticky, Vip};

/// A caller's number as people write it (`(917) 555-0142`, `+44 20 7946 0123`), read
/// for the country of the business number `home`, in E.164.
pub(super) fn caller_number(text: &Spanned<String>, home: Option<&E164>, r: &mut Report<'_>) -> Option<E164> {
    let read = match home {
        Some(home) => crate::phone::read(text.get_ref(), home.as_str()),
        None => E164::parse(text.get_ref()),
    };
    read.map_err(|_| {
        r.at(
            text.span(),
            format!(
                "`{}` is not a phone number (write it as (917) 555-0142, or +44 20 7946 0123 abroad)",
                text.get_ref()
            ),
        );
    })
    .ok()
}

fn caller_numbers(list: &[Spanned<String>], home: Option<&E164>, r: &mut Report<'_>) -> Vec<E164> {
    let mut numbers: Vec<E164> = Vec::with_capacity(list.len());
    for text in list {
        if let Some(n) = caller_number(text, home, r) {
            if numbers.contains(&n) {
                r.at(text.span(), format!("{n} is listed twice"));
            } else {
                numbers.push(n);
            }
        }
    }
    numbers
}

const BLOCKED_MESSAGE: &str = "Sorry, we cannot take your call. Goodbye.";

pub(super) fn block(raw: Spanned<RawBlock>, home: Option<&E164>, r: &mut Report<'_>) -> Block {
    let span = raw.span();
    let raw = raw.into_inner();
    if raw.numbers.is_empty() {
        r.at(
            span.clone(),
            "[block] lists no numbers: add the callers to block, or remove it",
        );
    }
    let numbers = caller_numbers(&raw.numbers, home, r);
    let answer = match (raw.reject, raw.message) {
        (true, Some(m)) => {
            r.at(
                m.span(),
                "a blocked call is either rejected or hears the message, not both: remove `message` or `reject`",
            );
            BlockAnswer::Reject
        }
        (true, None) => BlockAnswer::Reject,
        (false, Some(m)) => BlockAnswer::Message(spoken(
            m,
            "the message is empty: write what blocked callers hear, or set reject = true",
            r,
        )),
        (false, None) => BlockAnswer::Message(Spoken::Say(BLOCKED_MESSAGE.into())),
    };
    Block { numbers, answer }
}

pub(super) fn vip(
    raw: Spanned<RawRoute>,
    open: &Route,
    all: &[Assistant],
    known: &HashSet<&AssistantId>,
    home: Option<&E164>,
    r: &mut Report<'_>,
) -> Vip {
    let span = raw.span();
    let mut raw = raw.into_inner();
    let numbers = match raw.numbers.take() {
        Some(list) if !list.is_empty() => caller_numbers(&list, home, r),
        _ => {
            r.at(span, "[vip] needs `numbers`: the callers who take this route");
            Vec::new()
        }
    };
    Vip {
        numbers,
        route: route(raw, &option_base(open), all, known, r),
    }
}

pub(super) fn sticky(raw: &Spanned<RawSticky>, r: &mut Report<'_>) -> Sticky {
    let days = *raw.get_ref().days.get_ref();
    if !(1..=365).contains(&days) {
        r.at(
            raw.get_ref().days.span(),
            format!("sticky days must be between 1 and 365, not {days}"),
        );
    }
    Sticky { days }
}
