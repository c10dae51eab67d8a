//! `<Say>`: text-to-speech. Owns the verb and its attributes; the text is
//! free-form (caller names, transcripts), so it is always escaped.

use super::xml::{Element, Out};

/// Speaks `text`. Unset attributes fall back to Twilio's defaults: the
/// account's default voice, `en-US`, played once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    text: String,
    voice: Option<String>,
    language: Option<String>,
    loop_count: Option<u32>,
}

impl Say {
    #[must_use]
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            voice: None,
            language: None,
            loop_count: None,
        }
    }

    /// `man`, `woman`, `Polly.<Name>[-Neural]`, `Google.<lang>-<name>`.
    #[must_use]
    pub fn voice(mut self, voice: impl Into<String>) -> Self {
        self.voice = Some(voice.into());
        self
    }

    /// `ll-CC`, e.g. `en-GB`; it must suit the voice.
    #[must_use]
    pub fn language(mut self, language: impl Into<String>) -> Self {
        self.language = Some(language.into());
        self
    }

    /// How many times to speak; `0` repeats until hangup.
    #[must_use]
    pub fn loop_count(mut self, count: u32) -> Self {
        self.loop_count = Some(count);
        self
    }

    pub(super) fn write(&self, out: &mut Out) {
        Element::new("Say")
            .attr("voice", self.voice.as_deref())
            .attr("language", self.language.as_deref())
            .num("loop", self.loop_count)
            .text(out, &self.text);
    }
}

#[cfg(test)]
mod tests {
    use super::super::Response;
    use super::*;

    fn body(say: Say) -> String {
        let xml = Response::new().push(say).render();
        let start = xml.find("<Say").expect("a Say element");
        xml[start..xml.len() - "</Response>".len()].to_owned()
    }

    #[test]
    fn say_text_is_escaped() {
        let xml = body(Say::new(r#"Tom & Jerry <b> "hi" 'yo'"#));

        assert_eq!(
            xml,
            "<Say>Tom &amp; Jerry &lt;b&gt; &quot;hi&quot; &apos;yo&apos;</Say>"
        );
    }

    #[test]
    fn say_without_options_has_no_attributes() {
        assert_eq!(body(Say::new("Hello")), "<Say>Hello</Say>");
    }

    #[test]
    fn say_renders_voice_language_and_loop() {
        let xml = body(
            Say::new("Bonjour")
                .voice("Polly.Celine")
                .language("fr-FR")
                .loop_count(0),
        );

        assert_eq!(
            xml,
            r#"<Say voice="Polly.Celine" language="fr-FR" loop="0">Bonjour</Say>"#
        );
    }

    #[test]
    fn say_keeps_non_ascii_text_verbatim() {
        assert_eq!(body(Say::new("café 😀")), "<Say>café 😀</Say>");
    }
}
