//! `[[tests]]`: the calls a rule file says how to route.

use std::collections::HashSet;

use chrono::NaiveDateTime;
use toml::Spanned;

use super::callers::caller_number;
use super::Report;
use crate::ids::AssistantId;
use crate::phone::E164;
use crate::routing::raw::{RawCase, RawDigits};
use crate::routing::rules::RuleCase;

pub(super) fn case(
    raw: &Spanned<RawCase>,
    known: &HashSet<&AssistantId>,
    languages: &[String],
    home: Option<&E164>,
    r: &mut Report<'_>,
) -> Option<RuleCase> {
    let c = raw.get_ref();
    let at = NaiveDateTime::parse_from_str(c.at.get_ref(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(c.at.get_ref(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| {
            r.at(
                c.at.span(),
                format!("`{}` is not a local time like 2026-12-25T10:00", c.at.get_ref()),
            )
        })
        .ok()?;
    let mut off_duty = Vec::new();
    for id in &c.off_duty {
        match AssistantId::parse(id.get_ref()) {
            Ok(aid) if known.contains(&aid) => off_duty.push(aid),
            _ => r.at(id.span(), format!("unknown assistant `{}`", id.get_ref())),
        }
    }
    let spoke_with = c
        .spoke_with
        .as_ref()
        .and_then(|id| match AssistantId::parse(id.get_ref()) {
            Ok(aid) if known.contains(&aid) => Some(aid),
            _ => {
                r.at(id.span(), format!("unknown assistant `{}`", id.get_ref()));
                None
            }
        });
    let digits = match c.digits.clone() {
        None => Vec::new(),
        Some(RawDigits::One(key)) => vec![key],
        Some(RawDigits::Each(keys)) => keys,
    };
    let language = c.language.as_ref().map(|code| {
        if !languages.contains(code.get_ref()) {
            r.at(
                code.span(),
                format!("no call can be in `{}`: the file has no such language", code.get_ref()),
            );
        }
        code.get_ref().clone()
    });
    let from = c.from.as_ref().and_then(|f| caller_number(f, home, r));
    let (line, _) = r.position(raw.span().start);
    Some(RuleCase {
        line,
        at,
        from,
        digits,
        language,
        off_duty,
        spoke_with,
        expect: c.expect.clone(),
    })
}
