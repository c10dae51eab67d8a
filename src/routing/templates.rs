//! Message texts with named variables: alerts and replies (`{caller}`, `{client}`,
//! `{duration}`, `{transcript}`, `{link}`, `{time}`) and the templates admins store for
//! their own sends, rendered by tinytemplate. A variable may be written `{name}` or
//! `{{name}}` (the form other messaging services use): both mean the same. Pure. An alert
//! template naming a variable we do not provide is refused when the rules are checked, not
//! when an alert is due.

use serde::Serialize;
use tinytemplate::TinyTemplate;

/// The variables every template may use.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Vars {
    /// The caller's number as people near the business write it (`(917) 555-0142`; in
    /// international form from abroad), or as Twilio gave it when it is not a number.
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
    let text = single_braces(text)?;
    let mut tt = TinyTemplate::new();
    tt.set_default_formatter(&tinytemplate::format_unescaped);
    tt.add_template("t", &text).map_err(|e| TemplateError(plain(&e)))?;
    tt.render("t", context).map_err(|e| TemplateError(plain(&e)))
}

/// `text` with each `{{name}}` written `{name}`, as tinytemplate reads a variable.
///
/// # Errors
/// For what tinytemplate 1.2 would panic on (found by the templates fuzz target): a final `\`
/// (it escapes a `{` that is not there), `{#}`, `{{ if not}}`… Templates only need variables,
/// so blocks and comments are refused before it sees them.
fn single_braces(text: &str) -> Result<String, TemplateError> {
    if text.ends_with('\\') {
        return Err(TemplateError("a template cannot end with a backslash".into()));
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{{") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let name = after
            .split_once("}}")
            .map(|(inner, _)| inner.trim())
            .filter(|inner| !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'));
        match name {
            Some(name) => {
                out.push('{');
                out.push_str(name);
                out.push('}');
                rest = &after[after.find("}}").unwrap_or(0) + 2..];
            }
            None => {
                out.push('{');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    if out.contains("{{") || out.contains("{#") {
        return Err(TemplateError(
            "only variables are supported ({name} or {{name}}), not {{…}} blocks or {#…#} comments".into(),
        ));
    }
    Ok(out)
}

/// The variables `text` names, each once, in the order they first appear: a bulk row is
/// checked against them, so a missing value is named rather than reported by tinytemplate.
///
/// # Errors
/// When the template is malformed.
pub fn variables(text: &str) -> Result<Vec<String>, TemplateError> {
    let text = single_braces(text)?;
    let mut names: Vec<String> = Vec::new();
    let mut rest = text.as_str();
    while let Some(open) = rest.find('{') {
        let escaped = rest[..open].ends_with('\\');
        rest = &rest[open + 1..];
        if escaped {
            continue;
        }
        let Some(close) = rest.find('}') else { break };
        let name = rest[..close].split('|').next().unwrap_or("").trim().to_owned();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
        rest = &rest[close + 1..];
    }
    Ok(names)
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

/// Renders `text` with any named values (sends through the API bring their own variables).
///
/// # Errors
/// When the template is malformed or names a variable `values` does not have.
pub fn render_with(text: &str, values: &std::collections::BTreeMap<String, String>) -> Result<String, TemplateError> {
    let missing: Vec<String> = variables(text)?
        .into_iter()
        .filter(|v| !values.contains_key(v))
        .map(|v| format!("{{{v}}}"))
        .collect();
    if !missing.is_empty() {
        return Err(TemplateError(format!("no value for {}", missing.join(", "))));
    }
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
            assert!(err.contains("only variables"), "{text}: {err}");
        }
    }

    #[test]
    fn double_braces_are_variables_too() {
        let vars = Vars {
            caller: "+15555550123".into(),
            client: "Acme".into(),
            ..Vars::default()
        };
        assert_eq!(
            render("{{client}}: call from {{ caller }} ({caller})", &vars).unwrap(),
            "Acme: call from +15555550123 (+15555550123)"
        );
        check("{{caller}}").unwrap();
        for text in ["{{{caller}}}", "{{caller", "{{ a b }}", "{{}}"] {
            assert!(check(text).is_err(), "{text}");
        }
    }

    #[test]
    fn a_missing_value_is_named() {
        let values = std::collections::BTreeMap::from([("name".to_owned(), "Ann".to_owned())]);
        assert_eq!(render_with("Hi {{name}}", &values).unwrap(), "Hi Ann");
        let err = render_with("Hi {name}, at {{ time }} on {day}", &values)
            .unwrap_err()
            .to_string();
        assert!(err.contains("no value for {time}, {day}"), "{err}");
        assert_eq!(variables("a \\{b} {c} {c | x} {{d}}").unwrap(), ["c", "d"]);
    }

    #[test]
    fn every_documented_variable_is_accepted() {
        for v in VARIABLES {
            check(&format!("x {{{v}}} y")).unwrap();
        }
    }
}
