//! Where each field's problem and warning are shown, and the small pieces every card uses.

use maud::{html, Markup};

use crate::routing::form::{self, Warning};

/// The problems and warnings of the fields, to show beside each.
pub(super) struct Marks<'a> {
    pub(super) problems: &'a form::Problems,
    pub(super) warnings: &'a [Warning],
}

impl Marks<'_> {
    pub(super) fn of(&self, field: &str) -> Markup {
        html! {
            @if let Some(p) = self.problems.get(field) {
                p.field-error id={ "err-" (field) } { (p) }
            }
            @for w in self.warnings.iter().filter(|w| w.field == field) {
                p.field-warning { "⚠ " (w.message) }
            }
        }
    }

    pub(super) fn invalid(&self, field: &str) -> Option<&'static str> {
        self.problems.contains_key(field).then_some("true")
    }
}

pub(super) fn text_field(name: &str, label: &str, value: &str, kind: &str, marks: &Marks<'_>) -> Markup {
    html! {
        div.field {
            label for=(name) { (label) }
            input id=(name) name=(name) type=(kind) value=(value) aria-invalid=[marks.invalid(name)];
            (marks.of(name))
        }
    }
}

/// Empty rows to offer after the filled ones: enough for `wanted` rows in all, and one more
/// each time the admin asks for more.
pub(super) fn blanks(filled: usize, wanted: usize, more: bool) -> usize {
    wanted.saturating_sub(filled) + usize::from(more)
}
