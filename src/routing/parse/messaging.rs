//! `[alerts]`, `[templates]` and `[sms]`: what assistants are told and what texts answer.

use std::collections::HashSet;

use toml::Spanned;

use super::Report;
use crate::ids::AssistantId;
use crate::routing::raw::{RawAlerts, RawSms, RawSummary, RawTemplates};
use crate::routing::rules::{
    DailySummary, Messaging, Templates, DEFAULT_AUTO_REPLY_EVERY_HOURS, DEFAULT_HELP, DEFAULT_TRANSCRIPT_WAIT_SECONDS,
};

pub(super) fn messaging(
    alerts: RawAlerts,
    templates: RawTemplates,
    sms: RawSms,
    known: &HashSet<&AssistantId>,
    r: &mut Report<'_>,
) -> Messaging {
    let mut template = |given: Option<Spanned<String>>, default: String| match given {
        None => default,
        Some(text) => {
            if let Err(e) = crate::routing::templates::check(text.get_ref()) {
                r.at(text.span(), e.to_string());
            }
            text.into_inner()
        }
    };
    let d = Templates::default();
    let templates = Templates {
        voicemail: template(templates.voicemail, d.voicemail),
        voicemail_transcript: template(templates.voicemail_transcript, d.voicemail_transcript),
        transcript: template(templates.transcript, d.transcript),
        missed_call: template(templates.missed_call, d.missed_call),
    };
    let auto_reply = sms.auto_reply.map(|t| template(Some(t), String::new()));
    let auto_reply_closed = sms.auto_reply_closed.map(|t| template(Some(t), String::new()));
    let help = template(sms.help, DEFAULT_HELP.to_owned());
    let auto_reply_every_hours = sms.auto_reply_every_hours.map_or(DEFAULT_AUTO_REPLY_EVERY_HOURS, |h| {
        if *h.get_ref() > 24 * 365 {
            r.at(h.span(), "auto_reply_every_hours must be at most 8760 (a year)");
        }
        *h.get_ref()
    });
    let (opt_in_required, opt_in_keywords) = opt_in(sms.opt_in, sms.opt_in_keywords, r);
    let wait = alerts
        .transcript_wait_seconds
        .map_or(DEFAULT_TRANSCRIPT_WAIT_SECONDS, |w| {
            if *w.get_ref() > 600 {
                r.at(
                    w.span(),
                    "transcript_wait_seconds must be at most 600: alerts must not wait longer",
                );
            }
            *w.get_ref()
        });
    let daily_summary = alerts.daily_summary.and_then(|d| daily_summary(&d, known, r));
    Messaging {
        missed_call_alerts: alerts.missed_call.unwrap_or(false),
        transcript_wait_seconds: wait,
        templates,
        auto_reply,
        auto_reply_closed,
        auto_reply_every_hours,
        help,
        opt_in_required,
        opt_in_keywords,
        daily_summary,
    }
}

/// `[sms] opt_in` and `opt_in_keywords`: whether texts need a number's consent, and the
/// words that give it.
fn opt_in(mode: Option<Spanned<String>>, words: Vec<Spanned<String>>, r: &mut Report<'_>) -> (bool, Vec<String>) {
    let required = mode.is_some_and(|m| match m.get_ref().as_str() {
        "required" => true,
        "implied" => false,
        other => {
            r.at(
                m.span(),
                format!("opt_in must be \"required\" (text only numbers that opted in) or \"implied\" (text anyone who has not opted out), not `{other}`"),
            );
            false
        }
    });
    let mut keywords = Vec::new();
    for word in words {
        let upper = word.get_ref().trim().to_ascii_uppercase();
        if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_alphanumeric()) {
            r.at(
                word.span(),
                "an opt-in keyword is one word of letters and digits, texted alone",
            );
        } else {
            keywords.push(upper);
        }
    }
    (required, keywords)
}

fn daily_summary(raw: &Spanned<RawSummary>, known: &HashSet<&AssistantId>, r: &mut Report<'_>) -> Option<DailySummary> {
    let s = raw.get_ref();
    let at = chrono::NaiveTime::parse_from_str(s.at.get_ref(), "%H:%M")
        .map_err(|_| r.at(s.at.span(), format!("`{}` is not a time like 18:00", s.at.get_ref())))
        .ok();
    let mut to = Vec::new();
    for name in &s.to {
        match AssistantId::parse(name.get_ref()) {
            Ok(id) if known.contains(&id) => to.push(id),
            _ => r.at(
                name.span(),
                format!("unknown assistant `{}`: add it under [[assistants]]", name.get_ref()),
            ),
        }
    }
    if s.to.is_empty() {
        r.at(raw.span(), "name at least one assistant to send the daily summary to");
    }
    Some(DailySummary { at: at?, to })
}
