//! A new business, for a global admin: its name, its number as people write it and its
//! time zone from a list. Minimal rules (every call to voicemail) are saved the way the
//! API's `PUT /api/clients/{id}/rules` saves them; then the form editor takes over.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::Page;
use crate::admin::{self, AdminError};
use crate::http::state::AppState;
use crate::phone;
use crate::routing::form::{self, NewBusiness};

/// The zones offered, with the country whose way of writing numbers goes with each.
const ZONES: [(&str, &str, &str); 24] = [
    ("America/New_York", "Eastern time (New York, Miami, Atlanta)", "US"),
    ("America/Chicago", "Central time (Chicago, Dallas, Houston)", "US"),
    ("America/Denver", "Mountain time (Denver, Salt Lake City)", "US"),
    ("America/Phoenix", "Arizona (no daylight saving)", "US"),
    ("America/Los_Angeles", "Pacific time (Los Angeles, Seattle)", "US"),
    ("America/Anchorage", "Alaska", "US"),
    ("Pacific/Honolulu", "Hawaii", "US"),
    ("America/Toronto", "Toronto, Montreal, Ottawa", "CA"),
    ("America/Vancouver", "Vancouver", "CA"),
    ("America/Halifax", "Halifax (Atlantic time)", "CA"),
    ("America/Mexico_City", "Mexico City", "MX"),
    ("Europe/London", "United Kingdom", "GB"),
    ("Europe/Dublin", "Ireland", "IE"),
    ("Europe/Paris", "France", "FR"),
    ("Europe/Berlin", "Germany", "DE"),
    ("Europe/Madrid", "Spain", "ES"),
    ("Europe/Amsterdam", "Netherlands", "NL"),
    ("Australia/Sydney", "Sydney, Melbourne, Canberra", "AU"),
    ("Australia/Brisbane", "Brisbane", "AU"),
    ("Australia/Perth", "Perth", "AU"),
    ("Pacific/Auckland", "New Zealand", "NZ"),
    ("Asia/Singapore", "Singapore", "SG"),
    ("Asia/Kolkata", "India", "IN"),
    ("Africa/Johannesburg", "South Africa", "ZA"),
];

#[derive(Deserialize, Default)]
pub struct NewClient {
    #[serde(default)]
    name: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    timezone: String,
}

pub async fn page(session: Session) -> Result<Response, Page> {
    global(&session)?;
    Ok(render(&session, &NewClient::default(), &[]).into_response())
}

pub async fn create(State(state): State<AppState>, Posted(session, form): Posted<NewClient>) -> Result<Response, Page> {
    global(&session)?;
    let name = form.name.trim();
    let mut problems: Vec<(&str, String)> = Vec::new();
    if name.is_empty() {
        problems.push(("name", "Type the business's name, as callers know it.".into()));
    }
    let Some(&(zone, _, country)) = ZONES.iter().find(|(z, ..)| *z == form.timezone) else {
        problems.push(("timezone", "Choose the time zone the business's hours are in.".into()));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &form, &problems)).into_response());
    };
    let number = match phone::validate(form.number.trim(), Some(country)) {
        phone::Validation {
            valid: true,
            e164: Some(e164),
            ..
        } => Some(e164),
        _ => {
            let message = if form.number.trim().is_empty() {
                "Type the number callers dial.".to_owned()
            } else {
                format!("“{}” is not a phone number that can be called: type it as callers dial it, such as (212) 555-0100.", form.number.trim())
            };
            problems.push(("number", message));
            None
        }
    };
    let (Some(number), true) = (number, problems.is_empty()) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &form, &problems)).into_response());
    };
    let id = free_id(&state, name);
    let source = form::new_business(&NewBusiness {
        id: &id,
        name,
        number: &number,
        timezone: zone,
    });
    match admin::save_rules(
        &state.admin,
        &session.actor,
        &id,
        &source,
        Some("New business, set up in the console"),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/admin/clients/{id}/rules/form?created=true")).into_response()),
        Err(AdminError::Invalid(refused)) => {
            let problems: Vec<(&str, String)> = refused.into_iter().map(|p| ("number", p.message)).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&session, &form, &problems)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Only an admin of every business may add one.
fn global(session: &Session) -> Result<(), Page> {
    match session.actor.client {
        None => Ok(()),
        Some(_) => Err(AdminError::NotFound.into()),
    }
}

/// An id from the name ("Bright Smiles" → `bright-smiles`) that no client has yet.
fn free_id(state: &AppState, name: &str) -> String {
    let mut base = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            base.push(c);
        } else if !base.is_empty() && !base.ends_with('-') {
            base.push('-');
        }
    }
    let mut base = base.trim_end_matches('-').chars().take(56).collect::<String>();
    if base.is_empty() {
        base = "business".into();
    }
    (1..)
        .map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") })
        .find(|id| state.registry.current(id).is_none())
        .expect("some number is free")
}

fn render(session: &Session, form: &NewClient, problems: &[(&str, String)]) -> Markup {
    let error = |field: &str| {
        html! { @for (_, p) in problems.iter().filter(|(f, _)| *f == field) { p.field-error { (p) } } }
    };
    let invalid = |field: &str| problems.iter().any(|(f, _)| *f == field).then_some("true");
    let body = html! {
        h1 { "New business" }
        section.card.narrow-form {
            p.muted { "Three answers set it up. Every call goes to voicemail until you add opening hours and assistants on the next page." }
            form method="post" action="/admin/new-client" novalidate {
                input type="hidden" name="csrf" value=(session.csrf);
                div.field {
                    label for="name" { "Business name" }
                    input #name type="text" name="name" value=(form.name) placeholder="Bright Smiles Dental" aria-invalid=[invalid("name")];
                    (error("name"))
                }
                div.field {
                    label for="number" { "Phone number callers dial" }
                    input #number type="tel" name="number" value=(form.number) placeholder="(212) 555-0100" aria-invalid=[invalid("number")];
                    (error("number"))
                }
                div.field {
                    label for="timezone" { "Time zone of its opening hours" }
                    select #timezone name="timezone" aria-invalid=[invalid("timezone")] {
                        @for (zone, words, _) in ZONES {
                            option value=(zone) selected[form.timezone == zone] { (words) }
                        }
                    }
                    (error("timezone"))
                }
                div.actions {
                    button.primary type="submit" { "Create the business" }
                }
            }
        }
    };
    let place = Place {
        client: None,
        tab: Tab::Clients,
    };
    layout::page("New business", Some(session), place, body)
}
