//! Runs a rule file's own `[[tests]]`: each case is a call at a local time that must
//! get exactly the expected chain. Run by `rules check` and before any version is saved.

use std::collections::HashMap;

use chrono::{LocalResult, TimeZone, Utc};

use super::decide::{decide, CallInput, MenuChoice, Unavailable};
use super::menu;
use super::parse::RuleError;
use super::rules::{RuleCase, Rules};

/// The failures, at the line of the case that failed.
pub fn run(rules: &Rules) -> Vec<RuleError> {
    rules.tests.iter().filter_map(|case| check(rules, case).err()).collect()
}

fn check(rules: &Rules, case: &RuleCase) -> Result<(), RuleError> {
    let fail = |message: String| RuleError {
        line: case.line,
        column: 1,
        message,
    };
    let now = match rules.timezone.from_local_datetime(&case.at) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
        LocalResult::None => {
            return Err(fail(format!(
                "{} does not exist in {} (a DST gap)",
                case.at, rules.timezone
            )))
        }
    };
    let unavailable: HashMap<_, _> = case
        .off_duty
        .iter()
        .map(|id| (id.clone(), Unavailable::OffDuty))
        .collect();
    let called = rules.numbers.first().map_or("", |n| n.as_str());
    let mut input = CallInput {
        called,
        menu: MenuChoice::NotAsked,
        unavailable: &unavailable,
        rotation: 0,
    };
    if case.digits.is_some() {
        input.menu = menu::resolve(rules, case.digits.as_deref(), None, 0);
    }
    let decision = decide(rules, now, &input);
    let got = decision.labels();
    if got == case.expect {
        Ok(())
    } else {
        Err(fail(format!(
            "test at {}: expected [{}] but got [{}] ({})",
            case.at,
            case.expect.join(", "),
            got.join(", "),
            decision.trace(rules).join("; ")
        )))
    }
}
