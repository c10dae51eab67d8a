//! The rules editor: check without saving, save with a comment, and the checks a change
//! makes come out differently. A refused save keeps the admin's text and shows every
//! problem next to its line. Versions, compare and roll back are in `versions`.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::Page;
use crate::admin::checks::{self, ChangedChecks};
use crate::admin::replay::{DraftReplay, DAYS};
use crate::admin::{self, AdminError};
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::routing::{RuleError, Rules};
use crate::store::rule_versions;

#[derive(Deserialize)]
pub struct Shown {
    saved: Option<i32>,
}

pub async fn editor(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<Shown>,
) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let current = rule_versions::find(&state.db, &id, loaded.version)
        .await?
        .ok_or(AdminError::NotFound)?;
    let notice = q
        .saved
        .map(|v| Notice::Good(format!("Saved as version {v}. It is used from the next call on.")));
    let draft = Draft {
        source: &current.source,
        notice,
        ..Draft::default()
    };
    Ok(editor_page(&session, &id, loaded.version, &draft).into_response())
}

pub(super) enum Notice {
    Good(String),
    Bad(String),
}

/// The text in the editor and what was found in it.
#[derive(Default)]
pub(super) struct Draft<'a> {
    pub(super) source: &'a str,
    pub(super) comment: &'a str,
    pub(super) notice: Option<Notice>,
    pub(super) problems: &'a [RuleError],
    /// When the only problems are checks it routes differently: those, to accept or not.
    pub(super) changed: Option<&'a ChangedChecks>,
    /// The draft tried on the last days' calls.
    pub(super) replay: Option<&'a DraftReplay>,
    /// Written by the rules form, which a save goes back to.
    pub(super) from_form: bool,
}

pub(super) fn editor_page(session: &Session, id: &str, version: i32, draft: &Draft<'_>) -> Markup {
    let Draft {
        source,
        comment,
        notice,
        problems,
        changed,
        replay,
        from_form,
    } = draft;
    let problems: &[RuleError] = problems;
    let lines = source.lines().count().max(1);
    let at_line = |n: usize| problems.iter().filter(move |p| p.line == n);
    let body = html! {
        h1 { "Rules" }
        p.muted {
            "Version " (version) " is in use. "
            a href={ "/admin/clients/" (id) "/rules/versions" } { "Versions and roll back" }
            " · "
            (back_to_form(id, *from_form))
        }
        @match &notice {
            Some(Notice::Good(m)) => p.notice.good role="status" { (m) },
            Some(Notice::Bad(m)) => p.notice.bad role="alert" { (m) },
            None => {}
        }
        @if let Some(r) = replay {
            (super::replay::card(r))
        }
        @if let Some(changed) = changed {
            (checks_card(id, changed, *from_form))
        } @else if !problems.is_empty() {
            section.card.problems aria-labelledby="problems-h" {
                h2 #problems-h { (problems.len()) @if problems.len() == 1 { " problem" } @else { " problems" } }
                ol {
                    @for p in problems {
                        li { a href={ "#line-" (p.line) } { "Line " (p.line) ", column " (p.column) } ": " (p.message) }
                    }
                }
            }
        }
        form.rules #editor method="post" action={ "/admin/clients/" (id) "/rules" } {
            input type="hidden" name="csrf" value=(session.csrf);
            @if *from_form { input type="hidden" name="from" value="form"; }
            label for="source" { "Rules (TOML)" }
            div.editor {
                ol.gutter aria-hidden="true" {
                    @for n in 1..=lines {
                        li #{ "line-" (n) } class=[at_line(n).next().map(|_| "error")] { (n) }
                    }
                }
                textarea #source name="source" rows=(lines + 1) wrap="off" spellcheck="false"
                    autocapitalize="off" autocomplete="off" { (source) }
                ol.notes aria-hidden="true" {
                    @for n in 1..=lines {
                        li data-line=(n) {
                            @for p in at_line(n) {
                                @if changed.is_some() {
                                    span.note { "⚠ This check comes out differently: see above" }
                                } @else {
                                    span.note { "⚠ " (p.message) }
                                }
                            }
                        }
                    }
                }
            }
            label for="comment" { "What changed, and why (kept with the version)" }
            input #comment type="text" name="comment" value=(comment);
            div.actions {
                button type="submit" name="action" value="check" { "Check without saving" }
                @if let Some(changed) = changed {
                    input type="hidden" name="seen" value=(changed.seen());
                    button.primary type="submit" name="action" value="accept" {
                        "Save, with the new outcomes of these checks"
                    }
                } @else {
                    button.primary type="submit" name="action" value="save" { "Save" }
                }
                button type="submit" formaction={ "/admin/clients/" (id) "/try" } { "Try a call with this text" }
                button type="submit" name="action" value="replay" { "Try it on the last " (DAYS) " days of calls" }
            }
        }
    };
    let place = Place {
        client: Some(id),
        tab: Tab::Rules,
    };
    layout::page("Rules", Some(session), place, body)
}

/// The checks a draft routes differently, each in words: when, what happens now, and what
/// the check expected.
fn checks_card(id: &str, changed: &ChangedChecks, from_form: bool) -> Markup {
    let n = changed.changes.len();
    let rules = &changed.rules;
    html! {
        section.card.checks aria-labelledby="checks-h" {
            h2 #checks-h {
                "This change makes " (n) @if n == 1 { " check" } @else { " checks" } " in the file come out differently"
            }
            p {
                "Each check is a call at a set time and what should happen to it. If the new outcome is what "
                "you meant, save with the new outcomes and the checks are updated in the same save. If not, "
                "change the rules. Nothing is saved until you choose."
            }
            ol {
                @for c in &changed.changes {
                    li #{ "check-" (c.line) } {
                        a href={ "#line-" (c.line) } { (LocalTime::of(rules).naive_with_zone(c.at)) }
                        @for id in &c.off_duty { ", " (name_of(rules, id.as_str())) " off duty" }
                        @if !c.digits.is_empty() { ", the caller pressing " (c.digits.join(", then ")) }
                        ": "
                        strong { "now " (outcome_words(rules, &c.got)) }
                        "; the check expected " (outcome_words(rules, &c.expected)) "."
                    }
                }
            }
            // Here as well as under the text, which can be long: the choice is made on reading this.
            div.actions {
                button.primary form="editor" type="submit" name="action" value="accept" {
                    "Save, with the new outcomes of these checks"
                }
                @if from_form { (back_to_form(id, true)) }
            }
        }
    }
}

/// The way back to the rules form. A draft the form wrote goes back with it (posted, so it
/// is not lost), to be changed there and saved again.
fn back_to_form(id: &str, with_draft: bool) -> Markup {
    let form = format!("/admin/clients/{id}/rules/form");
    html! {
        @if with_draft {
            button.as-link form="editor" type="submit" formaction=(form) name="action" value="back" {
                "Back to the form, with these changes"
            }
        } @else {
            a href=(form) { "Back to the form" }
        }
    }
}

/// An assistant's name in the draft (its id when the draft has no such assistant).
fn name_of(rules: &Rules, id: &str) -> String {
    (rules.assistants.iter())
        .find(|a| a.id.as_str() == id)
        .map_or_else(|| id.to_owned(), |a| a.name.clone())
}

/// A chain in words: "ring Maria Lopez, then the outside number, then voicemail".
pub(super) fn outcome_words(rules: &Rules, labels: &[String]) -> String {
    let name = |id: &str| name_of(rules, id);
    let words: Vec<String> = labels
        .iter()
        .map(|label| match label.as_str() {
            "voicemail" => "voicemail".to_owned(),
            "menu" => "the menu".to_owned(),
            "apology" => "a message that nobody can take the call".to_owned(),
            "external" => "the outside number".to_owned(),
            "queue" => "the queue".to_owned(),
            together if together.contains('+') => {
                let names: Vec<String> = together.split('+').map(name).collect();
                format!("ring {} at once", names.join(" and "))
            }
            one => format!("ring {}", name(one)),
        })
        .collect();
    if words.is_empty() {
        "nothing".to_owned()
    } else {
        words.join(", then ")
    }
}

#[derive(Deserialize)]
pub struct Edit {
    source: String,
    #[serde(default)]
    comment: String,
    action: String,
    /// With `accept`: what the admin was shown of the changed checks.
    #[serde(default)]
    seen: String,
    /// `form` when the text was written by the rules form, which a save goes back to.
    #[serde(default)]
    from: String,
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, form): Posted<Edit>,
) -> Result<Response, Page> {
    let version = admin::client(&state.registry, &session.actor, &id)?.version;
    // Browsers send textarea lines with CRLF; the stored text keeps the file's LF.
    let source = form.source.replace("\r\n", "\n");
    let comment = form.comment.trim();
    let from_form = form.from == "form";
    let saved = |v: i32| {
        let page = if from_form { "rules/form" } else { "rules" };
        Ok(Redirect::to(&format!("/admin/clients/{id}/{page}?saved={v}")).into_response())
    };
    let outcome = match form.action.as_str() {
        "save" => {
            let comment = (!comment.is_empty()).then_some(comment);
            match admin::save_rules(&state.admin, &session.actor, &id, &source, comment).await {
                Ok(v) => return saved(v),
                Err(e) => e,
            }
        }
        "accept" => {
            let comment = (!comment.is_empty()).then_some(comment);
            match checks::save_accepting(&state.admin, &session.actor, &id, &source, comment, &form.seen).await {
                Ok(v) => return saved(v),
                Err(e) => e,
            }
        }
        "check" => match admin::check(&state.admin, &session.actor, &id, &source).await {
            Ok(_) => {
                let draft = Draft {
                    source: &source,
                    comment,
                    notice: Some(Notice::Good("No problems found. Nothing was saved yet.".into())),
                    from_form,
                    ..Draft::default()
                };
                return Ok(editor_page(&session, &id, version, &draft).into_response());
            }
            Err(e) => e,
        },
        "replay" => match admin::replay::replay(&state.admin, &session.actor, &id, &source).await {
            Ok(replayed) => {
                let draft = Draft {
                    source: &source,
                    comment,
                    replay: Some(&replayed),
                    from_form,
                    ..Draft::default()
                };
                return Ok(editor_page(&session, &id, version, &draft).into_response());
            }
            Err(e) => e,
        },
        other => return Err(crate::http::Error::BadRequest(format!("unknown action `{other}`")).into()),
    };
    match outcome {
        AdminError::Invalid(problems) => {
            // Only when nothing else is wrong: the checks that come out differently.
            let changed = checks::changed_by(&source).filter(|c| c.changes.len() == problems.len());
            let what = match (&changed, form.action.as_str()) {
                (Some(_), _) => "Not saved yet: this change affects some of the file's checks. See how below.",
                (None, "check" | "replay") => "The rules have problems: see below.",
                (None, _) => "Not saved: fix the problems below and save again. Your text is kept.",
            };
            let draft = Draft {
                source: &source,
                comment,
                notice: Some(Notice::Bad(what.into())),
                problems: &problems,
                changed: changed.as_ref(),
                replay: None,
                from_form,
            };
            let page = editor_page(&session, &id, version, &draft);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        e => Err(e.into()),
    }
}
