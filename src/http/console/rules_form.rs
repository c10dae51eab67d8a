//! The rules by form, for office managers who never see the text: hours, holidays and
//! special days, assistants, the two routes and voicemail. The form is read from the
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
use crate::routing::form::{self, assistant_field, day_notes, window_field, RouteForm, RulesForm, Warning, DAYS};
use crate::routing::schedule::WEEKDAYS;
use crate::routing::{day_name, RuleError, Rules};
use crate::store::rule_versions;

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
    /// Problems the save found in the written text.
    refused: &'a [RuleError],
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
            refused: &[],
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
    let base = take(&mut fields, "base").replace("\r\n", "\n");
    let action = take(&mut fields, "action");
    let comment = take(&mut fields, "comment");
    let try_at = take(&mut fields, "try_at");
    fields.remove("csrf");
    let posted = form::from_fields(&fields);
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
                "Not saved: these settings would not work. What is wrong is listed below.".into(),
            ));
            shown.refused = &problems;
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
                ul { @for p in s.refused { li { (p.message) } } }
            }
        }
        @if let Some((draft, sim)) = &s.tried {
            (super::try_call::result(draft, sim))
        }
        form.rules-form method="post" action={ "/admin/clients/" (id) "/rules/form" } novalidate {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="base" value=(s.base);
            (hours_card(form, &clock, &marks, s.more))
            (holidays_card(form, &marks, s.more))
            (assistants_card(id, form, team, &marks, s.more))
            (route_card("open", "When you are open", "Who is rung during opening hours.", form, &marks))
            (route_card("after_hours", "When you are closed", "Who is rung outside opening hours and on holidays.", form, &marks))
            section.card aria-labelledby="external-h" {
                h2 #external-h { "Outside number" }
                p.muted { "An answering service or a mobile, rung when the team does not answer (if chosen above)." }
                (text_field("external.phone", "Phone number", &form.external, "tel", &marks))
            }
            (voicemail_card(form, &marks))
            section.card aria-labelledby="save-h" {
                h2 #save-h { "Try and save" }
                div.field {
                    label for="try_at" { "Try a call at (" (rules.timezone.name()) " time)" }
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

/// The problems and warnings of the fields, to show beside each.
struct Marks<'a> {
    problems: &'a form::Problems,
    warnings: &'a [Warning],
}

impl Marks<'_> {
    fn of(&self, field: &str) -> Markup {
        html! {
            @if let Some(p) = self.problems.get(field) {
                p.field-error id={ "err-" (field) } { (p) }
            }
            @for w in self.warnings.iter().filter(|w| w.field == field) {
                p.field-warning { "⚠ " (w.message) }
            }
        }
    }

    fn invalid(&self, field: &str) -> Option<&'static str> {
        self.problems.contains_key(field).then_some("true")
    }
}

fn text_field(name: &str, label: &str, value: &str, kind: &str, marks: &Marks<'_>) -> Markup {
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
fn blanks(filled: usize, wanted: usize, more: bool) -> usize {
    wanted.saturating_sub(filled) + usize::from(more)
}

fn hours_card(form: &RulesForm, clock: &LocalTime, marks: &Marks<'_>, more: bool) -> Markup {
    html! {
        section.card aria-labelledby="hours-h" {
            h2 #hours-h { "Opening hours" }
            p.muted { "Calls are answered from each start until each end. Two windows on a day make a break between them. An end earlier than its start runs past midnight into the next day." }
            @for d in 0..7 {
                @let rows = &form.hours.days[d];
                @let filled = rows.iter().filter(|w| !(w.from.trim().is_empty() && w.until.trim().is_empty())).count();
                @let windows: Vec<_> = form.hours.windows(d).into_iter().map(|(_, w)| w).collect();
                div.day role="group" aria-labelledby={ "day-" (DAYS[d]) } data-day=(DAYS[d]) {
                    span.day-name id={ "day-" (DAYS[d]) } {
                        (day_name(WEEKDAYS[d]))
                        @if windows.is_empty() { span.badge.closed { "Closed" } }
                    }
                    div.windows {
                        @for n in 0..(filled + blanks(filled, 2, more)) {
                            @let w = rows.get(n);
                            @let (from, until) = (window_field(d, n, "from"), window_field(d, n, "until"));
                            div.window {
                                label for=(from) { span.sr-only { (day_name(WEEKDAYS[d])) " " } "From" }
                                input id=(from) name=(from) type="time" value=(w.map_or("", |w| w.from.as_str())) aria-invalid=[marks.invalid(&from)];
                                label for=(until) { "until" }
                                input id=(until) name=(until) type="time" value=(w.map_or("", |w| w.until.as_str())) aria-invalid=[marks.invalid(&until)];
                            }
                            (marks.of(&from)) (marks.of(&until))
                        }
                        @for note in day_notes(d, &windows, clock) { p.day-note { (note) } }
                        (marks.of(DAYS[d]))
                    }
                }
            }
        }
    }
}

fn holidays_card(form: &RulesForm, marks: &Marks<'_>, more: bool) -> Markup {
    let holidays = &form.hours.holidays;
    let filled = holidays
        .iter()
        .filter(|h| !(h.date.is_empty() && h.name.is_empty()))
        .count();
    let special = &form.hours.special;
    let special_filled = special
        .iter()
        .filter(|s| !(s.date.is_empty() && s.hours.is_empty()))
        .count();
    html! {
        section.card aria-labelledby="holidays-h" {
            h2 #holidays-h { "Holidays" }
            p.muted { "Closed all day: calls are handled as after hours." }
            @for n in 0..(filled + blanks(filled, 2, more).max(1)) {
                @let h = holidays.get(n);
                @let (date, name) = (format!("holiday.{n}.date"), format!("holiday.{n}.name"));
                div.pair.holiday {
                    div.field {
                        label for=(date) { "Date" }
                        input id=(date) name=(date) type="date" value=(h.map_or("", |h| h.date.as_str())) aria-invalid=[marks.invalid(&date)];
                    }
                    div.field {
                        label for=(name) { "Name" }
                        input id=(name) name=(name) type="text" placeholder="Christmas Day" value=(h.map_or("", |h| h.name.as_str()));
                    }
                }
                (marks.of(&date))
            }
            h3 { "Special days" }
            p.muted { "A date with its own hours, such as 09:00-12:00 on Christmas Eve. Leave the hours empty to close all day." }
            @for n in 0..(special_filled + blanks(special_filled, 0, more).max(1)) {
                @let s = special.get(n);
                @let (date, hours) = (format!("special.{n}.date"), format!("special.{n}.hours"));
                div.pair.special {
                    div.field {
                        label for=(date) { "Date" }
                        input id=(date) name=(date) type="date" value=(s.map_or("", |s| s.date.as_str())) aria-invalid=[marks.invalid(&date)];
                    }
                    div.field {
                        label for=(hours) { "Hours" }
                        input id=(hours) name=(hours) type="text" placeholder="09:00-12:00" value=(s.map_or("", |s| s.hours.as_str())) aria-invalid=[marks.invalid(&hours)];
                    }
                }
                (marks.of(&date)) (marks.of(&hours))
            }
        }
    }
}

fn assistants_card(id: &str, form: &RulesForm, team: &[AssistantDuty], marks: &Marks<'_>, more: bool) -> Markup {
    let rows = &form.assistants;
    let filled = rows
        .iter()
        .filter(|a| !(a.id.is_empty() && a.name.trim().is_empty() && a.phone.trim().is_empty()))
        .count();
    html! {
        section.card aria-labelledby="assistants-h" {
            h2 #assistants-h { "Assistants" }
            p.muted { "The people whose phones ring. Number 1 rings first. Type phone numbers as you would dial them." }
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

const STRATEGIES: [(&str, &str); 4] = [
    ("none", "Nobody: straight to what happens next"),
    ("priority", "Ring one at a time, in order"),
    ("round_robin", "Take turns (round robin)"),
    ("simultaneous", "Ring everyone at once"),
];

fn route_card(key: &str, title: &str, intro: &str, form: &RulesForm, marks: &Marks<'_>) -> Markup {
    let route: &RouteForm = form.route(key);
    let named: Vec<_> = form.assistants.iter().filter(|a| !a.id.is_empty()).collect();
    let f = |part: &str| format!("{key}.{part}");
    html! {
        section.card.route aria-labelledby={ (key) "-h" } data-route=(key) {
            h2 id={ (key) "-h" } { (title) }
            p.muted { (intro) }
            div.field {
                label for=(f("strategy")) { "How the team is rung" }
                select id=(f("strategy")) name=(f("strategy")) aria-invalid=[marks.invalid(&f("strategy"))] {
                    @for (value, words) in STRATEGIES {
                        option value=(value) selected[route.strategy == value] { (words) }
                    }
                }
                (marks.of(&f("strategy")))
            }
            @if !named.is_empty() {
                fieldset.who.rings-only {
                    legend { "Who" }
                    label.check { input type="radio" name=(f("who")) value="everyone" checked[route.everyone]; " Every assistant (new ones too)" }
                    label.check { input type="radio" name=(f("who")) value="chosen" checked[!route.everyone]; " Only those ticked:" }
                    @for a in &named {
                        label.check.indent {
                            input type="checkbox" name={ (key) ".rings." (a.id) } checked[route.everyone || route.chosen.contains(&a.id)];
                            " " (a.name)
                        }
                    }
                }
            } @else {
                input type="hidden" name=(f("who")) value="everyone";
            }
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
            div.field {
                label for=(f("then")) { "What happens next" }
                select id=(f("then")) name=(f("then")) {
                    option value="voicemail" selected[route.then == "voicemail"] { "Voicemail" }
                    option value="external" selected[route.then == "external"] { "Ring the outside number, then voicemail" }
                }
            }
        }
    }
}

fn voicemail_card(form: &RulesForm, marks: &Marks<'_>) -> Markup {
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
            }
        }
    }
}
