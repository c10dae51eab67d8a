//! Rule files (TOML) → typed [`Rules`], with every problem reported at its line and
//! column. Shape errors come from the TOML reader; meaning errors (unknown assistants,
//! numbers that are not E.164, chains that end in silence…) from [`super::lint`].

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use toml::Spanned;

use super::lint;
use super::raw::{
    RawAlerts, RawBlock, RawCase, RawHours, RawMenu, RawRoute, RawRules, RawSms, RawSpoken, RawSticky, RawSummary,
    RawTemplates, RawVoicemail,
};
mod assistants;
mod queue;

pub(super) use super::report::Report;
pub use super::report::{RuleError, RuleErrors};
use super::rules::{
    Assistant, Block, BlockAnswer, CallerId, DailySummary, External, Menu, MenuInput, MenuOption, Messaging, Notify,
    NotifyMode, Route, RouteKey, RuleCase, Rules, Speech, Spoken, Sticky, Target, Templates, Vip, Voicemail,
    DEFAULT_AUTO_REPLY_EVERY_HOURS, DEFAULT_HELP, DEFAULT_TRANSCRIPT_WAIT_SECONDS,
};
use super::schedule::{Hours, Window};
use crate::ids::{AssistantId, ClientId};
use crate::phone::E164;

const DEFAULT_RING_SECONDS: u32 = 20;

/// Parses and validates one rule file.
///
/// # Errors
/// Every problem found, each at its line and column.
pub fn parse(source: &str) -> Result<Rules, RuleErrors> {
    let mut report = Report::new(source);
    let raw: RawRules = match toml::from_str(source) {
        Ok(raw) => raw,
        Err(e) => {
            report.at(e.span().unwrap_or(0..0), e.message());
            return report.finish(unreachable_rules());
        }
    };
    match build(raw, &mut report) {
        Some((rules, spans)) => {
            lint::check(&rules, &spans, &mut report);
            report.finish(rules)
        }
        None => report.finish(unreachable_rules()),
    }
}

/// `finish` needs a value to return even when errors make it unused; this keeps the
/// error paths from duplicating the collection logic.
fn unreachable_rules() -> Rules {
    Rules {
        client: ClientId::parse("invalid").expect("a valid literal id"),
        name: String::new(),
        numbers: Vec::new(),
        timezone: Tz::UTC,
        speech: Speech::default(),
        hours: Hours::default(),
        assistants: Vec::new(),
        open: empty_route(),
        after_hours: empty_route(),
        external: None,
        voicemail: None,
        queue: None,
        menu: None,
        block: None,
        vip: None,
        sticky: None,
        apology: Spoken::Say(APOLOGY.into()),
        messaging: messaging(
            RawAlerts::default(),
            RawTemplates::default(),
            RawSms::default(),
            &HashSet::new(),
            &mut Report::new(""),
        ),
        tests: Vec::new(),
    }
}

fn empty_route() -> Route {
    Route {
        strategy: None,
        assistants: Vec::new(),
        ring_seconds: DEFAULT_RING_SECONDS,
        screen: false,
        caller_id: CallerId::Caller,
        record: false,
        then: Vec::new(),
    }
}

/// Where the parts that lints talk about were written.
pub(super) struct Spans {
    pub routes: HashMap<RouteKey, Range<usize>>,
    pub voicemail: Option<Range<usize>>,
}

fn build(raw: RawRules, r: &mut Report<'_>) -> Option<(Rules, Spans)> {
    let client = ClientId::parse(raw.client.get_ref())
        .map_err(|m| r.at(raw.client.span(), m))
        .ok();
    let timezone = raw
        .timezone
        .get_ref()
        .parse::<Tz>()
        .map_err(|_| {
            let name = raw.timezone.get_ref();
            r.at(
                raw.timezone.span(),
                format!("unknown time zone `{name}` (use an IANA name such as America/New_York)"),
            );
        })
        .ok();
    if raw.numbers.get_ref().is_empty() {
        r.at(raw.numbers.span(), "a client needs at least one number");
    }
    let numbers: Vec<E164> = raw.numbers.get_ref().iter().filter_map(|n| phone(n, r)).collect();
    // Callers' numbers are read as people near the business write them.
    let home = numbers.first().cloned();
    let hours = hours(&raw.hours, r);
    let (assistants, known) = assistants::parse(raw.assistants, r);
    let known: HashSet<&AssistantId> = known.iter().collect();
    let mut spans = Spans {
        routes: HashMap::new(),
        voicemail: raw.voicemail.as_ref().map(Spanned::span),
    };
    let options = raw.menu.iter().flat_map(|m| m.get_ref().options.values());
    for top in std::iter::once(&raw.open).chain(&raw.after_hours).chain(options) {
        if top.get_ref().numbers.is_some() {
            r.at(top.span(), "`numbers` only belongs in [vip]");
        }
    }
    for top in std::iter::once(&raw.open).chain(&raw.after_hours).chain(&raw.vip) {
        if top.get_ref().speech.is_some() {
            r.at(top.span(), "`speech` only belongs in a menu option");
        }
    }
    spans.routes.insert(RouteKey::Open, raw.open.span());
    let open = route(raw.open.into_inner(), &empty_route(), &assistants, &known, r);
    let after_hours = match raw.after_hours {
        Some(after) => {
            spans.routes.insert(RouteKey::AfterHours, after.span());
            route(after.into_inner(), &empty_route(), &assistants, &known, r)
        }
        None => Route {
            then: vec![Target::Voicemail],
            ..empty_route()
        },
    };
    let external = raw.external.and_then(|e| {
        Some(External {
            phone: phone(&e.phone, r)?,
            ring_seconds: ring(e.ring_seconds.as_ref(), r),
        })
    });
    let voicemail = raw.voicemail.map(|v| voicemail(v, &known, r));
    let queue = raw.queue.map(|q| queue::parse(q, r));
    let menu = raw.menu.map(|m| menu(m, &open, &assistants, &known, &mut spans, r));
    let block = raw.block.map(|b| block(b, home.as_ref(), r));
    let vip = raw.vip.map(|v| {
        spans.routes.insert(RouteKey::Vip, v.span());
        vip(v, &open, &assistants, &known, home.as_ref(), r)
    });
    if let (Some(block), Some(vip)) = (&block, &vip) {
        for n in vip.numbers.iter().filter(|n| block.numbers.contains(n)) {
            let span = spans.routes.get(&RouteKey::Vip).cloned().unwrap_or(0..0);
            r.at(span, format!("{n} is both blocked and a VIP: keep it in one list"));
        }
    }
    let sticky = raw.sticky.map(|s| sticky(&s, r));
    let apology = raw.apology.map_or_else(
        || Spoken::Say(APOLOGY.into()),
        |a| {
            spoken(
                a,
                "the apology is empty: write what callers hear when nobody can take the call",
                r,
            )
        },
    );
    let tests = raw
        .tests
        .iter()
        .filter_map(|c| case(c, &known, home.as_ref(), r))
        .collect();
    let messaging = messaging(raw.alerts, raw.templates, raw.sms, &known, r);
    let rules = Rules {
        client: client?,
        name: raw.name,
        numbers,
        timezone: timezone?,
        speech: Speech {
            voice: raw.voice,
            language: raw.language,
        },
        hours,
        assistants,
        open,
        after_hours,
        external,
        voicemail,
        queue,
        menu,
        block,
        vip,
        sticky,
        apology,
        messaging,
        tests,
    };
    Some((rules, spans))
}

fn messaging(
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

fn phone(text: &Spanned<String>, r: &mut Report<'_>) -> Option<E164> {
    E164::parse(text.get_ref())
        .map_err(|e| r.at(text.span(), e.to_string()))
        .ok()
}

/// A caller's number as people write it (`(917) 555-0142`, `+44 20 7946 0123`), read
/// for the country of the business number `home`, in E.164.
fn caller_number(text: &Spanned<String>, home: Option<&E164>, r: &mut Report<'_>) -> Option<E164> {
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

const APOLOGY: &str = "Sorry, nobody can take your call right now. Please call again later. Goodbye.";

/// Words to say, or a recording to play: an https address (Twilio fetches it from the
/// web), checked as a URL. `empty` is the problem when there are no words.
fn spoken(raw: Spanned<RawSpoken>, empty: &str, r: &mut Report<'_>) -> Spoken {
    let span = raw.span();
    match raw.into_inner() {
        RawSpoken::Say(text) => {
            if text.trim().is_empty() {
                r.at(span, empty);
            }
            Spoken::Say(text.into())
        }
        RawSpoken::Play(address) => {
            match url::Url::parse(&address) {
                Ok(u) if u.scheme() == "https" && u.host_str().is_some_and(|h| !h.is_empty()) => {}
                Ok(_) => r.at(
                    span,
                    format!("`{address}`: recordings are played from an https:// address only"),
                ),
                Err(e) => r.at(span, format!("`{address}` is not a web address ({e})")),
            }
            Spoken::Play(address.into())
        }
    }
}

const BLOCKED_MESSAGE: &str = "Sorry, we cannot take your call. Goodbye.";

fn block(raw: Spanned<RawBlock>, home: Option<&E164>, r: &mut Report<'_>) -> Block {
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

fn vip(
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

fn sticky(raw: &Spanned<RawSticky>, r: &mut Report<'_>) -> Sticky {
    let days = *raw.get_ref().days.get_ref();
    if !(1..=365).contains(&days) {
        r.at(
            raw.get_ref().days.span(),
            format!("sticky days must be between 1 and 365, not {days}"),
        );
    }
    Sticky { days }
}

/// What a route of its own (a menu option, `[vip]`) takes from `[open]` when unset.
fn option_base(open: &Route) -> Route {
    Route {
        strategy: None,
        assistants: Vec::new(),
        then: Vec::new(),
        ..open.clone()
    }
}

fn ring(value: Option<&Spanned<u32>>, r: &mut Report<'_>) -> u32 {
    let Some(value) = value else {
        return DEFAULT_RING_SECONDS;
    };
    let seconds = *value.get_ref();
    if !(super::rules::MIN_RING_SECONDS..=super::rules::MAX_RING_SECONDS).contains(&seconds) {
        r.at(
            value.span(),
            format!("ring_seconds must be between 5 and 600 (Twilio's limits), not {seconds}"),
        );
    }
    seconds
}

fn windows(list: &[Spanned<String>], r: &mut Report<'_>) -> Vec<Window> {
    list.iter()
        .filter_map(|w| {
            w.get_ref()
                .parse::<Window>()
                .map_err(|e| r.at(w.span(), e.to_string()))
                .ok()
        })
        .collect()
}

fn date(text: &Spanned<String>, r: &mut Report<'_>) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get_ref(), "%Y-%m-%d")
        .map_err(|_| {
            r.at(
                text.span(),
                format!("`{}` is not a date like 2026-12-25", text.get_ref()),
            )
        })
        .ok()
}

fn hours(raw: &RawHours, r: &mut Report<'_>) -> Hours {
    let days = [&raw.mon, &raw.tue, &raw.wed, &raw.thu, &raw.fri, &raw.sat, &raw.sun];
    Hours {
        weekly: days.map(|d| windows(d, r)),
        closed: (raw.closed.iter())
            .filter_map(|d| date(&Spanned::new(d.span(), d.get_ref().date().to_owned()), r))
            .collect(),
        special: raw
            .special
            .iter()
            .filter_map(|(d, w)| Some((date(d, r)?, windows(w, r))))
            .collect(),
    }
}

/// Builds a route; unset fields come from `base` (menu options inherit `[open]`).
fn route(raw: RawRoute, base: &Route, all: &[Assistant], known: &HashSet<&AssistantId>, r: &mut Report<'_>) -> Route {
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

fn voicemail(raw: Spanned<RawVoicemail>, known: &HashSet<&AssistantId>, r: &mut Report<'_>) -> Voicemail {
    let raw = raw.into_inner();
    let max_seconds = raw
        .max_seconds
        .as_ref()
        .map_or(super::rules::MAX_TRANSCRIBED_SECONDS, |s| *s.get_ref());
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

fn menu(
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

fn case(
    raw: &Spanned<RawCase>,
    known: &HashSet<&AssistantId>,
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
    let from = c.from.as_ref().and_then(|f| caller_number(f, home, r));
    let (line, _) = r.position(raw.span().start);
    Some(RuleCase {
        line,
        at,
        from,
        digits: c.digits.clone(),
        off_duty,
        spoke_with,
        expect: c.expect.clone(),
    })
}
