//! `[menu]`: the prompt, its options and what happens when the caller does not choose.

use std::collections::HashSet;

use toml::Spanned;

use super::routes::{option_base, route};
use super::{spoken, Report, Spans};
use crate::ids::AssistantId;
use crate::routing::raw::RawMenu;
use crate::routing::rules::{Assistant, Menu, MenuInput, MenuOption, Route, RouteKey};

pub(super) fn menu(
    raw: Spanned<RawMenu>,
    open: &Route,
    all: &[Assistant],
    known: &HashSet<&AssistantId>,
    spans: &mut Spans,
    r: &mut Report<'_>,
) -> Menu {
    let raw = raw.into_inner();
    let options: Vec<MenuOption> = raw
        .options
        .into_iter()
        .filter_map(|(key, option)| {
            let digit = single_digit(&key, r)?;
            spans.routes.insert(RouteKey::Option(digit), key.span());
            let option = option.into_inner();
            let speech = option.speech.clone().unwrap_or_default();
            Some(MenuOption {
                digit,
                speech,
                route: route(option, &option_base(open), all, known, r),
            })
        })
        .collect();
    let default = raw.default.as_ref().and_then(|d| {
        let digit = single_digit(d, r)?;
        if !options.iter().any(|o| o.digit == digit) {
            r.at(d.span(), format!("menu default `{digit}` is not one of the options"));
        }
        Some(digit)
    });
    Menu {
        prompt: spoken(raw.prompt, "the menu prompt is empty: callers would hear nothing", r),
        input: raw.input.unwrap_or_else(|| vec![MenuInput::Dtmf]),
        timeout_seconds: raw.timeout_seconds.unwrap_or(5),
        retries: raw.retries.unwrap_or(1),
        options,
        default,
    }
}

fn single_digit(text: &Spanned<String>, r: &mut Report<'_>) -> Option<char> {
    let mut chars = text.get_ref().chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if c.is_ascii_digit() || c == '*' || c == '#' => Some(c),
        _ => {
            r.at(
                text.span(),
                format!("menu keys are one key 0-9, * or #, not `{}`", text.get_ref()),
            );
            None
        }
    }
}
