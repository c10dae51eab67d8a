//! Logging, set up once: human-readable by default, JSON lines by a setting.
//! `RUST_LOG` overrides the default filter.
//!
//! Log fields carry what requests brought (a caller's `From`, a `CallSid`, a `client` from a
//! URL, an error naming one), and a caller chooses those. In the text log every field and
//! message is written through [`escape`], here and only here, so no value can start a line of
//! its own and pass for one the server wrote, or steer the terminal reading it. JSON lines are
//! escaped by JSON itself.

use std::borrow::Cow;
use std::fmt;

use tracing::field::{Field, Visit};
use tracing_subscriber::field::{MakeVisitor, VisitFmt, VisitOutput};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::EnvFilter;

const DEFAULT_FILTER: &str = "switchboard=info,tower_http=warn";

pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    // Colours only on a terminal: a log file or a collector gets `id=40`, not escape codes.
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .with_ansi(colour);
    // `try_init`: tests and tools may call this more than once.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.fmt_fields(EscapedFields).try_init()
    };
}

/// `text` with its control characters (newlines, carriage returns, terminal escapes…) and line
/// separators written as Rust writes them in a literal: `\n`, `\r`, `\u{1b}`.
pub fn escape(text: &str) -> Cow<'_, str> {
    let special = |c: char| c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
    if !text.chars().any(special) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if special(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The text log's fields, as `tracing_subscriber` writes them (`name=value`, the message bare),
/// each through [`escape`].
struct EscapedFields;

impl<'a> MakeVisitor<Writer<'a>> for EscapedFields {
    type Visitor = EscapedVisitor<'a>;

    fn make_visitor(&self, writer: Writer<'a>) -> Self::Visitor {
        EscapedVisitor {
            writer,
            first: true,
            result: Ok(()),
        }
    }
}

struct EscapedVisitor<'a> {
    writer: Writer<'a>,
    first: bool,
    result: fmt::Result,
}

impl Visit for EscapedVisitor<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if self.result.is_err() {
            return;
        }
        let text = format!("{value:?}");
        let separator = if std::mem::take(&mut self.first) { "" } else { " " };
        self.result = match field.name() {
            "message" => write!(self.writer, "{separator}{}", escape(&text)),
            name => write!(
                self.writer,
                "{separator}{}={}",
                name.trim_start_matches("r#"),
                escape(&text)
            ),
        };
    }
}

impl VisitOutput<fmt::Result> for EscapedVisitor<'_> {
    fn finish(self) -> fmt::Result {
        self.result
    }
}

impl VisitFmt for EscapedVisitor<'_> {
    fn writer(&mut self) -> &mut dyn fmt::Write {
        &mut self.writer
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_and_line_separators_are_escaped_and_the_rest_kept() {
        assert_eq!(
            escape("+1212555\nFORGED\r\u{1b}[31m\u{85}\u{2028}"),
            "+1212555\\nFORGED\\r\\u{1b}[31m\\u{85}\\u{2028}"
        );
        assert_eq!(escape("Zoë's \"café\" \\ +•••4321"), "Zoë's \"café\" \\ +•••4321");
    }
}
