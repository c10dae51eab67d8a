//! `<Gather>`: collects keypresses and/or speech, with the prompts nested
//! inside it. Only `<Say>`, `<Play>` and `<Pause>` may nest, and the builder
//! accepts nothing else.
//!
//! As with `<Record>`, `action` is a constructor argument: without it Twilio
//! posts the input back to the current document's URL and the menu replays.

use super::simple::{Pause, Play};
use super::xml::{Element, Out, Token};
use super::Say;

/// Kinds of input to listen for (Twilio's default: only `Dtmf`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatherInput {
    Dtmf,
    Speech,
}

impl Token for GatherInput {
    fn token(self) -> &'static str {
        match self {
            Self::Dtmf => "dtmf",
            Self::Speech => "speech",
        }
    }
}

/// The verbs Twilio allows inside `<Gather>`.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Prompt {
    Say(Say),
    Play(Play),
    Pause(Pause),
}

impl Prompt {
    fn write(&self, out: &mut Out) {
        match self {
            Self::Say(say) => say.write(out),
            Self::Play(play) => play.write(out),
            Self::Pause(pause) => pause.write(out),
        }
    }
}

/// Plays its prompts, then posts what the caller entered to `action`.
///
/// ```
/// use switchboard::twiml::{Gather, Response, Say};
///
/// // There is no way to build a Gather without an action.
/// let xml = Response::new()
///     .push(Gather::new("/voice/menu").num_digits(1).say(Say::new("Press 1.")))
///     .render();
/// assert!(xml.contains(r#"<Gather action="/voice/menu" numDigits="1"><Say>Press 1.</Say></Gather>"#));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    action: String,
    input: Vec<GatherInput>,
    num_digits: Option<u32>,
    timeout: Option<u32>,
    finish_on_key: Option<String>,
    speech_timeout: Option<String>,
    hints: Option<String>,
    language: Option<String>,
    action_on_empty_result: Option<bool>,
    prompts: Vec<Prompt>,
}

impl Gather {
    #[must_use]
    pub fn new(action: impl Into<String>) -> Self {
        Self {
            action: action.into(),
            input: Vec::new(),
            num_digits: None,
            timeout: None,
            finish_on_key: None,
            speech_timeout: None,
            hints: None,
            language: None,
            action_on_empty_result: None,
            prompts: Vec::new(),
        }
    }

    /// An empty list leaves the attribute out (Twilio then listens for DTMF).
    #[must_use]
    pub fn input(mut self, input: &[GatherInput]) -> Self {
        self.input = input.to_vec();
        self
    }

    /// Input ends as soon as this many digits are pressed.
    #[must_use]
    pub fn num_digits(mut self, digits: u32) -> Self {
        self.num_digits = Some(digits);
        self
    }

    /// Seconds to wait for input after the prompts finish (Twilio's default is 5).
    #[must_use]
    pub fn timeout(mut self, seconds: u32) -> Self {
        self.timeout = Some(seconds);
        self
    }

    /// One of `0-9 # *`; an empty string turns the finish key off (default `#`).
    #[must_use]
    pub fn finish_on_key(mut self, key: impl Into<String>) -> Self {
        self.finish_on_key = Some(key.into());
        self
    }

    /// Seconds as text, or `auto` to stop at the first pause.
    #[must_use]
    pub fn speech_timeout(mut self, timeout: impl Into<String>) -> Self {
        self.speech_timeout = Some(timeout.into());
        self
    }

    /// Comma-separated words or phrases the speech recogniser should expect.
    #[must_use]
    pub fn hints(mut self, hints: impl Into<String>) -> Self {
        self.hints = Some(hints.into());
        self
    }

    /// BCP-47 tag for speech recognition, e.g. `en-GB`.
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// With `true`, `action` is requested even when the caller entered
    /// nothing, instead of falling through to the next verb.
    #[must_use]
    pub fn action_on_empty_result(mut self, on: bool) -> Self {
        self.action_on_empty_result = Some(on);
        self
    }

    #[must_use]
    pub fn say(mut self, say: Say) -> Self {
        self.prompts.push(Prompt::Say(say));
        self
    }

    /// Twilio does not allow [`Play::digits`] on a nested `<Play>`.
    #[must_use]
    pub fn play(mut self, play: Play) -> Self {
        self.prompts.push(Prompt::Play(play));
        self
    }

    #[must_use]
    pub fn pause(mut self, pause: Pause) -> Self {
        self.prompts.push(Prompt::Pause(pause));
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Gather")
            .attr("action", Some(self.action.as_str()))
            .list("input", &self.input)
            .num("numDigits", self.num_digits)
            .num("timeout", self.timeout)
            .attr("finishOnKey", self.finish_on_key.as_deref())
            .attr("speechTimeout", self.speech_timeout.as_deref())
            .attr("hints", self.hints.as_deref())
            .attr("language", self.language.as_deref())
            .flag("actionOnEmptyResult", self.action_on_empty_result)
            .children(out, &self.prompts, Prompt::write);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Response;
    use super::*;

    fn body(gather: Gather) -> String {
        let xml = Response::new().push(gather).render();
        let start = xml.find("<Gather").expect("a Gather element");
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn gather_always_renders_its_action() {
        assert_eq!(body(Gather::new("/voice/menu")), r#"<Gather action="/voice/menu"/>"#);
    }

    #[test]
    fn gather_nests_prompts_in_the_order_added() {
        let xml = body(
            Gather::new("/m")
                .say(Say::new("Hi"))
                .play(Play::new("/a.mp3"))
                .pause(Pause::new(2))
                .say(Say::new("Bye")),
        );

        assert_eq!(
            xml,
            r#"<Gather action="/m"><Say>Hi</Say><Play>/a.mp3</Play><Pause length="2"/><Say>Bye</Say></Gather>"#
        );
    }

    #[test]
    fn gather_renders_every_option_in_twilio_spelling() {
        let xml = body(
            Gather::new("/m?a=1&b=2")
                .input(&[GatherInput::Dtmf, GatherInput::Speech])
                .num_digits(4)
                .timeout(7)
                .finish_on_key("")
                .speech_timeout("auto")
                .hints("sales, support")
                .language("en-GB")
                .action_on_empty_result(true),
        );

        assert_eq!(
            xml,
            concat!(
                r#"<Gather action="/m?a=1&amp;b=2" input="dtmf speech" numDigits="4" timeout="7" "#,
                r#"finishOnKey="" speechTimeout="auto" hints="sales, support" language="en-GB" "#,
                r#"actionOnEmptyResult="true"/>"#
            )
        );
    }
}
