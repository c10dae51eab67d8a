//! Why the rules cannot be saved, in an office manager's words. `switchboard rules check`
//! and the text editor name the file's sections (`[open] rings nobody`); the form names
//! what its fields do. A message the form has no words for is shown as the check says it.

use crate::routing::rules::{MAX_SIMULTANEOUS, MAX_TRANSCRIBED_SECONDS};

/// `message`, a rule check's, as the form says it.
pub(super) fn form_words(message: &str) -> String {
    if message.contains("[open] rings nobody") {
        return "Nobody is rung while open: choose who takes calls, or ring the outside number next.".into();
    }
    if message.contains("Twilio only transcribes recordings up to") {
        return format!(
            "Messages can be written out only up to {MAX_TRANSCRIBED_SECONDS} seconds: shorten them, or turn transcription off."
        );
    }
    let Some((route, said)) = message.strip_prefix("route `").and_then(|rest| rest.split_once('`')) else {
        return message.to_owned();
    };
    let what = if said.contains("has a strategy but no assistants to ring") {
        "nobody is ticked to be rung: tick someone, or choose “Nobody”.".to_owned()
    } else if said.contains("at once; Twilio rings at most") {
        format!("at most {MAX_SIMULTANEOUS} people can be rung at once: tick fewer, or ring one at a time.")
    } else if said.contains("but there is no [external] number") {
        "type the outside number to ring, or choose voicemail.".to_owned()
    } else if said.contains("but there is no [queue] section") {
        "there is no queue to wait in: choose another next step (the queue is set up in Advanced).".to_owned()
    } else if said.contains("rings nobody who could take them") {
        "callers can wait in the queue only for someone to take them: choose who is rung, or another next step."
            .to_owned()
    } else {
        return message.to_owned();
    };
    format!("{}: {what}", route_words(route))
}

/// A route as the form heads it ("While open"), from its name in rule checks (`open`).
fn route_words(key: &str) -> String {
    match key {
        "open" => "While open".to_owned(),
        "after_hours" => "While closed".to_owned(),
        "vip" => "For the VIP list".to_owned(),
        other => match other.rsplit_once("option-") {
            Some((_, digit)) => format!("Menu choice {digit}"),
            None => format!("Route {other}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::form_words;

    #[test]
    fn rule_file_words_are_put_as_the_form_says_them() {
        assert_eq!(
            form_words("the business has open hours but [open] rings nobody: add a strategy with assistants or \"external\" to `then`"),
            "Nobody is rung while open: choose who takes calls, or ring the outside number next."
        );
        assert_eq!(
            form_words("route `after_hours` has a strategy but no assistants to ring"),
            "While closed: nobody is ticked to be rung: tick someone, or choose “Nobody”."
        );
        assert_eq!(
            form_words("route `option-2` puts callers in the \"queue\" but rings nobody who could take them from it: give it a strategy"),
            "Menu choice 2: callers can wait in the queue only for someone to take them: choose who is rung, or another next step."
        );
        assert_eq!(form_words("something new"), "something new");
    }
}
