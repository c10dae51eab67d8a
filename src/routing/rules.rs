//! The typed routing rules of one client, as the engine uses them. Built only by
//! `parse` (which also validates), so every value here has been checked.

use std::sync::Arc;

use chrono::NaiveDateTime;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::schedule::Hours;
use crate::ids::{AssistantId, ClientId};
use crate::phone::E164;

mod callers;
mod menus;
mod messaging;
mod queue;

pub use callers::*;
pub use menus::*;
pub use messaging::*;
pub use queue::*;

/// Twilio's ring time limits for `<Dial timeout>` (docs/twilio.md, `<Dial>`).
pub const MIN_RING_SECONDS: u32 = 5;
pub const MAX_RING_SECONDS: u32 = 600;
/// Twilio rings at most ten numbers at once.
pub const MAX_SIMULTANEOUS: usize = 10;
/// Twilio only transcribes recordings shorter than this.
pub const MAX_TRANSCRIBED_SECONDS: u32 = 120;

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub client: ClientId,
    pub name: String,
    pub numbers: Vec<E164>,
    pub timezone: Tz,
    pub speech: Speech,
    pub hours: Hours,
    /// In priority order (lowest `priority` first; ties keep file order).
    pub assistants: Vec<Assistant>,
    pub open: Route,
    pub after_hours: Route,
    pub external: Option<External>,
    pub voicemail: Option<Voicemail>,
    /// `[queue]`: where callers wait for the next free assistant.
    pub queue: Option<Queue>,
    pub menu: Option<Menu>,
    /// `[menus.NAME]`: the menus an option of another menu opens; [`MenuId`] `n` is the
    /// `n`-th of them, in the order of their names.
    pub submenus: Vec<Menu>,
    /// `[languages.CODE]`: the languages a menu option may switch the rest of the call to.
    pub languages: Vec<Language>,
    /// Callers who never reach anyone: `[block]`.
    pub block: Option<Block>,
    /// Callers with a route of their own: `[vip]`.
    pub vip: Option<Vip>,
    /// `[sticky]`: a caller an assistant answered lately rings that assistant first.
    pub sticky: Option<Sticky>,
    /// Said when a chain runs out with no voicemail to take a message.
    pub apology: Spoken,
    pub messaging: Messaging,
    pub tests: Vec<RuleCase>,
}

/// What the caller hears: text spoken in the client's voice, or a recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Spoken {
    Say(Arc<str>),
    /// An https URL that Twilio fetches and plays.
    Play(Arc<str>),
}

impl std::fmt::Display for Spoken {
    /// The text, or the recording's address, as people are shown it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Say(text) => f.write_str(text),
            Self::Play(url) => write!(f, "the recording {url}"),
        }
    }
}

/// How `<Say>` speaks for this client.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Speech {
    pub voice: Option<String>,
    pub language: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assistant {
    pub id: AssistantId,
    pub name: String,
    pub phone: E164,
    pub priority: i64,
    /// Overrides the route's `screen` for this assistant.
    pub screen: Option<bool>,
    /// When they take calls, in the client's zone; `None`: whenever the route rings them.
    pub shifts: Option<Hours>,
    /// Where e-mail alerts go; required when `alerts` has [`Channel::Email`].
    pub email: Option<String>,
    /// How they are told of voicemails, missed calls and the daily summary: each alert goes
    /// once by each channel. Empty: never told.
    pub alerts: Vec<Channel>,
}

/// A way an assistant is told of something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// A text to their phone, from the business number.
    Sms,
    /// An e-mail to their address, carrying the whole transcript.
    Email,
}

impl Assistant {
    /// Whether their shifts (if they have any) include `now`.
    pub fn on_shift(&self, tz: chrono_tz::Tz, now: chrono::DateTime<chrono::Utc>) -> bool {
        self.shifts.as_ref().is_none_or(|s| s.status_at(tz, now).open)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    Priority,
    RoundRobin,
    Simultaneous,
}

/// Whose number the assistant's phone shows when we forward a call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerId {
    #[default]
    Caller,
    Business,
}

/// What a chain falls back to once its assistants did not take the call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    External,
    /// Wait in the client's queue until an assistant is free, or up to its longest wait.
    Queue,
    Voicemail,
}

/// Who rings, how, and what comes after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// `None`: nobody is rung, the chain starts at `then`.
    pub strategy: Option<Strategy>,
    /// The assistants this route rings, in priority order.
    pub assistants: Vec<AssistantId>,
    pub ring_seconds: u32,
    pub screen: bool,
    pub caller_id: CallerId,
    pub record: bool,
    pub then: Vec<Target>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct External {
    pub phone: E164,
    pub ring_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Notify {
    Named(NotifyMode),
    Only(Vec<AssistantId>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyMode {
    All,
    Available,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voicemail {
    pub greeting: Spoken,
    pub max_seconds: u32,
    pub transcribe: bool,
    pub notify: Notify,
}

/// One `[[tests]]` case of a rule file: a call at a local time must get this chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCase {
    pub line: usize,
    pub at: NaiveDateTime,
    pub from: Option<E164>,
    /// What the caller pressed at each menu in turn; empty: nothing yet.
    pub digits: Vec<String>,
    /// `language`: the language the call must end up in.
    pub language: Option<String>,
    pub off_duty: Vec<AssistantId>,
    /// The assistant the caller last spoke with (for `[sticky]`).
    pub spoke_with: Option<AssistantId>,
    pub expect: Vec<String>,
}

impl Rules {
    pub fn assistant(&self, id: &AssistantId) -> Option<&Assistant> {
        self.assistants.iter().find(|a| &a.id == id)
    }

    /// The menu `id` names; a number naming none (from an old URL) is `[menu]`.
    pub fn menu_at(&self, id: MenuId) -> Option<&Menu> {
        match id.0.checked_sub(1) {
            None => self.menu.as_ref(),
            Some(i) => self.submenus.get(usize::from(i)).or(self.menu.as_ref()),
        }
    }

    /// Every menu with its id, `[menu]` first.
    pub fn menus(&self) -> impl Iterator<Item = (MenuId, &Menu)> {
        let subs = (self.submenus.iter().enumerate()).filter_map(|(i, m)| Some((MenuId(u8::try_from(i + 1).ok()?), m)));
        self.menu.iter().map(|m| (MenuId::TOP, m)).chain(subs)
    }

    pub fn menu_option(&self, menu: MenuId, digit: char) -> Option<&MenuOption> {
        self.menu_at(menu)?.options.iter().find(|o| o.digit == digit)
    }

    /// The language `code` names, if the rules have it (the file's own language has no
    /// `[languages]` table: it is what the rest of the file says).
    pub fn language(&self, code: Option<&str>) -> Option<&Language> {
        let code = code?;
        self.languages.iter().find(|l| l.code == code)
    }

    /// How `<Say>` speaks in `code`: its voice and language, or the file's.
    pub fn speech_in(&self, code: Option<&str>) -> Speech {
        match self.language(code) {
            Some(l) => Speech {
                voice: l.voice.clone(),
                language: Some(l.code.clone()),
            },
            None => self.speech.clone(),
        }
    }

    /// The longest a call can go on without anyone answering, whatever way it goes: every
    /// menu attempt, each assistant rung in turn, the outside number, and the longest
    /// voicemail with its greeting. A call still unanswered well past it has ended without
    /// Twilio saying so.
    pub fn longest_unanswered_seconds(&self) -> u32 {
        // Time allowed for a greeting, a prompt or an apology to be spoken.
        const SPOKEN: u32 = 30;
        let route = |r: &Route| {
            let assistants = u32::try_from(r.assistants.len()).unwrap_or(u32::MAX);
            let rings = match r.strategy {
                None => 0,
                Some(Strategy::Simultaneous) => r.ring_seconds,
                Some(_) => r.ring_seconds.saturating_mul(assistants),
            };
            let then = r.then.iter().map(|t| match t {
                Target::External => self.external.as_ref().map_or(0, |e| e.ring_seconds),
                Target::Queue => self.queue.as_ref().map_or(0, |q| q.max_wait_seconds),
                Target::Voicemail => self.voicemail.as_ref().map_or(0, |v| SPOKEN + v.max_seconds),
            });
            then.fold(rings, u32::saturating_add)
        };
        // Every menu may be heard in turn, each with all its attempts.
        let menu = (self.menus())
            .map(|(_, m)| (SPOKEN + m.timeout_seconds).saturating_mul(m.retries + 1))
            .fold(0, u32::saturating_add);
        let longest = self.routes().map(|(_, r)| route(r)).max().unwrap_or(0);
        menu.saturating_add(longest).saturating_add(SPOKEN)
    }

    pub fn routes(&self) -> impl Iterator<Item = (RouteKey, &Route)> {
        let options =
            (self.menus()).flat_map(|(id, m)| m.options.iter().filter(|o| o.opens.is_none()).map(move |o| (id, o)));
        [(RouteKey::Open, &self.open), (RouteKey::AfterHours, &self.after_hours)]
            .into_iter()
            .chain(options.map(|(id, o)| (RouteKey::Option(id, o.digit), &o.route)))
            .chain(self.vip.iter().map(|v| (RouteKey::Vip, &v.route)))
    }

    /// Whether calls from `from` (as Twilio gives it, E.164) are blocked, and how they
    /// are answered.
    pub fn blocked(&self, from: Option<&str>) -> Option<&BlockAnswer> {
        let (block, from) = (self.block.as_ref()?, from?);
        block
            .numbers
            .iter()
            .any(|n| n.as_str() == from)
            .then_some(&block.answer)
    }

    /// The VIP route, when `from` (as Twilio gives it, E.164) is on the list.
    pub fn vip_route(&self, from: Option<&str>) -> Option<&Route> {
        let (vip, from) = (self.vip.as_ref()?, from?);
        vip.numbers.iter().any(|n| n.as_str() == from).then_some(&vip.route)
    }
}

/// Names a route: `open`, `after_hours`, a menu option `option-1` (of `[menu]`) or
/// `menu-2-option-1` (of the second `[menus.NAME]`), or `vip`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKey {
    Open,
    AfterHours,
    Option(MenuId, char),
    Vip,
}

impl std::fmt::Display for RouteKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Open => f.write_str("open"),
            Self::AfterHours => f.write_str("after_hours"),
            // `[menu]`'s options keep the name their round-robin turns are stored under.
            Self::Option(MenuId::TOP, d) => write!(f, "option-{d}"),
            Self::Option(MenuId(m), d) => write!(f, "menu-{m}-option-{d}"),
            Self::Vip => f.write_str("vip"),
        }
    }
}

#[cfg(test)]
mod tests {
    const RULES: &str = r#"
client = "test-clinic"
name = "Test Clinic"
numbers = ["+12125550100"]
timezone = "America/New_York"

[hours]
mon = ["09:00-17:00"]

[[assistants]]
id = "ann"
phone = "+12125550111"

[[assistants]]
id = "bob"
phone = "+12125550112"

[[assistants]]
id = "cat"
phone = "+12125550113"

[open]
strategy = "priority"
ring_seconds = 20
then = ["external", "voicemail"]

[external]
phone = "+16465550199"
ring_seconds = 25

[voicemail]
greeting = "Leave a message."
max_seconds = 60
"#;

    #[test]
    fn the_longest_unanswered_call_rings_everyone_in_turn_then_the_rest_of_the_longest_route() {
        let rules = crate::routing::parse(RULES).unwrap();
        // Three rings of 20 s, the outside number's 25 s, a greeting and 60 s of message,
        // and the time to speak once more.
        assert_eq!(rules.longest_unanswered_seconds(), 3 * 20 + 25 + (30 + 60) + 30);
        let together = crate::routing::parse(&RULES.replace("\"priority\"", "\"simultaneous\"")).unwrap();
        assert_eq!(together.longest_unanswered_seconds(), 20 + 25 + (30 + 60) + 30);
    }
}
