//! A rule file's own `[[tests]]` ("checks" to the people who edit it) that a draft routes
//! differently. They protect without blocking: the admin sees which checks changed and how,
//! and may accept the new outcomes in the same save; nothing is accepted unseen.

use crate::admin::{save_rules, Actor, AdminError, Service};
use crate::routing::cases::{self, Changed, Failure};
use crate::routing::{RuleError, Rules};

/// The checks a draft routes differently, with the draft (for the names in them).
#[derive(Debug)]
pub struct ChangedChecks {
    pub rules: Rules,
    pub changes: Vec<Changed>,
}

impl ChangedChecks {
    /// What the admin was shown, to be sent back when they accept it: accepting checks that
    /// have changed again since would accept something unseen.
    pub fn seen(&self) -> String {
        let shown: String = (self.changes.iter())
            .map(|c| format!("{}:{}:{}\n", c.index, c.expected.join(","), c.got.join(",")))
            .collect();
        crate::store::rule_versions::content_hash(&shown)
    }
}

/// The checks `source` routes differently, when that is all that is wrong with it (it
/// parses, and every failing check merely expects another outcome).
pub fn changed_by(source: &str) -> Option<ChangedChecks> {
    let rules = crate::routing::parse(source).ok()?;
    let mut changes = Vec::new();
    for failure in cases::failures(&rules) {
        match failure {
            Failure::Changed(c) => changes.push(c),
            Failure::Error(_) => return None,
        }
    }
    (!changes.is_empty()).then_some(ChangedChecks { rules, changes })
}

/// Saves `source` with the new outcomes of its changed checks written into it, if they are
/// still the ones the admin saw (`seen`).
///
/// # Errors
/// `Invalid` when they are not, or as [`save_rules`].
pub async fn save_accepting(
    service: &Service,
    actor: &Actor,
    id: &str,
    source: &str,
    comment: Option<&str>,
    seen: &str,
) -> Result<i32, AdminError> {
    let refuse = |message: String| {
        AdminError::Invalid(vec![RuleError {
            line: 1,
            column: 1,
            message,
        }])
    };
    let Some(changed) = changed_by(source).filter(|c| c.seen() == seen) else {
        return Err(refuse(
            "the checks this change affects are not the ones you were shown: look at them again".into(),
        ));
    };
    let accepted = cases::accept(source, &changed.changes).map_err(refuse)?;
    let n = changed.changes.len();
    let note = format!(
        "{}accepted the new outcome of {n} check{}",
        comment.map(|c| format!("{c}; ")).unwrap_or_default(),
        if n == 1 { "" } else { "s" }
    );
    save_rules(service, actor, id, &accepted, Some(&note)).await
}
