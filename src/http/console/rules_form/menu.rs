//! The menu card: what callers hear, how they choose, and where each choice goes. Parts
//! the form does not edit (a menu inside a choice, languages, a recorded prompt) are shown
//! as written, to be changed in Advanced.

use maud::{html, Markup};

use super::fields::{blanks, Marks};
use super::routes::{strategy_field, then_field, who_field};
use crate::routing::form::{option_field, MenuOptionForm, RulesForm};

pub(super) fn menu_card(id: &str, form: &RulesForm, marks: &Marks<'_>, more: bool) -> Markup {
    let m = &form.menu;
    let filled = m
        .options
        .iter()
        .filter(|o| !o.was.is_empty() || !o.key.trim().is_empty())
        .count();
    let advanced = format!("/admin/clients/{id}/rules");
    html! {
        section.card.menu aria-labelledby="menu-h" {
            h2 #menu-h { "Menu" }
            p.muted { "During opening hours, callers can choose where their call goes by pressing a key (or saying a word)." }
            (marks.of("menu"))
            label.check {
                input type="checkbox" name="menu.on" checked[m.on];
                " Callers hear a menu during opening hours"
            }
            div.menu-fields {
                @if m.prompt_kept() {
                    input type="hidden" name="menu.prompt_kept" value="yes";
                } @else {
                    div.field {
                        label for="menu.prompt" { "What callers hear" }
                        textarea id="menu.prompt" name="menu.prompt" rows="3" placeholder="For appointments press 1. For anything else press 2."
                            aria-invalid=[marks.invalid("menu.prompt")] { (m.prompt) }
                        (marks.of("menu.prompt"))
                    }
                }
                label.check {
                    input type="checkbox" name="menu.speech" checked[m.speech];
                    " Callers may also say a choice's words"
                }
                div.field.short {
                    label for="menu.timeout_seconds" { "Wait for a choice (seconds)" }
                    input id="menu.timeout_seconds" name="menu.timeout_seconds" type="text" inputmode="numeric" value=(m.timeout_seconds)
                        aria-invalid=[marks.invalid("menu.timeout_seconds")];
                    (marks.of("menu.timeout_seconds"))
                }
                div.field.short {
                    label for="menu.retries" { "Play it again when nothing is chosen (times)" }
                    input id="menu.retries" name="menu.retries" type="text" inputmode="numeric" value=(m.retries)
                        aria-invalid=[marks.invalid("menu.retries")];
                    (marks.of("menu.retries"))
                }
                div.field {
                    label for="menu.default" { "When the caller chooses nothing" }
                    select id="menu.default" name="menu.default" aria-invalid=[marks.invalid("menu.default")] {
                        option value="" selected[m.default.is_empty()] { "Ring as when open, without the menu" }
                        @for o in m.options.iter().filter(|o| !o.key.trim().is_empty()) {
                            option value=(o.key.trim()) selected[m.default == o.key.trim()] { "As if they pressed " (o.key.trim()) }
                        }
                    }
                    (marks.of("menu.default"))
                }
                h3 { "Choices" }
                @for n in 0..(filled + blanks(filled, 1, more)) {
                    (choice(n, m.options.get(n), form, marks, &advanced))
                }
                @if !m.kept.is_empty() {
                    div.kept {
                        p { "Also in the menu, as the text has it. " a href=(advanced) { "Edit these in Advanced" } "." }
                        pre { @for k in &m.kept { (k) "\n" } }
                    }
                }
            }
        }
    }
}

fn choice(n: usize, option: Option<&MenuOptionForm>, form: &RulesForm, marks: &Marks<'_>, advanced: &str) -> Markup {
    let blank = MenuOptionForm::default();
    let o = option.unwrap_or(&blank);
    let key = format!("menu.option.{n}");
    let f = |part: &str| option_field(n, part);
    html! {
        div.menu-option.route role="group" aria-label={ "Choice " (o.key) } data-key=(o.key) {
            input type="hidden" name=(f("was")) value=(o.was);
            @if let Some(kept) = &o.kept {
                input type="hidden" name=(f("key")) value=(o.key);
                input type="hidden" name=(f("kept")) value="yes";
                p {
                    strong { "Key " (o.key) } ": this choice has settings the form cannot show (a menu of its own, or a language). "
                    a href=(advanced) { "Edit it in Advanced" } "."
                }
                pre { (kept) }
            } @else {
                div.pair {
                    div.field {
                        label for=(f("key")) { "Key" }
                        input id=(f("key")) name=(f("key")) type="text" inputmode="numeric" maxlength="1" value=(o.key)
                            aria-invalid=[marks.invalid(&f("key"))];
                    }
                    div.field {
                        label for=(f("speech")) { "Or say (words, separated by commas)" }
                        input id=(f("speech")) name=(f("speech")) type="text" placeholder="appointment, booking" value=(o.speech);
                    }
                }
                (marks.of(&f("key")))
                (strategy_field(&key, &o.route, marks))
                (who_field(&key, &o.route, form))
                (then_field(&key, &o.route, form, marks))
                (marks.of(&f("ring_seconds")))
                @if !o.was.is_empty() {
                    label.check {
                        input type="checkbox" name=(f("remove")) checked[o.remove];
                        " Remove this choice"
                    }
                }
            }
        }
    }
}
