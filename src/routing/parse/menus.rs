//! `[menu]` and `[menus.NAME]`: the prompts, their options (a route, another menu, a
//! language) and what happens when the caller does not choose. Menus that open each other
//! in a circle, or too deep, are refused here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;

use toml::Spanned;

use super::routes::{option_base, route};
use super::{spoken, Report, Spans};
use crate::ids::AssistantId;
use crate::routing::raw::RawMenu;
use crate::routing::rules::{Assistant, Menu, MenuId, MenuInput, MenuOption, Route, RouteKey, MAX_MENU_DEPTH};

/// What every menu's options are read against.
pub(super) struct Context<'a> {
    pub open: &'a Route,
    pub all: &'a [Assistant],
    pub known: &'a HashSet<&'a AssistantId>,
    /// `[menus.NAME]` by name.
    pub ids: &'a HashMap<String, MenuId>,
    /// The languages an option may choose: the file's own and each `[languages.CODE]`.
    pub languages: &'a [&'a str],
}

/// The id each `[menus.NAME]` gets: its place in name order, from 1.
pub(super) fn ids(named: &BTreeMap<Spanned<String>, Spanned<RawMenu>>, r: &mut Report<'_>) -> HashMap<String, MenuId> {
    let mut ids = HashMap::new();
    for (i, name) in named.keys().enumerate() {
        match u8::try_from(i + 1) {
            Ok(n) => {
                ids.insert(name.get_ref().clone(), MenuId(n));
            }
            Err(_) => r.at(name.span(), "a file has at most 254 [menus]"),
        }
    }
    ids
}

/// `[menu]` and the `[menus.NAME]` in id order.
pub(super) fn menus(
    top: Option<Spanned<RawMenu>>,
    named: BTreeMap<Spanned<String>, Spanned<RawMenu>>,
    cx: &Context<'_>,
    spans: &mut Spans,
    r: &mut Report<'_>,
) -> (Option<Menu>, Vec<Menu>) {
    let mut opens = Vec::new();
    let mut where_named = HashMap::new();
    if let (None, Some(first)) = (&top, named.keys().next()) {
        r.at(
            first.span(),
            format!(
                "[menus.{}] is never heard: there is no [menu] to open it from",
                first.get_ref()
            ),
        );
    }
    let first = top.map(|m| menu(m, MenuId::TOP, None, cx, &mut opens, spans, r));
    let mut submenus = Vec::with_capacity(named.len());
    for (name, raw) in named {
        let Some(&id) = cx.ids.get(name.get_ref()) else {
            continue;
        };
        where_named.insert(id, name.span());
        submenus.push(menu(raw, id, Some(name.into_inner()), cx, &mut opens, spans, r));
    }
    if first.is_some() {
        check_paths(&opens, &where_named, cx.ids, r);
    }
    (first, submenus)
}

/// An option's `menu = "NAME"`: from which menu, to which, where it is written.
struct Opens {
    from: MenuId,
    to: MenuId,
    span: Range<usize>,
}

fn menu(
    raw: Spanned<RawMenu>,
    id: MenuId,
    name: Option<String>,
    cx: &Context<'_>,
    opens: &mut Vec<Opens>,
    spans: &mut Spans,
    r: &mut Report<'_>,
) -> Menu {
    let raw = raw.into_inner();
    let options: Vec<MenuOption> = raw
        .options
        .into_iter()
        .filter_map(|(key, option)| {
            let digit = single_digit(&key, r)?;
            Some(menu_option(
                digit,
                key.span(),
                option.into_inner(),
                id,
                cx,
                opens,
                spans,
                r,
            ))
        })
        .collect();
    let default = raw.default.as_ref().and_then(|d| {
        let digit = single_digit(d, r)?;
        match options.iter().find(|o| o.digit == digit) {
            None => r.at(d.span(), format!("menu default `{digit}` is not one of the options")),
            Some(o) if o.opens.is_some() => r.at(
                d.span(),
                format!("menu default `{digit}` opens a menu: the default must be an option that rings someone"),
            ),
            Some(_) => {}
        }
        Some(digit)
    });
    Menu {
        name,
        prompt: spoken(raw.prompt, "the menu prompt is empty: callers would hear nothing", r),
        input: raw.input.unwrap_or_else(|| vec![MenuInput::Dtmf]),
        timeout_seconds: raw.timeout_seconds.unwrap_or(5),
        retries: raw.retries.unwrap_or(1),
        options,
        default,
    }
}

#[allow(clippy::too_many_arguments)]
fn menu_option(
    digit: char,
    span: Range<usize>,
    mut option: crate::routing::raw::RawRoute,
    id: MenuId,
    cx: &Context<'_>,
    opens: &mut Vec<Opens>,
    spans: &mut Spans,
    r: &mut Report<'_>,
) -> MenuOption {
    let speech = option.speech.clone().unwrap_or_default();
    let language = option.language.take().map(|code| {
        if !cx.languages.contains(&code.get_ref().as_str()) {
            r.at(
                code.span(),
                format!(
                    "no [languages.{0}]: add one with what callers hear in {0}",
                    code.get_ref()
                ),
            );
        }
        code.into_inner()
    });
    let rings = option.strategy.is_some() || option.assistants.is_some() || option.then.is_some();
    let opened = match option.menu.take() {
        Some(target) => {
            if rings {
                r.at(
                    span.clone(),
                    format!("option {digit} opens a menu, so it rings nobody itself: remove `strategy`, `assistants` and `then`"),
                );
            }
            match cx.ids.get(target.get_ref()) {
                Some(&to) => {
                    opens.push(Opens {
                        from: id,
                        to,
                        span: target.span(),
                    });
                    Some(to)
                }
                None => {
                    r.at(
                        target.span(),
                        format!("no [menus.{}] for option {digit} to open", target.get_ref()),
                    );
                    None
                }
            }
        }
        // Choosing a language alone hears the same menu again, in that language.
        None if language.is_some() && !rings => Some(id),
        None => None,
    };
    if opened.is_none() {
        spans.routes.insert(RouteKey::Option(id, digit), span);
    }
    MenuOption {
        digit,
        speech,
        route: route(option, &option_base(cx.open), cx.all, cx.known, r),
        opens: opened,
        language,
    }
}

/// Refuses menus that open each other in a circle (a caller could go round for ever),
/// menus deeper than [`MAX_MENU_DEPTH`], and menus no option opens.
fn check_paths(
    opens: &[Opens],
    where_named: &HashMap<MenuId, Range<usize>>,
    ids: &HashMap<String, MenuId>,
    r: &mut Report<'_>,
) {
    let name = |id: MenuId| {
        ids.iter()
            .find(|(_, v)| **v == id)
            .map_or_else(|| "menu".to_owned(), |(n, _)| format!("menus.{n}"))
    };
    let mut walk = Walk {
        opens,
        state: HashMap::new(),
        finished: Vec::new(),
        circles: Vec::new(),
    };
    walk.visit(MenuId::TOP);
    for edge in &walk.circles {
        r.at(
            edge.span.clone(),
            format!(
                "[{}] opens [{}], which leads back to it: a caller could go round for ever",
                name(edge.from),
                name(edge.to)
            ),
        );
    }
    if walk.circles.is_empty() {
        // Without circles, the menus in reverse finishing order are each after every
        // menu that opens them: the deepest way to each is known before it is left.
        let mut depth = HashMap::from([(MenuId::TOP, 1usize)]);
        for &at in walk.finished.iter().rev() {
            let here = depth.get(&at).copied().unwrap_or(1);
            for edge in opens.iter().filter(|e| e.from == at) {
                if here >= MAX_MENU_DEPTH {
                    r.at(
                        edge.span.clone(),
                        format!("menus go more than {MAX_MENU_DEPTH} deep here: callers lose their way; open fewer menus in turn"),
                    );
                }
                let d = depth.entry(edge.to).or_insert(0);
                *d = (*d).max(here + 1);
            }
        }
    }
    let mut unreached: Vec<_> = (where_named.iter())
        .filter(|(id, _)| !walk.state.contains_key(*id))
        .collect();
    unreached.sort_by_key(|(id, _)| **id);
    for (id, span) in unreached {
        r.at(
            span.clone(),
            format!("[{}] is never heard: no option opens it", name(*id)),
        );
    }
}

/// A depth-first walk of the menus from `[menu]`: each menu visited once.
struct Walk<'a> {
    opens: &'a [Opens],
    /// `false` while the menu's own options are being walked, `true` once done.
    state: HashMap<MenuId, bool>,
    finished: Vec<MenuId>,
    /// Options that open a menu still being walked: a way back.
    circles: Vec<&'a Opens>,
}

impl<'a> Walk<'a> {
    fn visit(&mut self, at: MenuId) {
        self.state.insert(at, false);
        for edge in self.opens.iter().filter(|e| e.from == at) {
            match self.state.get(&edge.to) {
                None => self.visit(edge.to),
                Some(false) => self.circles.push(edge),
                Some(true) => {}
            }
        }
        self.state.insert(at, true);
        self.finished.push(at);
    }
}

pub(super) fn single_digit(text: &Spanned<String>, r: &mut Report<'_>) -> Option<char> {
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
