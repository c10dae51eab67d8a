//! Alert and reply texts: per-client templates with named variables (`{caller}`,
//! `{client}`, `{duration}`, `{transcript}`, `{link}`, `{time}`), rendered by
//! tinytemplate. Pure. A template naming a variable we do not provide is refused when
//! the rules are checked, not when an alert is due.

use serde::Serialize;
use tinytemplate::TinyTemplate;

/// The variables every template may use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vars {
    /// The caller's number as Twilio gave it.
    pub caller: String,
    /// The client's display name.
    pub client: String,
    /// Voicemail length in seconds.
    pub duration: String,
    pub transcript: String,
    /// Where the call can be seen in the admin console.
    pub link: String,
    /// When the call came in, in the client's time zone.
    pub time: String,
}

pub const VARIABLES: &[&str] = &["caller", "client", "duration", "transcript", "link", "time"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("template: {0}")]
pub struct TemplateError(String);

/// Renders `text` with `vars`. Values are inserted as they are (SMS is not HTML).
///
/// # Errors
/// When the template is malformed or names an unknown variable.
pub fn render(text: &str, vars: &Vars) -> Result<String, TemplateError> {
    render_any(text, vars)
}

fn render_any<C: Serialize>(text: &str, context: &C) -> Result<String, TemplateError> {
    // tinytemplate 1.2 panics on some malformed input (found by the templates fuzz target):
    // a final `\` (it escapes a `{` that is not there), `{#}`, `{{ if not}}`… Templates only
    // need `{variable}`, so blocks and comments are refused before it sees them.
    if text.ends_with('\\') {
        return Err(TemplateError("a template cannot end with a backslash".into()));
    }
    if text.contains("{{") || text.contains("{#") {
        return Err(TemplateError(
            "only {variable} is supported, not {{…}} blocks or {#…#} comments".into(),
        ));
    }
    let mut tt = TinyTemplate::new();
    tt.set_default_formatter(&tinytemplate::format_unescaped);
    tt.add_template("t", text).map_err(|e| TemplateError(plain(&e)))?;
    tt.render("t", context).map_err(|e| TemplateError(plain(&e)))
}

/// Checks a template against every variable we provide.
///
/// # Errors
/// A message naming the problem and the variables that exist.
pub fn check(text: &str) -> Result<(), TemplateError> {
    let sample = Vars {
        caller: "+15555550123".into(),
        client: "Client".into(),
        duration: "30".into(),
        transcript: "Hello".into(),
        link: "https://example.com".into(),
        time: "Mon 09:00".into(),
    };
    render(text, &sample).map(|_| ()).map_err(|e| {
        TemplateError(format!(
            "{} (variables: {})",
            e.0,
            VARIABLES
                .iter()
                .map(|v| format!("{{{v}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    })
}

/// tinytemplate's messages are multi-line; an admin needs the first line.
fn plain(e: &tinytemplate::error::Error) -> String {
    e.to_string()
        .lines()
        .next()
        .unwrap_or("invalid template")
        .trim()
        .to_owned()
}

/// Renders `text` with any named values (bulk sends bring their own variables).
///
/// # Errors
/// When the template is malformed or names a variable the row does not have.
pub fn render_with(text: &str, values: &std::collections::BTreeMap<String, String>) -> Result<String, TemplateError> {
    render_any(text, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_are_filled_in_without_html_escaping() {
        let vars = Vars {
            caller: "+15555550123".into(),
            client: "Ben & Jerry's".into(),
            ..Vars::default()
        };
        assert_eq!(
            render("Call for {client} from {caller}", &vars).unwrap(),
            "Call for Ben & Jerry's from +15555550123"
        );
    }

    #[test]
    fn an_unknown_variable_is_refused_naming_the_known_ones() {
        let err = check("Hi {callr}").unwrap_err().to_string();
        assert!(err.contains("callr"), "{err}");
        assert!(err.contains("{caller}"), "{err}");
    }

    #[test]
    fn a_trailing_backslash_is_refused_not_a_panic() {
        for text in ["\\", "Listen: {link} \\", "{br}\\"] {
            let err = check(text).unwrap_err().to_string();
            assert!(err.contains("backslash"), "{text}: {err}");
        }
        assert_eq!(render("a \\{b} c", &Vars::default()).unwrap(), "a {b} c");
    }

    #[test]
    fn blocks_and_comments_are_refused_not_a_panic() {
        for text in [
            "Voi{#}{caller}",
            "{{ if not}}x{{ endif }}",
            "{# note #}{caller}",
            "{{ for x in y }}",
        ] {
            let err = check(text).unwrap_err().to_string();
            assert!(err.contains("only {variable}"), "{text}: {err}");
        }
    }

    #[test]
    fn every_documented_variable_is_accepted() {
        for v in VARIABLES {
            check(&format!("x {{{v}}} y")).unwrap();
        }
    }
}
