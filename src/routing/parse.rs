//! Rule files (TOML) → typed [`Rules`], with every problem reported at its line and
//! column. Shape errors come from the TOML reader; meaning errors (unknown assistants,
//! numbers that are not E.164, chains that end in silence…) from [`super::lint`].

use std::collections::{HashMap, HashSet};
use std::ops::Range;

use chrono_tz::Tz;
use toml::Spanned;

use super::lint;
use super::raw::{RawAlerts, RawRules, RawSms, RawSpoken, RawTemplates};
mod assistants;
mod callers;
mod cases;
mod hours;
mod languages;
mod menus;
mod messaging;
mod queue;
mod routes;

pub(super) use super::report::Report;
pub use super::report::{RuleError, RuleErrors};
use super::rules::{CallerId, External, Route, RouteKey, Rules, Speech, Spoken, Target};
use super::schedule::Hours;
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
        submenus: Vec::new(),
        languages: Vec::new(),
        block: None,
        vip: None,
        sticky: None,
        apology: Spoken::Say(APOLOGY.into()),
        messaging: messaging::messaging(
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
    let hours = hours::hours(&raw.hours, r);
    let (assistants, known) = assistants::parse(raw.assistants, r);
    let known: HashSet<&AssistantId> = known.iter().collect();
    let mut spans = Spans {
        routes: HashMap::new(),
        voicemail: raw.voicemail.as_ref().map(Spanned::span),
    };
    let options = (raw.menu.iter().chain(raw.menus.values())).flat_map(|m| m.get_ref().options.values());
    for top in std::iter::once(&raw.open).chain(&raw.after_hours).chain(options) {
        if top.get_ref().numbers.is_some() {
            r.at(top.span(), "`numbers` only belongs in [vip]");
        }
    }
    for top in std::iter::once(&raw.open).chain(&raw.after_hours).chain(&raw.vip) {
        let route = top.get_ref();
        if route.speech.is_some() || route.menu.is_some() || route.language.is_some() {
            r.at(
                top.span(),
                "`speech`, `menu` and `language` only belong in a menu option",
            );
        }
    }
    spans.routes.insert(RouteKey::Open, raw.open.span());
    let open = routes::route(raw.open.into_inner(), &empty_route(), &assistants, &known, r);
    let after_hours = match raw.after_hours {
        Some(after) => {
            spans.routes.insert(RouteKey::AfterHours, after.span());
            routes::route(after.into_inner(), &empty_route(), &assistants, &known, r)
        }
        None => Route {
            then: vec![Target::Voicemail],
            ..empty_route()
        },
    };
    let external = raw.external.and_then(|e| {
        Some(External {
            phone: phone(&e.phone, r)?,
            ring_seconds: routes::ring(e.ring_seconds.as_ref(), r),
        })
    });
    let voicemail = raw.voicemail.map(|v| routes::voicemail(v, &known, r));
    let queue = raw.queue.map(|q| queue::parse(q, r));
    let ids = menus::ids(&raw.menus, r);
    let has = languages::Has {
        menu: raw.menu.is_some(),
        queue: queue.is_some(),
    };
    let languages = languages::languages(raw.languages, &ids, has, r);
    let codes: Vec<&str> = (raw.language.iter().map(String::as_str))
        .chain(languages.iter().map(|l| l.code.as_str()))
        .collect();
    let cx = menus::Context {
        open: &open,
        all: &assistants,
        known: &known,
        ids: &ids,
        languages: &codes,
    };
    let (menu, submenus) = menus::menus(raw.menu, raw.menus, &cx, &mut spans, r);
    let codes: Vec<String> = codes.into_iter().map(str::to_owned).collect();
    let block = raw.block.map(|b| callers::block(b, home.as_ref(), r));
    let vip = raw.vip.map(|v| {
        spans.routes.insert(RouteKey::Vip, v.span());
        callers::vip(v, &open, &assistants, &known, home.as_ref(), r)
    });
    if let (Some(block), Some(vip)) = (&block, &vip) {
        for n in vip.numbers.iter().filter(|n| block.numbers.contains(n)) {
            let span = spans.routes.get(&RouteKey::Vip).cloned().unwrap_or(0..0);
            r.at(span, format!("{n} is both blocked and a VIP: keep it in one list"));
        }
    }
    let sticky = raw.sticky.map(|s| callers::sticky(&s, r));
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
        .filter_map(|c| cases::case(c, &known, &codes, home.as_ref(), r))
        .collect();
    let messaging = messaging::messaging(raw.alerts, raw.templates, raw.sms, &known, r);
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
        submenus,
        languages,
        block,
        vip,
        sticky,
        apology,
        messaging,
        tests,
    };
    Some((rules, spans))
}

fn phone(text: &Spanned<String>, r: &mut Report<'_>) -> Option<E164> {
    E164::parse(text.get_ref())
        .map_err(|e| r.at(text.span(), e.to_string()))
        .ok()
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
