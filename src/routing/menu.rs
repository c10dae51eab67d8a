//! Turns what a caller pressed or said at a menu into where they go: an option's route,
//! another menu, the same menu in another language, the menu again, or its default.

use super::decide::MenuChoice;
use super::rules::{MenuId, Rules};

/// Where a caller's answer at a menu takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pressed<'r> {
    /// The menu the caller is at now: another one when their option opened it.
    pub menu: MenuId,
    pub choice: MenuChoice,
    /// Set when the option chose a language: the rest of the call is in it.
    pub language: Option<&'r str>,
    /// The option taken, when one was.
    pub digit: Option<char>,
}

/// The answer `digits` or `speech` at menu `at`; `attempt` is how many times that menu
/// has already been replayed.
pub fn resolve<'r>(
    rules: &'r Rules,
    at: MenuId,
    digits: Option<&str>,
    speech: Option<&str>,
    attempt: u32,
) -> Pressed<'r> {
    let stay = |choice| Pressed {
        menu: at,
        choice,
        language: None,
        digit: None,
    };
    let Some(menu) = rules.menu_at(at) else {
        return stay(MenuChoice::Default);
    };
    let pressed = digits
        .and_then(|d| d.trim().chars().next())
        .and_then(|d| menu.options.iter().find(|o| o.digit == d));
    let said = || {
        let heard = speech?.to_lowercase();
        menu.options
            .iter()
            .find(|o| o.speech.iter().any(|word| heard.contains(&word.to_lowercase())))
    };
    match pressed.or_else(said) {
        Some(option) => Pressed {
            menu: option.opens.unwrap_or(at),
            choice: match option.opens {
                Some(_) => MenuChoice::NotAsked,
                None => MenuChoice::Option(option.digit),
            },
            language: option.language.as_deref(),
            digit: Some(option.digit),
        },
        None if attempt < menu.retries => stay(MenuChoice::Retry { attempt: attempt + 1 }),
        None => stay(MenuChoice::Default),
    }
}

/// Where a caller is after pressing `keys` at each menu in turn, with each step taken (for
/// the trace), from the first menu. Keys after a route was chosen are not heard.
pub fn walk<'r>(rules: &'r Rules, keys: &[&str]) -> Walked<'r> {
    let mut walked = Walked {
        menu: MenuId::TOP,
        choice: MenuChoice::NotAsked,
        language: None,
        steps: Vec::with_capacity(keys.len()),
    };
    for key in keys {
        let attempt = match walked.choice {
            MenuChoice::NotAsked => 0,
            MenuChoice::Retry { attempt } => attempt,
            MenuChoice::Option(_) | MenuChoice::Default => break,
        };
        let pressed = resolve(rules, walked.menu, Some(key), None, attempt);
        walked.menu = pressed.menu;
        walked.choice = pressed.choice;
        walked.language = pressed.language.or(walked.language);
        walked.steps.push(pressed);
    }
    walked
}

/// See [`walk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walked<'r> {
    pub menu: MenuId,
    pub choice: MenuChoice,
    pub language: Option<&'r str>,
    pub steps: Vec<Pressed<'r>>,
}
