//! Menus, the menus within them, and the languages a caller may choose.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MenuInput {
    Dtmf,
    Speech,
}

/// Which menu a caller is at: `[menu]`, or one of `[menus.NAME]`. A number, so it is
/// `Copy` and short in a callback URL; a call keeps the rules version it started with, so
/// the number names the same menu for the whole call.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MenuId(pub u8);

impl MenuId {
    /// `[menu]`, the one a caller hears first.
    pub const TOP: Self = Self(0);
}

/// Menus open menus at most this deep (`[menu]` is the first level): deeper, callers
/// forget where they are.
pub const MAX_MENU_DEPTH: usize = 4;

/// `[languages.CODE]`: a language a caller may choose at a menu, and everything said in it.
/// What is not given here is said as the rest of the file writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Language {
    /// As Twilio's `<Say language>` takes it: `es-US`.
    pub code: String,
    /// How people call it, for the trace: `Español`.
    pub name: String,
    pub voice: Option<String>,
    /// The prompt of each menu, in this language.
    pub menus: Vec<(MenuId, Spoken)>,
    pub greeting: Option<Spoken>,
    pub apology: Option<Spoken>,
    /// Said before a menu plays again.
    pub not_understood: Option<String>,
    /// Said after a voicemail was left.
    pub goodbye: Option<String>,
    /// What an assistant hears before accepting the call; `{caller}` is the caller's number.
    pub whisper: Option<String>,
    /// `[languages.CODE.queue]`: what the queue says in this language.
    pub queue: QueueWords,
}

/// An IVR menu, played during open hours before anyone is rung.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Menu {
    /// `None` for `[menu]`; the `NAME` of `[menus.NAME]`.
    pub name: Option<String>,
    pub prompt: Spoken,
    pub input: Vec<MenuInput>,
    pub timeout_seconds: u32,
    /// How many more times the prompt plays after no input or an unknown choice.
    pub retries: u32,
    pub options: Vec<MenuOption>,
    /// The option taken when the caller never chooses; `None`: the `[open]` route.
    pub default: Option<char>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuOption {
    pub digit: char,
    /// Words that choose this option when speech input is on.
    pub speech: Vec<String>,
    /// The route taken, unless the option opens a menu.
    pub route: Route,
    /// `menu = "NAME"`: the menu this option opens. An option that only sets a language
    /// opens its own menu again, now in that language.
    pub opens: Option<MenuId>,
    /// `language = "CODE"`: the rest of the call is in this language.
    pub language: Option<String>,
}
