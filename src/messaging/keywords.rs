//! Opt-out keywords (docs/twilio.md, opt-out keywords) and assistants' duty commands: a whole
//! message, any case, surrounding spaces ignored. "STOP PLEASE" is not a keyword.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
}

impl Keyword {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "STOP",
            Self::Start => "START",
            Self::Help => "HELP",
        }
    }
}

pub fn classify(body: &str) -> Option<Keyword> {
    match body.trim().to_ascii_uppercase().as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" | "REVOKE" | "OPTOUT" => Some(Keyword::Stop),
        "START" | "YES" | "UNSTOP" => Some(Keyword::Start),
        "HELP" | "INFO" => Some(Keyword::Help),
        _ => None,
    }
}

/// A text that opts the number in by one of the client's own words (`[sms] opt_in_keywords`,
/// upper case), read as START is; the usual keywords keep their meaning.
pub fn classify_with(body: &str, opt_in_keywords: &[String]) -> Option<Keyword> {
    classify(body).or_else(|| {
        let word = body.trim().to_ascii_uppercase();
        opt_in_keywords.contains(&word).then_some(Keyword::Start)
    })
}

/// What an assistant may text the business number about their own duty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyCommand {
    Off,
    On,
    Status,
}

impl DutyCommand {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Off => "OFF",
            Self::On => "ON",
            Self::Status => "STATUS",
        }
    }
}

/// A duty command: the whole message, any case, as opt-out keywords are read.
pub fn duty_command(body: &str) -> Option<DutyCommand> {
    match body.trim().to_ascii_uppercase().as_str() {
        "OFF" => Some(DutyCommand::Off),
        "ON" => Some(DutyCommand::On),
        "STATUS" => Some(DutyCommand::Status),
        _ => None,
    }
}

/// With Advanced Opt-Out Twilio classifies the keyword itself (and has replied).
pub fn from_opt_out_type(value: &str) -> Option<Keyword> {
    match value {
        "STOP" => Some(Keyword::Stop),
        "START" => Some(Keyword::Start),
        "HELP" => Some(Keyword::Help),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_match_the_whole_message_in_any_case() {
        for (body, expected) in [
            ("STOP", Some(Keyword::Stop)),
            ("  stop ", Some(Keyword::Stop)),
            ("Unsubscribe", Some(Keyword::Stop)),
            ("optout", Some(Keyword::Stop)),
            ("start", Some(Keyword::Start)),
            ("UNSTOP", Some(Keyword::Start)),
            ("yes", Some(Keyword::Start)),
            ("help", Some(Keyword::Help)),
            ("Info", Some(Keyword::Help)),
            ("STOP PLEASE", None),
            ("please stop", None),
            ("", None),
        ] {
            assert_eq!(classify(body), expected, "{body:?}");
        }
    }

    #[test]
    fn a_clients_own_opt_in_word_is_read_as_start() {
        let words = vec!["JOIN".to_owned(), "STOP".to_owned()];
        assert_eq!(classify_with(" join ", &words), Some(Keyword::Start));
        assert_eq!(classify_with("stop", &words), Some(Keyword::Stop));
        assert_eq!(classify_with("join us", &words), None);
    }

    #[test]
    fn duty_commands_are_the_whole_message_in_any_case() {
        assert_eq!(duty_command(" off "), Some(DutyCommand::Off));
        assert_eq!(duty_command("On"), Some(DutyCommand::On));
        assert_eq!(duty_command("STATUS"), Some(DutyCommand::Status));
        assert_eq!(duty_command("off today"), None);
        assert_eq!(duty_command("stop"), None);
    }
}
