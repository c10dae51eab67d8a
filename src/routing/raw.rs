//! The rule file as written: serde shapes with spans, so every problem found later can
//! point at its line. Only `parse` turns them into [`super::rules::Rules`].

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use toml::Spanned;

use super::rules::{CallerId, Channel, MenuInput, Notify, Strategy, Target};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRules {
    pub(super) client: Spanned<String>,
    pub(super) name: String,
    pub(super) numbers: Spanned<Vec<Spanned<String>>>,
    pub(super) timezone: Spanned<String>,
    pub(super) voice: Option<String>,
    pub(super) language: Option<String>,
    #[serde(default)]
    pub(super) hours: RawHours,
    #[serde(default)]
    pub(super) assistants: Vec<RawAssistant>,
    pub(super) open: Spanned<RawRoute>,
    pub(super) after_hours: Option<Spanned<RawRoute>>,
    pub(super) external: Option<RawExternal>,
    pub(super) voicemail: Option<Spanned<RawVoicemail>>,
    pub(super) queue: Option<Spanned<RawQueue>>,
    pub(super) menu: Option<Spanned<RawMenu>>,
    /// The menus an option opens, by name.
    #[serde(default)]
    pub(super) menus: BTreeMap<Spanned<String>, Spanned<RawMenu>>,
    /// By code (`es-US`): what is said in each language a caller may choose.
    #[serde(default)]
    pub(super) languages: BTreeMap<Spanned<String>, Spanned<RawLanguage>>,
    pub(super) block: Option<Spanned<RawBlock>>,
    pub(super) vip: Option<Spanned<RawRoute>>,
    pub(super) sticky: Option<Spanned<RawSticky>>,
    pub(super) apology: Option<Spanned<RawSpoken>>,
    #[serde(default)]
    pub(super) alerts: RawAlerts,
    #[serde(default)]
    pub(super) templates: RawTemplates,
    #[serde(default)]
    pub(super) sms: RawSms,
    #[serde(default)]
    pub(super) tests: Vec<Spanned<RawCase>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAlerts {
    pub(super) missed_call: Option<bool>,
    pub(super) transcript_wait_seconds: Option<Spanned<u32>>,
    pub(super) daily_summary: Option<Spanned<RawSummary>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSummary {
    pub(super) at: Spanned<String>,
    pub(super) to: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTemplates {
    pub(super) voicemail: Option<Spanned<String>>,
    pub(super) voicemail_transcript: Option<Spanned<String>>,
    pub(super) transcript: Option<Spanned<String>>,
    pub(super) missed_call: Option<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSms {
    pub(super) auto_reply: Option<Spanned<String>>,
    pub(super) auto_reply_closed: Option<Spanned<String>>,
    pub(super) auto_reply_every_hours: Option<Spanned<u32>>,
    pub(super) help: Option<Spanned<String>>,
    pub(super) opt_in: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) opt_in_keywords: Vec<Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawHours {
    #[serde(default)]
    pub(super) mon: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) tue: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) wed: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) thu: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) fri: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sat: Vec<Spanned<String>>,
    #[serde(default)]
    pub(super) sun: Vec<Spanned<String>>,
    /// Each a date, or `{ date, name }` to keep the holiday's name with it.
    #[serde(default)]
    pub(super) closed: Vec<Spanned<RawClosed>>,
    /// Each date's windows, or `{ name, hours }` to keep the day's name with them.
    #[serde(default)]
    pub(super) special: BTreeMap<Spanned<String>, Spanned<RawSpecial>>,
}

/// A special day's windows: `["09:00-12:00"]`, or
/// `{ name = "Christmas Eve", hours = ["09:00-12:00"] }` (no hours: closed all day).
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a list of windows like [\"09:00-12:00\"], or a name and windows like { name = \"Christmas Eve\", hours = [\"09:00-12:00\"] }"
)]
pub(super) enum RawSpecial {
    Hours(Vec<String>),
    /// The name is for people (the console's form shows it); routing needs only the hours.
    Named {
        #[serde(rename = "name")]
        _name: String,
        #[serde(default)]
        hours: Vec<String>,
    },
}

impl RawSpecial {
    pub(super) fn hours(&self) -> &[String] {
        match self {
            RawSpecial::Hours(hours) | RawSpecial::Named { hours, .. } => hours,
        }
    }
}

/// A closed day: `"2026-12-25"` or `{ date = "2026-12-26", name = "Boxing Day" }`.
#[derive(Deserialize)]
#[serde(
    untagged,
    expecting = "a date like \"2026-12-25\", or a date and a name like { date = \"2026-12-26\", name = \"Boxing Day\" }"
)]
pub(super) enum RawClosed {
    Date(String),
    /// The name is for people (the console's form shows it); routing needs only the date.
    Named {
        date: String,
        #[serde(rename = "name")]
        _name: String,
    },
}

impl RawClosed {
    pub(super) fn date(&self) -> &str {
        match self {
            RawClosed::Date(date) | RawClosed::Named { date, .. } => date,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAssistant {
    pub(super) id: Spanned<String>,
    pub(super) name: Option<String>,
    pub(super) phone: Spanned<String>,
    #[serde(default)]
    pub(super) priority: i64,
    pub(super) screen: Option<bool>,
    /// When they take calls, as `[hours]` is written; `closed` lists their days away.
    pub(super) shifts: Option<RawHours>,
    pub(super) email: Option<Spanned<String>>,
    /// `["sms"]` when absent.
    pub(super) alerts: Option<Spanned<Vec<Channel>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoute {
    pub(super) strategy: Option<Strategy>,
    pub(super) assistants: Option<Vec<Spanned<String>>>,
    pub(super) ring_seconds: Option<Spanned<u32>>,
    pub(super) screen: Option<bool>,
    pub(super) caller_id: Option<CallerId>,
    pub(super) record: Option<bool>,
    pub(super) then: Option<Vec<Target>>,
    /// Menu options only: words that pick the option by speech.
    pub(super) speech: Option<Vec<String>>,
    /// `[vip]` only: the callers who take this route.
    pub(super) numbers: Option<Vec<Spanned<String>>>,
    /// Menu options only: the `[menus.NAME]` this option opens instead of a route.
    pub(super) menu: Option<Spanned<String>>,
    /// Menu options only: the language of the rest of the call.
    pub(super) language: Option<Spanned<String>>,
}

/// `[languages.CODE]`: what callers hear in that language; what is left out is said as
/// the rest of the file says it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLanguage {
    pub(super) name: Option<String>,
    pub(super) voice: Option<String>,
    /// `[menu]`'s prompt.
    pub(super) menu: Option<Spanned<RawSpoken>>,
    /// Each `[menus.NAME]`'s prompt, by name.
    #[serde(default)]
    pub(super) menus: BTreeMap<Spanned<String>, Spanned<RawSpoken>>,
    /// `[voicemail]`'s greeting.
    pub(super) greeting: Option<Spanned<RawSpoken>>,
    pub(super) apology: Option<Spanned<RawSpoken>>,
    pub(super) not_understood: Option<Spanned<String>>,
    pub(super) goodbye: Option<Spanned<String>>,
    pub(super) whisper: Option<Spanned<String>>,
    /// What the queue says in this language.
    pub(super) queue: Option<Spanned<RawQueueWords>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBlock {
    pub(super) numbers: Vec<Spanned<String>>,
    pub(super) message: Option<Spanned<RawSpoken>>,
    #[serde(default)]
    pub(super) reject: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSticky {
    pub(super) days: Spanned<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExternal {
    pub(super) phone: Spanned<String>,
    pub(super) ring_seconds: Option<Spanned<u32>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVoicemail {
    pub(super) greeting: Spanned<RawSpoken>,
    pub(super) max_seconds: Option<Spanned<u32>>,
    #[serde(default)]
    pub(super) transcribe: bool,
    pub(super) notify: Option<Spanned<Notify>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawMenu {
    pub(super) prompt: Spanned<RawSpoken>,
    pub(super) input: Option<Vec<MenuInput>>,
    pub(super) timeout_seconds: Option<u32>,
    pub(super) retries: Option<u32>,
    pub(super) default: Option<Spanned<String>>,
    pub(super) options: BTreeMap<Spanned<String>, Spanned<RawRoute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCase {
    pub(super) at: Spanned<String>,
    pub(super) from: Option<Spanned<String>>,
    pub(super) digits: Option<RawDigits>,
    /// The language the call must end up in.
    pub(super) language: Option<Spanned<String>>,
    #[serde(default)]
    pub(super) off_duty: Vec<Spanned<String>>,
    pub(super) spoke_with: Option<Spanned<String>>,
    pub(super) expect: Vec<String>,
}

/// What a `[[tests]]` caller presses: `"2"` at one menu, or `["2", "1"]` at each in turn.
#[derive(Deserialize, Clone)]
#[serde(
    untagged,
    expecting = "a key like \"2\", or the keys pressed at each menu in turn like [\"2\", \"1\"]"
)]
pub(super) enum RawDigits {
    One(String),
    Each(Vec<String>),
}

/// What the caller hears, as written: text to say, or `{ play = "https://…" }`.
pub(super) enum RawSpoken {
    Say(String),
    Play(String),
}

impl<'de> Deserialize<'de> for RawSpoken {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Play {
            play: String,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Say(String),
            Play(Play),
        }
        match Written::deserialize(d) {
            Ok(Written::Say(text)) => Ok(Self::Say(text)),
            Ok(Written::Play(p)) => Ok(Self::Play(p.play)),
            Err(_) => Err(serde::de::Error::custom(
                "write the words to say, or { play = \"https://…\" } for a recording",
            )),
        }
    }
}

/// `[queue]` as written: how callers wait, and the words of [`RawQueueWords`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQueue {
    pub(super) announce_seconds: Option<Spanned<u32>>,
    pub(super) max_wait_seconds: Option<Spanned<u32>>,
    pub(super) voicemail_key: Option<Spanned<String>>,
    pub(super) callback_key: Option<Spanned<String>>,
    pub(super) callback_attempts: Option<Spanned<u32>>,
    pub(super) callback_spacing_seconds: Option<Spanned<u32>>,
    pub(super) max_callers: Option<Spanned<u32>>,
    // The words, as in `RawQueueWords` (serde cannot flatten them and keep their spans).
    pub(super) hold: Option<Spanned<RawSpoken>>,
    pub(super) announce: Option<Spanned<RawSpoken>>,
    pub(super) announce_next: Option<Spanned<RawSpoken>>,
    pub(super) keys: Option<Spanned<RawSpoken>>,
    pub(super) callback_promise: Option<Spanned<RawSpoken>>,
    pub(super) calling_back: Option<Spanned<String>>,
    pub(super) offer_gone: Option<Spanned<String>>,
}

/// What the queue says, in `[queue]` or `[languages.CODE.queue]`.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub(super) struct RawQueueWords {
    pub(super) hold: Option<Spanned<RawSpoken>>,
    pub(super) announce: Option<Spanned<RawSpoken>>,
    pub(super) announce_next: Option<Spanned<RawSpoken>>,
    pub(super) keys: Option<Spanned<RawSpoken>>,
    pub(super) callback_promise: Option<Spanned<RawSpoken>>,
    pub(super) calling_back: Option<Spanned<String>>,
    pub(super) offer_gone: Option<Spanned<String>>,
}

impl RawQueue {
    /// Its words, apart from how callers wait.
    pub(super) fn take_words(&mut self) -> RawQueueWords {
        RawQueueWords {
            hold: self.hold.take(),
            announce: self.announce.take(),
            announce_next: self.announce_next.take(),
            keys: self.keys.take(),
            callback_promise: self.callback_promise.take(),
            calling_back: self.calling_back.take(),
            offer_gone: self.offer_gone.take(),
        }
    }
}
