//! Turns what a caller pressed or said at the menu into a choice.

use super::decide::MenuChoice;
use super::rules::Rules;

/// `attempt` is how many times the menu has already been replayed.
pub fn resolve(rules: &Rules, digits: Option<&str>, speech: Option<&str>, attempt: u32) -> MenuChoice {
    let Some(menu) = &rules.menu else {
        return MenuChoice::Default;
    };
    let pressed = digits
        .and_then(|d| d.trim().chars().next())
        .filter(|d| rules.menu_option(*d).is_some());
    let said = speech.map(str::to_lowercase).and_then(|heard| {
        menu.options
            .iter()
            .find(|o| o.speech.iter().any(|word| heard.contains(&word.to_lowercase())))
            .map(|o| o.digit)
    });
    match pressed.or(said) {
        Some(digit) => MenuChoice::Option(digit),
        None if attempt < menu.retries => MenuChoice::Retry { attempt: attempt + 1 },
        None => MenuChoice::Default,
    }
}
