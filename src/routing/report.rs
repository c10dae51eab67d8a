//! Problems in a rule file, each at its line and column.

use std::ops::Range;

/// One problem in a rule file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RuleError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Every problem found in one file; a file is accepted only when there are none.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.render("rules"))]
pub struct RuleErrors(pub Vec<RuleError>);

impl RuleErrors {
    /// `file:line:column: message`, one per line, as compilers print them.
    pub fn render(&self, file: &str) -> String {
        self.0
            .iter()
            .map(|e| format!("{file}:{}:{}: {}", e.line, e.column, e.message))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Collects errors against the source text so spans become line and column.
pub(super) struct Report<'s> {
    source: &'s str,
    errors: Vec<RuleError>,
}

impl<'s> Report<'s> {
    pub(super) fn new(source: &'s str) -> Self {
        Self {
            source,
            errors: Vec::new(),
        }
    }

    pub(super) fn at(&mut self, span: Range<usize>, message: impl Into<String>) {
        let (line, column) = self.position(span.start);
        // One problem, one line: the TOML parser's messages come on several
        // ("invalid array\nexpected `]`"), which would read as several problems.
        let message: String = message.into();
        let message = message
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        self.errors.push(RuleError { line, column, message });
    }

    /// Every `[[tests]]` case asks for its line, so this is on the path of every file read:
    /// `memchr` counts newlines many bytes at a time where `str::matches` went char by char.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let before = &self.source[..offset.min(self.source.len())];
        let line = memchr::memchr_iter(b'\n', before.as_bytes()).count() + 1;
        let start = memchr::memrchr(b'\n', before.as_bytes()).map_or(0, |i| i + 1);
        let column = before[start..].chars().count() + 1;
        (line, column)
    }

    pub(super) fn finish<T>(mut self, value: T) -> Result<T, RuleErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            self.errors.sort_by_key(|e| (e.line, e.column));
            Err(RuleErrors(self.errors))
        }
    }
}
