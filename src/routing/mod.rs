//! The routing engine: rule files, business hours, strategies, menus and the chain a
//! call follows. PURE: no clock, no files, no database, no network. Callers pass the
//! time and the facts of the call in, so every case is a plain unit test.

pub mod cases;
mod decide;
mod decision;
pub mod form;
mod lint;
pub mod menu;
mod parse;
pub mod queue;
mod raw;
pub mod replay;
mod report;
pub mod rules;
pub mod schedule;
pub mod summary;
pub mod templates;
mod trace;

pub use lint::untranslated;
pub(crate) use trace::capital;
pub use trace::day_name;

pub use decide::{decide, rotation_route, select_route, CallInput, MenuChoice, Unavailable};
pub use decision::{Action, Decision, DialTarget, NextStep, Step, Why};
pub use parse::{parse, RuleError, RuleErrors};
pub use rules::{RouteKey, Rules};

#[cfg(test)]
mod callers_tests;
#[cfg(test)]
mod menus_props;
#[cfg(test)]
mod menus_tests;
#[cfg(test)]
mod queue_tests;
#[cfg(test)]
mod tests;
