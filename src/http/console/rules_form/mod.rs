//! The rules by form, for office managers who never see the text: hours, holidays and
//! special days, assistants, the two routes, voicemail and the menu. The form is read from the
//! version in use and written back into that text by `routing::form`; saving goes the text
//! editor's way (checked, the file's checks run, a comment, audited, a new version), and
//! a save that changes a check's outcome lands in the text editor to be accepted there.

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::rules::{editor_page, Draft, Notice};
use super::session::{Posted, Session};
use super::Page;
use crate::admin::checks;
use crate::admin::simulation::Simulation;
use crate::admin::{self, AdminError, AssistantDuty};
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::routing::form::{self, RulesForm};
use crate::routing::Rules;
use crate::store::rule_versions;
use fields::{text_field, Marks};

mod assistants;
mod fields;
mod hours;
mod menu;
mod refusals;
mod routes;

#[derive(Deserialize)]
pub struct Shown {
    saved: Option<i32>,
    created: Option<bool>,
}

pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<Shown>,
) -> Result<Response, Page> {
    let (loaded, team) = admin::assistants(&state.admin, &session.actor, &id).await?;
    let current = rule_versions::find(&state.db, &id, loaded.version)
        .await?
        .ok_or(AdminError::NotFound)?;
    let form = match form::read(&current.source) {
        Ok(form) => form,
        Err(problem) => {
            let message = format!(
                "The rules text has a mistake the form cannot read ({problem}). Mend it in the text editor (Advanced)."
            );
            return Ok(layout::problem(StatusCode::CONFLICT, &message));
        }
    };
    let notice = match (q.created, q.saved) {
        (Some(true), _) => Some(Notice::Good(
            "The business is set up: every call goes to voicemail until you add opening hours and assistants below."
                .into(),
        )),
        (_, Some(v)) => Some(Notice::Good(format!(
            "Saved as version {v}. It is used from the next call on."
        ))),
        _ => None,
    };
    let shown = View {
        notice,
        ..View::new(&current.source, &form)
    };
    Ok(render(&state, &session, &id, &loaded.rules, &team, &shown).into_response())
}

/// What a form page shows besides the fields.
struct View<'a> {
    /// The text the form was read from, that its fields are written into.
    base: &'a str,
    form: &'a RulesForm,
    comment: &'a str,
    notice: Option<Notice>,
    problems: form::Problems,
    /// Problems the save found in the written text, in the form's words, each with the
    /// field it concerns.
    refused: Vec<(String, Option<String>)>,
    tried: Option<(Rules, Simulation)>,
    try_at: String,
    /// One more empty row in each list ("More rows").
    more: bool,
}

impl<'a> View<'a> {
    fn new(base: &'a str, form: &'a RulesForm) -> Self {
        Self {
            base,
            form,
            comment: "",
            notice: None,
            problems: form::Problems::new(),
            refused: Vec::new(),
            tried: None,
            try_at: String::new(),
            more: false,
        }
    }
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, fields): Posted<Vec<(String, String)>>,
) -> Result<Response, Page> {
    let (loaded, team) = admin::assistants(&state.admin, &session.actor, &id).await?;
    let mut fields: BTreeMap<String, String> = fields.into_iter().collect();
    let take = |fields: &mut BTreeMap<String, String>, k: &str| fields.remove(k).unwrap_or_default();
    let action = take(&mut fields, "action");
    // Back from the checks page, the draft it shows is what the form goes on from.
    let base = take(&mut fields, if action == "back" { "source" } else { "base" }).replace("\r\n", "\n");
    let comment = take(&mut fields, "comment");
    let try_at = take(&mut fields, "try_at");
    fields.remove("csrf");
    if action == "back" {
        let Ok(draft) = form::read(&base) else {
            return Err(crate::http::Error::BadRequest("the rules text cannot be read by the form".into()).into());
        };
        let shown = View {
            comment: comment.trim(),
            notice: Some(Notice::Good(
                "Your changes are here, not saved yet. Change what you need and save again.".into(),
            )),
            ..View::new(&base, &draft)
        };
        return Ok(render(&state, &session, &id, &loaded.rules, &team, &shown).into_response());
    }
    let posted = RulesForm {
        queue_wait_seconds: form::read(&base).ok().and_then(|f| f.queue_wait_seconds),
        ..form::from_fields(&fields)
    };
    let mut shown = View {
        comment: comment.trim(),
        try_at: try_at.clone(),
        ..View::new(&base, &posted)
    };
    let unprocessable = |shown: &View<'_>| {
        let page = render(&state, &session, &id, &loaded.rules, &team, shown);
        Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
    };
    if action == "more" {
        shown.notice = Some(Notice::Good(
            "An empty row was added to each list. Nothing is saved yet.".into(),
        ));
        shown.more = true;
        return Ok(render(&state, &session, &id, &loaded.rules, &team, &shown).into_response());
    }
    let source = match form::write(&base, &posted) {
        Ok(source) => source,
        Err(problems) => {
            shown.notice = Some(Notice::Bad(
                "Not saved: some entries need a look. Each is marked where it is.".into(),
            ));
            shown.problems = problems;
            return unprocessable(&shown);
        }
    };
    let outcome = match action.as_str() {
        "save" => {
            let comment = Some(comment.trim())
                .filter(|c| !c.is_empty())
                .unwrap_or("Changed by form");
            match admin::save_rules(&state.admin, &session.actor, &id, &source, Some(comment)).await {
                Ok(v) => return Ok(Redirect::to(&format!("/admin/clients/{id}/rules/form?saved={v}")).into_response()),
                Err(e) => e,
            }
        }
        "try" => {
            let attempt = admin::Try {
                at: &try_at,
                from: None,
                digits: None,
                draft: Some(&source),
            };
            match admin::simulate(&state.admin, &session.actor, &id, &attempt).await {
                Ok(sim) => {
                    let rules =
                        crate::routing::parse(&source).map_err(|e| crate::http::Error::BadRequest(e.render(&id)))?;
                    shown.tried = Some((rules, sim));
                    shown.notice = Some(Notice::Good("Tried with these settings. Nothing is saved yet.".into()));
                    return Ok(render(&state, &session, &id, &loaded.rules, &team, &shown).into_response());
                }
                Err(AdminError::BadRequest(m)) => {
                    shown.problems.insert("try_at".into(), m);
                    return unprocessable(&shown);
                }
                Err(e) => e,
            }
        }
        other => return Err(crate::http::Error::BadRequest(format!("unknown action `{other}`")).into()),
    };
    match outcome {
        AdminError::Invalid(problems) => {
            if let Some(changed) = checks::changed_by(&source).filter(|c| c.changes.len() == problems.len()) {
                // The text editor shows each changed check in words and saves with the new
                // outcomes only when asked: the same page the text is edited on.
                let draft = Draft {
                    source: &source,
                    comment: shown.comment,
                    notice: Some(Notice::Bad(
                        "Not saved yet: this change affects some of the checks kept with the rules. See how below."
                            .into(),
                    )),
                    problems: &problems,
                    changed: Some(&changed),
                    replay: None,
                    from_form: true,
                };
                let page = editor_page(&session, &id, loaded.version, &draft);
                return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
            }
            shown.notice = Some(Notice::Bad(
                "Not saved: these settings would not work. What is wrong is marked where it is, and listed below."
                    .into(),
            ));
            for p in &problems {
                let field = form::field_at(&source, &posted, p.line, p.column);
                let words = refusals::form_words(&p.message);
                if let Some(field) = &field {
                    let said = shown.problems.entry(field.clone()).or_default();
                    *said = [said.as_str(), words.as_str()].join(" ").trim().to_owned();
                }
                shown.refused.push((words, field));
            }
            unprocessable(&shown)
        }
        e => Err(e.into()),
    }
}

fn render(
    state: &AppState,
    session: &Session,
    id: &str,
    rules: &Rules,
    team: &[AssistantDuty],
    s: &View<'_>,
) -> Markup {
    let form = s.form;
    let today = state.clock.now().with_timezone(&rules.timezone).date_naive();
    let clock = LocalTime::of(rules);
    let warnings = form::warnings(form, today, &clock);
    let marks = Marks {
        problems: &s.problems,
        warnings: &warnings,
    };
    let try_at = if s.try_at.is_empty() {
        state
            .clock
            .now()
            .with_timezone(&rules.timezone)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    } else {
        s.try_at.clone()
    };
    let body = html! {
        h1 { "Rules" }
        p.muted {
            "Set when the phones are answered, who answers and what callers hear. "
            a href={ "/admin/clients/" (id) "/rules" } { "Advanced: edit the rules as text" }
        }
        @match &s.notice {
            Some(Notice::Good(m)) => p.notice.good role="status" { (m) },
            Some(Notice::Bad(m)) => p.notice.bad role="alert" { (m) },
            None => {}
        }
        @if !s.refused.is_empty() {
            section.card.problems aria-labelledby="refused-h" {
                h2 #refused-h { "What stops these settings from being saved" }
                ul {
                    @for (words, field) in &s.refused {
                        li {
                            @match field {
                                Some(field) => a href={ "#err-" (field) } { (words) },
                                None => (words),
                            }
                        }
                    }
                }
            }
        }
        @if let Some((draft, sim)) = &s.tried {
            (super::try_call::result(draft, sim))
        }
        form.rules-form method="post" action={ "/admin/clients/" (id) "/rules/form" } novalidate {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="base" value=(s.base);
            (hours::hours_card(form, &clock, &marks, s.more))
            (hours::holidays_card(form, &marks, s.more))
            (assistants::assistants_card(id, form, team, &marks, s.more))
            (routes::route_card("open", "When you are open", "Who is rung during opening hours.", form, &marks))
            (routes::route_card("after_hours", "When you are closed", "Who is rung outside opening hours and on holidays.", form, &marks))
            section.card aria-labelledby="external-h" {
                h2 #external-h { "Outside number" }
                p.muted { "An answering service or a mobile, rung when the team does not answer (if chosen above)." }
                (text_field("external.phone", "Phone number", &form.external, "tel", &marks))
            }
            (routes::voicemail_card(form, &marks))
            (menu::menu_card(id, form, &marks, s.more))
            section.card aria-labelledby="save-h" {
                h2 #save-h { "Try and save" }
                div.field {
                    label for="try_at" { "Try a call at (" (crate::locale::zone_words(rules.timezone)) ")" }
                    input #try_at type="datetime-local" name="try_at" value=(try_at)
                        aria-invalid=[s.problems.contains_key("try_at").then_some("true")];
                    @if let Some(p) = s.problems.get("try_at") { p.field-error { (p) } }
                }
                div.field {
                    label for="comment" { "What changed, and why (kept with the version)" }
                    input #comment type="text" name="comment" value=(s.comment) placeholder="New receptionist, lunch break on Fridays…";
                }
            }
            div.save-bar.actions {
                button type="submit" name="action" value="try" { "Try a call" }
                button type="submit" name="action" value="more" { "More rows" }
                button.primary type="submit" name="action" value="save" { "Save" }
            }
        }
    };
    let place = Place {
        client: Some(id),
        tab: Tab::Rules,
    };
    layout::page("Rules", Some(session), place, body)
}
