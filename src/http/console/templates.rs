//! The Templates page of a client: the texts it keeps to send by name (from the API's
//! send-sms and bulk sends), each changed or removed in place, and a form to add one.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::{zone, Page};
use crate::admin;
use crate::admin::templates;
use crate::http::state::AppState;
use crate::store::templates::TemplateRow;

pub async fn page(State(state): State<AppState>, session: Session, Path(id): Path<String>) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let kept = templates::list(&state.admin, &session.actor, &id).await?;
    let body = html! {
        h1 { "Templates" }
        p.muted {
            "Texts " (loaded.rules.name) " sends often, kept here to send by name. "
            "Write " code { "{first_name}" } " (or " code { "{{first_name}}" } ") where each recipient's own words go; "
            "a text sent without one of them is refused, saying which."
        }
        @for t in &kept { (card(&state, &session, &id, t)) }
        @if kept.is_empty() { section.card { p.muted { "No templates yet." } } }
        (add_form(&session, &id))
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Templates,
    };
    Ok(layout::page("Templates", Some(&session), place, body).into_response())
}

fn card(state: &AppState, session: &Session, id: &str, t: &TemplateRow) -> Markup {
    let tz = zone(state, Some(id));
    let base = format!("/admin/clients/{id}/templates/{}", t.name);
    let field = format!("body-{}", t.name);
    html! {
        section.card.template id=(t.name) aria-labelledby={ "h-" (t.name) } {
            h2 id={ "h-" (t.name) } { code { (t.name) } }
            p.muted { "Changed " (tz.full(t.updated_at)) }
            form.template method="post" action=(base) {
                input type="hidden" name="csrf" value=(session.csrf);
                label for=(field) { "Text" }
                textarea id=(field) name="body" rows="3" maxlength="1600" required { (t.body) }
                div.actions { button type="submit" { "Save" } }
            }
            form method="post" action={ (base) "/remove" } {
                input type="hidden" name="csrf" value=(session.csrf);
                button type="submit" { "Remove" }
            }
        }
    }
}

fn add_form(session: &Session, id: &str) -> Markup {
    html! {
        section.card aria-labelledby="add-h" {
            h2 #add-h { "Add a template" }
            form.template method="post" action={ "/admin/clients/" (id) "/templates" } {
                input type="hidden" name="csrf" value=(session.csrf);
                label for="name" { "Name (letters, digits, - and _)" }
                input #name type="text" name="name" required maxlength="64" pattern="[A-Za-z0-9_-]+" autocomplete="off" placeholder="reminder";
                label for="body" { "Text" }
                textarea #body name="body" rows="3" maxlength="1600" required placeholder="Hi {first_name}, see you {day} at {time}." {}
                button.primary type="submit" { "Add" }
            }
        }
    }
}

#[derive(Deserialize)]
pub struct NewTemplate {
    name: String,
    body: String,
}

pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, form): Posted<NewTemplate>,
) -> Result<Redirect, Page> {
    let name = form.name.trim();
    templates::create(&state.admin, &session.actor, &id, name, &form.body).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/templates#{name}")))
}

#[derive(Deserialize)]
pub struct Text {
    body: String,
}

pub async fn save(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Posted(session, form): Posted<Text>,
) -> Result<Redirect, Page> {
    templates::update(&state.admin, &session.actor, &id, &name, &form.body).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/templates#{name}")))
}

pub async fn remove(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
    Posted(session, _): Posted<super::webhooks::Nothing>,
) -> Result<Redirect, Page> {
    templates::delete(&state.admin, &session.actor, &id, &name).await?;
    Ok(Redirect::to(&format!("/admin/clients/{id}/templates")))
}
