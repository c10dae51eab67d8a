//! The assistants card: who is rung, in which order, and their duty.

use maud::{html, Markup};

use super::fields::{blanks, Marks};
use crate::admin::AssistantDuty;
use crate::routing::form::{assistant_field, RulesForm};

pub(super) fn assistants_card(
    id: &str,
    form: &RulesForm,
    team: &[AssistantDuty],
    marks: &Marks<'_>,
    more: bool,
) -> Markup {
    let rows = &form.assistants;
    let filled = rows
        .iter()
        .filter(|a| !(a.id.is_empty() && a.name.trim().is_empty() && a.phone.trim().is_empty()))
        .count();
    html! {
        section.card aria-labelledby="assistants-h" {
            h2 #assistants-h { "Assistants" }
            p.muted { "The people whose phones ring. Number 1 rings first. Type phone numbers as you would dial them." }
            (marks.of("assistants"))
            ol.assistants {
                @for n in 0..(filled + blanks(filled, 3, more).max(1)) {
                    @let a = rows.get(n);
                    @let who = a.map_or("", |a| a.id.as_str());
                    @let duty = team.iter().find(|t| !who.is_empty() && t.id == who);
                    li.assistant data-assistant=(who) {
                        input type="hidden" name=(assistant_field(n, "id")) value=(who);
                        div.field.order {
                            label for=(assistant_field(n, "order")) { "Order" }
                            input id=(assistant_field(n, "order")) name=(assistant_field(n, "order")) type="text" inputmode="numeric"
                                value=(a.map_or_else(|| (n + 1).to_string(), |a| a.order.clone())) aria-invalid=[marks.invalid(&assistant_field(n, "order"))];
                        }
                        div.field {
                            label for=(assistant_field(n, "name")) { @if who.is_empty() { "New assistant's name" } @else { "Name" } }
                            input id=(assistant_field(n, "name")) name=(assistant_field(n, "name")) type="text"
                                value=(a.map_or("", |a| a.name.as_str())) aria-invalid=[marks.invalid(&assistant_field(n, "name"))];
                        }
                        div.field {
                            label for=(assistant_field(n, "phone")) { "Phone" }
                            input id=(assistant_field(n, "phone")) name=(assistant_field(n, "phone")) type="tel"
                                value=(a.map_or("", |a| a.phone.as_str())) aria-invalid=[marks.invalid(&assistant_field(n, "phone"))];
                        }
                        // New rows keep the column, so every row lines up.
                        @if who.is_empty() {
                            div.status {}
                        } @else {
                            div.status {
                                @match duty {
                                    Some(t) if t.on_duty => span.badge.open { "On duty" },
                                    Some(_) => span.badge.closed { "Off duty" },
                                    None => {}
                                }
                                label.check {
                                    input type="checkbox" name=(assistant_field(n, "remove")) checked[a.is_some_and(|a| a.remove)];
                                    " Remove"
                                }
                            }
                        }
                        (marks.of(&assistant_field(n, "order")))
                        (marks.of(&assistant_field(n, "name")))
                        (marks.of(&assistant_field(n, "phone")))
                    }
                }
            }
            p.muted { "On and off duty is switched on the " a href={ "/admin/clients/" (id) } { "Today page" } "." }
        }
    }
}
