//! `[languages.CODE]`: what callers hear in a language they may choose at a menu.

use std::collections::{BTreeMap, HashMap};

use toml::Spanned;

use super::{spoken, Report};
use crate::routing::raw::RawLanguage;
use crate::routing::rules::{Language, MenuId, QueueWords};

pub(super) fn languages(
    raw: BTreeMap<Spanned<String>, Spanned<RawLanguage>>,
    ids: &HashMap<String, MenuId>,
    has: Has,
    r: &mut Report<'_>,
) -> Vec<Language> {
    raw.into_iter()
        .map(|(code, table)| {
            if !is_code(code.get_ref()) {
                r.at(
                    code.span(),
                    format!("`{}` is not a language code like es-US or fr-CA", code.get_ref()),
                );
            }
            language(code.into_inner(), table, ids, has, r)
        })
        .collect()
}

/// What the file has for a language to translate.
#[derive(Debug, Clone, Copy)]
pub(super) struct Has {
    pub menu: bool,
    pub queue: bool,
}

fn language(
    code: String,
    table: Spanned<RawLanguage>,
    ids: &HashMap<String, MenuId>,
    has: Has,
    r: &mut Report<'_>,
) -> Language {
    let span = table.span();
    let raw = table.into_inner();
    let empty = "empty: write what callers hear in this language, or leave it out";
    let mut menus = Vec::new();
    if let Some(prompt) = raw.menu {
        if !has.menu {
            r.at(prompt.span(), "there is no [menu] to translate");
        }
        menus.push((MenuId::TOP, spoken(prompt, empty, r)));
    }
    for (name, prompt) in raw.menus {
        match ids.get(name.get_ref()) {
            Some(&id) => menus.push((id, spoken(prompt, empty, r))),
            None => r.at(
                name.span(),
                format!("there is no [menus.{}] to translate", name.get_ref()),
            ),
        }
    }
    let mut words = |text: Option<Spanned<String>>| {
        text.map(|t| {
            if t.get_ref().trim().is_empty() {
                r.at(t.span(), empty);
            }
            t.into_inner()
        })
    };
    let not_understood = words(raw.not_understood);
    let goodbye = words(raw.goodbye);
    let whisper = raw.whisper.map(|w| {
        if let Err(e) = crate::routing::templates::check(w.get_ref()) {
            r.at(w.span(), e.to_string());
        }
        w.into_inner()
    });
    let queue = raw.queue.map_or_else(QueueWords::default, |q| {
        if !has.queue {
            r.at(q.span(), "there is no [queue] to translate");
        }
        super::queue::words(q.into_inner(), r)
    });
    if raw.voice.as_ref().is_some_and(|v| v.trim().is_empty()) {
        r.at(span, "the voice is empty: name one of Twilio's voices, or leave it out");
    }
    Language {
        name: raw.name.unwrap_or_else(|| code.clone()),
        code,
        voice: raw.voice,
        menus,
        greeting: raw.greeting.map(|g| spoken(g, empty, r)),
        apology: raw.apology.map(|a| spoken(a, empty, r)),
        not_understood,
        goodbye,
        whisper,
        queue,
    }
}

/// A language tag as Twilio's `<Say language>` takes one: `es`, `es-US`, `cmn-CN`.
fn is_code(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}
