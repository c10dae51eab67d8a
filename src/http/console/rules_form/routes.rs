//! The cards of the two routes (who is rung and what happens next) and of voicemail.

use maud::{html, Markup};

use super::fields::Marks;
use crate::routing::capital;
use crate::routing::form::{RouteForm, RulesForm};
use crate::routing::queue::duration_words;

const STRATEGIES: [(&str, &str); 4] = [
    ("none", "Nobody: straight to what happens next"),
    ("priority", "Ring one at a time, in order"),
    ("round_robin", "Take turns (round robin)"),
    ("simultaneous", "Ring everyone at once"),
];

pub(super) fn route_card(key: &str, title: &str, intro: &str, form: &RulesForm, marks: &Marks<'_>) -> Markup {
    let route: &RouteForm = form.route(key);
    let f = |part: &str| format!("{key}.{part}");
    html! {
        section.card.route aria-labelledby={ (key) "-h" } data-route=(key) {
            h2 id={ (key) "-h" } { (title) }
            p.muted { (intro) }
            (strategy_field(key, route, marks))
            (who_field(key, route, form))
            div.field.short.rings-only {
                label for=(f("ring_seconds")) { "Ring each for (seconds)" }
                input id=(f("ring_seconds")) name=(f("ring_seconds")) type="text" inputmode="numeric" value=(route.ring_seconds)
                    aria-invalid=[marks.invalid(&f("ring_seconds"))];
                (marks.of(&f("ring_seconds")))
            }
            label.check.rings-only {
                input type="checkbox" name=(f("screen")) checked[route.screen];
                " Ask the assistant to press 1 first (so their own voicemail never takes the call)"
            }
            (then_field(key, route, form, marks))
        }
    }
}

/// How the team is rung, for the route whose fields are named `{key}.…`.
pub(super) fn strategy_field(key: &str, route: &RouteForm, marks: &Marks<'_>) -> Markup {
    let name = format!("{key}.strategy");
    html! {
        div.field {
            label for=(name) { "How the team is rung" }
            select id=(name) name=(name) aria-invalid=[marks.invalid(&name)] {
                @for (value, words) in STRATEGIES {
                    option value=(value) selected[route.strategy == value] { (words) }
                }
            }
            (marks.of(&name))
        }
    }
}

/// Every assistant, or only those ticked.
pub(super) fn who_field(key: &str, route: &RouteForm, form: &RulesForm) -> Markup {
    let named: Vec<_> = form.assistants.iter().filter(|a| !a.id.is_empty()).collect();
    let who = format!("{key}.who");
    html! {
        @if named.is_empty() {
            input type="hidden" name=(who) value="everyone";
        } @else {
            fieldset.who.rings-only {
                legend { "Who" }
                label.check { input type="radio" name=(who) value="everyone" checked[route.everyone]; " Every assistant (new ones too)" }
                label.check { input type="radio" name=(who) value="chosen" checked[!route.everyone]; " Only those ticked:" }
                @for a in &named {
                    label.check.indent {
                        input type="checkbox" name={ (key) ".rings." (a.id) } checked[route.everyone || route.chosen.contains(&a.id)];
                        " " (a.name)
                    }
                }
            }
        }
    }
}

/// What happens when no assistant answers. Waiting in the queue is offered when the file
/// has a `[queue]`; what the route already does is always offered, so saving keeps it.
pub(super) fn then_field(key: &str, route: &RouteForm, form: &RulesForm, marks: &Marks<'_>) -> Markup {
    let name = format!("{key}.then");
    let mut choices = vec!["voicemail", "external"];
    if form.queue_wait_seconds.is_some() {
        choices.extend(["queue", "external+queue"]);
    }
    let current = (!choices.contains(&route.then.as_str())).then_some(route.then.as_str());
    html! {
        div.field {
            label for=(name) { "What happens next" }
            select id=(name) name=(name) aria-invalid=[marks.invalid(&name)] {
                @for value in choices.into_iter().chain(current) {
                    option value=(value) selected[route.then == value] { (then_words(value, form.queue_wait_seconds)) }
                }
            }
            (marks.of(&name))
        }
    }
}

/// "Ring the outside number, then callers wait in the queue (up to 10 minutes), then voicemail".
fn then_words(then: &str, queue_wait_seconds: Option<u32>) -> String {
    let steps: Vec<String> = (then.split('+'))
        .filter(|s| *s != "voicemail")
        .map(|step| match step {
            "external" => "ring the outside number".to_owned(),
            "queue" => match queue_wait_seconds {
                Some(wait) => format!("callers wait in the queue (up to {})", duration_words(wait)),
                None => "callers wait in the queue".to_owned(),
            },
            other => format!("“{other}”"),
        })
        .chain(["voicemail".to_owned()])
        .collect();
    capital(&steps.join(", then "))
}

pub(super) fn voicemail_card(form: &RulesForm, marks: &Marks<'_>) -> Markup {
    let v = &form.voicemail;
    html! {
        section.card aria-labelledby="voicemail-h" {
            h2 #voicemail-h { "Voicemail" }
            div.field {
                label for="voicemail.greeting" { "What callers hear before the tone" }
                textarea id="voicemail.greeting" name="voicemail.greeting" rows="3" aria-invalid=[marks.invalid("voicemail.greeting")] { (v.greeting) }
                (marks.of("voicemail.greeting"))
            }
            div.field.short {
                label for="voicemail.max_seconds" { "Longest message (seconds)" }
                input id="voicemail.max_seconds" name="voicemail.max_seconds" type="text" inputmode="numeric" value=(v.max_seconds)
                    aria-invalid=[marks.invalid("voicemail.max_seconds")];
                (marks.of("voicemail.max_seconds"))
            }
            label.check {
                input type="checkbox" name="voicemail.transcribe" checked[v.transcribe];
                " Write messages out as text (messages up to 120 seconds)"
            }
            div.field {
                label for="voicemail.notify" { "Who is told of a new message" }
                select id="voicemail.notify" name="voicemail.notify" {
                    option value="all" selected[v.notify == "all"] { "Every assistant" }
                    option value="available" selected[v.notify == "available"] { "Assistants on duty" }
                    @if v.notify == "chosen" {
                        option value="chosen" selected { "The people named in the text (Advanced)" }
                    }
                }
                (marks.of("voicemail.notify"))
            }
        }
    }
}
