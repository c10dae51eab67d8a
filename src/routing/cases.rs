//! Runs a rule file's own `[[tests]]`: each case is a call at a local time that must
//! get exactly the expected chain. Run by `rules check` and before any version is saved.
//! A case a change routes differently can be accepted: its `expect` is rewritten in the
//! file's text, comments and layout kept.

use std::collections::HashMap;

use chrono::{LocalResult, NaiveDateTime, TimeZone, Utc};

use super::decide::{decide, CallInput, Unavailable};
use super::menu;
use super::parse::RuleError;
use super::rules::{RuleCase, Rules};
use crate::ids::AssistantId;
use crate::phone::E164;

/// A case the rules now route differently from what it expects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    /// Its place among the file's `[[tests]]`.
    pub index: usize,
    pub line: usize,
    pub at: NaiveDateTime,
    /// The case's conditions: who is off duty, what the caller pressed.
    pub off_duty: Vec<AssistantId>,
    /// What the caller pressed at each menu in turn.
    pub digits: Vec<String>,
    pub expected: Vec<String>,
    pub got: Vec<String>,
    /// Why the call now goes where it goes, in the trace's words.
    pub why: Vec<String>,
}

/// Why a case fails: a different route, or a time that cannot be.
#[derive(Debug, Clone)]
pub enum Failure {
    Changed(Changed),
    Error(RuleError),
}

impl From<Failure> for RuleError {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Error(e) => e,
            Failure::Changed(c) => RuleError {
                line: c.line,
                column: 1,
                message: format!(
                    "test at {}: expected [{}] but got [{}] ({})",
                    c.at,
                    c.expected.join(", "),
                    c.got.join(", "),
                    c.why.join("; ")
                ),
            },
        }
    }
}

/// The failures, at the line of the case that failed.
pub fn run(rules: &Rules) -> Vec<RuleError> {
    failures(rules).into_iter().map(RuleError::from).collect()
}

/// Each case that fails, and how.
pub fn failures(rules: &Rules) -> Vec<Failure> {
    rules
        .tests
        .iter()
        .enumerate()
        .filter_map(|(index, case)| check(rules, index, case))
        .collect()
}

/// How the case fails, if it does.
fn check(rules: &Rules, index: usize, case: &RuleCase) -> Option<Failure> {
    let now = match rules.timezone.from_local_datetime(&case.at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            return Some(Failure::Error(RuleError {
                line: case.line,
                column: 1,
                message: format!("{} does not exist in {} (a DST gap)", case.at, rules.timezone),
            }))
        }
    };
    let unavailable: HashMap<_, _> = case
        .off_duty
        .iter()
        .map(|id| (id.clone(), Unavailable::OffDuty))
        .collect();
    let called = rules.numbers.first().map_or("", |n| n.as_str());
    let keys: Vec<&str> = case.digits.iter().map(String::as_str).collect();
    let walked = menu::walk(rules, &keys);
    let input = CallInput {
        called,
        at_menu: walked.menu,
        menu: walked.choice,
        language: walked.language,
        unavailable: &unavailable,
        rotation: 0,
        from: case.from.as_ref().map(E164::as_str),
        spoke_with: case.spoke_with.as_ref(),
    };
    let decision = decide(rules, now, &input);
    let got = decision.labels();
    let language = walked.language.or(rules.speech.language.as_deref());
    if let Some(expected) = case.language.as_deref().filter(|e| Some(*e) != language) {
        return Some(Failure::Error(RuleError {
            line: case.line,
            column: 1,
            message: format!(
                "test at {}: expected the call in {expected} but it is in {}",
                case.at,
                language.unwrap_or("the voice's own language")
            ),
        }));
    }
    if got == case.expect {
        return None;
    }
    Some(Failure::Changed(Changed {
        index,
        line: case.line,
        at: case.at,
        off_duty: case.off_duty.clone(),
        digits: case.digits.clone(),
        expected: case.expect.clone(),
        got,
        why: decision.trace(rules),
    }))
}

/// `source` with each changed case's `expect` set to what the rules now do, every comment
/// and the layout kept.
///
/// # Errors
/// When `source` is not TOML or has no such case (it was parsed before, so neither happens
/// unless the text changed in between).
pub fn accept(source: &str, changed: &[Changed]) -> Result<String, String> {
    let mut doc: toml_edit::DocumentMut = source.parse().map_err(|e: toml_edit::TomlError| e.to_string())?;
    let tests = doc
        .get_mut("tests")
        .and_then(toml_edit::Item::as_array_of_tables_mut)
        .ok_or("the file has no [[tests]]")?;
    for c in changed {
        let case = tests
            .get_mut(c.index)
            .ok_or_else(|| format!("the file has no test number {}", c.index + 1))?;
        let decor = case
            .get("expect")
            .and_then(toml_edit::Item::as_value)
            .map(|v| v.decor().clone());
        let mut expect: toml_edit::Value = c.got.iter().map(String::as_str).collect::<toml_edit::Array>().into();
        if let Some(decor) = decor {
            *expect.decor_mut() = decor;
        }
        case.insert("expect", toml_edit::Item::Value(expect));
    }
    Ok(doc.to_string())
}
