//! `[[assistants]]`: who they are, their phone, their shifts, and how they are told.

use std::collections::HashSet;

use toml::Spanned;

use super::hours::hours;
use super::{phone, Report};
use crate::ids::AssistantId;
use crate::routing::raw::RawAssistant;
use crate::routing::rules::{Assistant, Channel};

/// The assistants with valid entries, and the ids of all of them: an assistant whose
/// phone is wrong is still known, so the routes naming it do not report it again.
pub(super) fn parse(raw: Vec<RawAssistant>, r: &mut Report<'_>) -> (Vec<Assistant>, HashSet<AssistantId>) {
    let mut known = HashSet::new();
    let mut list = Vec::new();
    for a in raw {
        let Ok(id) = AssistantId::parse(a.id.get_ref()).map_err(|m| r.at(a.id.span(), m)) else {
            continue;
        };
        if !known.insert(id.clone()) {
            r.at(a.id.span(), format!("assistant `{id}` is listed twice"));
        }
        let email = a.email.as_ref().and_then(|e| email(e, r));
        let alerts = alerts(a.alerts.as_ref(), a.email.is_some(), r);
        if let Some(phone) = phone(&a.phone, r) {
            list.push(Assistant {
                name: a.name.unwrap_or_else(|| id.to_string()),
                phone,
                id,
                priority: a.priority,
                screen: a.screen,
                shifts: a.shifts.as_ref().map(|h| hours(h, r)),
                email,
                alerts,
            });
        }
    }
    list.sort_by_key(|a| a.priority);
    (list, known)
}

/// An address as SMTP takes it (checked by lettre's own parser, which the sender uses).
fn email(text: &Spanned<String>, r: &mut Report<'_>) -> Option<String> {
    let address = text.get_ref().trim();
    match address.parse::<lettre::Address>() {
        Ok(_) => Some(address.to_owned()),
        Err(_) => {
            r.at(
                text.span(),
                format!("`{address}` is not an e-mail address (write it as name@example.com)"),
            );
            None
        }
    }
}

/// The channels an assistant is told by: texts unless the file says otherwise.
fn alerts(raw: Option<&Spanned<Vec<Channel>>>, has_email: bool, r: &mut Report<'_>) -> Vec<Channel> {
    let Some(raw) = raw else {
        return vec![Channel::Sms];
    };
    let mut channels = Vec::new();
    for c in raw.get_ref() {
        if !channels.contains(c) {
            channels.push(*c);
        }
    }
    if channels.contains(&Channel::Email) && !has_email {
        r.at(
            raw.span(),
            "alerts by e-mail need this assistant's address: add email = \"name@example.com\"",
        );
    }
    channels
}
