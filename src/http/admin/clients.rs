//! Clients, their assistants' duty, and the audit log.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{export, Admin, ErrorBody, Json, Path, Query};
use crate::admin;
use crate::admin::changes;
use crate::admin::stats::Stats;
use crate::http::state::AppState;
use crate::http::Error;
use crate::rules::registry::Loaded;
use crate::store::admin::AuditRow;

#[derive(Serialize, ToSchema)]
pub struct ClientSummary {
    id: String,
    name: String,
    numbers: Vec<String>,
    timezone: String,
    /// The current rules version.
    version: i32,
    open: bool,
    /// When open: when the current opening ends.
    until: Option<DateTime<Utc>>,
    /// When closed: when it next opens.
    next_open: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct AssistantView {
    id: String,
    name: String,
    phone: String,
    priority: i64,
    on_duty: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ClientDetail {
    #[serde(flatten)]
    summary: ClientSummary,
    assistants: Vec<AssistantView>,
}

fn summary(state: &AppState, l: &Loaded) -> ClientSummary {
    let status = l.rules.hours.status_at(l.rules.timezone, state.clock.now());
    ClientSummary {
        id: l.rules.client.to_string(),
        name: l.rules.name.clone(),
        numbers: l.rules.numbers.iter().map(ToString::to_string).collect(),
        timezone: l.rules.timezone.to_string(),
        version: l.version,
        open: status.open,
        until: status.until,
        next_open: status.next_open,
    }
}

#[derive(Deserialize, IntoParams)]
pub struct ClientsQuery {
    /// The last `id` of the previous page.
    after: Option<String>,
    /// How many clients per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// The clients this token may see, by id.
#[utoipa::path(get, path = "/api/clients", tag = "clients", security(("bearer" = [])), params(ClientsQuery),
    responses((status = 200, body = [ClientSummary]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<ClientsQuery>,
) -> Result<Json<Vec<ClientSummary>>, Error> {
    let (page, _) = admin::clients_page(&state.registry, &actor, q.after.as_deref(), q.limit.unwrap_or(100))?;
    Ok(Json(page.iter().map(|l| summary(&state, l)).collect()))
}

/// One client, with who is on duty.
#[utoipa::path(get, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path, description = "client id")),
    responses((status = 200, body = ClientDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<ClientDetail>, Error> {
    let (loaded, assistants) = admin::assistants(&state.admin, &actor, &id).await?;
    let assistants = assistants
        .into_iter()
        .map(|a| AssistantView {
            id: a.id,
            name: a.name,
            phone: a.phone,
            priority: a.priority,
            on_duty: a.on_duty,
        })
        .collect();
    Ok(Json(ClientDetail {
        summary: summary(&state, &loaded),
        assistants,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Duty {
    on_duty: bool,
}

/// Puts an assistant on or off duty from the next call on (no new rules version).
#[utoipa::path(put, path = "/api/clients/{id}/assistants/{assistant}/duty", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path), ("assistant" = String, Path)),
    request_body = Duty,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn duty(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, assistant)): Path<(String, String)>,
    Json(body): Json<Duty>,
) -> Result<axum::http::StatusCode, Error> {
    admin::set_duty(&state.admin, &actor, &id, &assistant, body.on_duty).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct AuditQuery {
    /// Only this client's entries.
    client: Option<String>,
    /// Only this token's (its name), e.g. `office-manager`.
    actor: Option<String>,
    /// Only this kind of change, e.g. `rules.save`, `duty.set`, `sms.send`.
    action: Option<String>,
    /// From this time (inclusive).
    since: Option<DateTime<Utc>>,
    /// Before this time.
    until: Option<DateTime<Utc>>,
    /// The last `id` of the previous page.
    before: Option<i64>,
    /// How many entries per page (default 100; not used by `format=csv`).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
    /// `csv` for a spreadsheet of every matching entry instead of a page of JSON.
    format: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntry {
    id: i64,
    at: DateTime<Utc>,
    actor: String,
    client: Option<String>,
    action: String,
    detail: String,
    address: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            at: r.at,
            actor: r.actor,
            client: r.client_id,
            action: r.action,
            detail: r.detail,
            address: r.address,
        }
    }
}

/// Who changed what, newest first (a scoped token sees its client's entries only);
/// `format=csv` exports them.
#[utoipa::path(get, path = "/api/audit", tag = "clients", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = [AuditEntry]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn audit(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Query(q): Query<AuditQuery>,
) -> Result<Response, Error> {
    let csv = export::wants_csv(q.format.as_deref())?;
    let query = changes::AuditQuery {
        client: q.client,
        actor: q.actor,
        action: q.action,
        since: q.since,
        until: q.until,
        before: q.before,
        limit: q.limit.unwrap_or(100),
    };
    if csv {
        let pages = changes::export_audit(state.db.clone(), &actor, query)?;
        return Ok(export::csv("audit.csv", pages, AuditEntry::from));
    }
    let page = changes::audit_log(&state.db, &actor, query).await?;
    Ok(Json(page.entries.into_iter().map(AuditEntry::from).collect::<Vec<_>>()).into_response())
}

#[derive(Deserialize, IntoParams)]
pub struct StatsQuery {
    /// Default: 30 days before `until`.
    since: Option<DateTime<Utc>>,
    /// Default: now.
    until: Option<DateTime<Utc>>,
}

/// Calls, answer rate and time to answer per assistant, busiest hours, messages and cost.
#[utoipa::path(get, path = "/api/clients/{id}/stats", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path), StatsQuery),
    responses((status = 200, body = Stats), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn stats(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Stats>, Error> {
    // `until` is exclusive: by default include a call that came in this very second.
    let until = q
        .until
        .unwrap_or_else(|| state.clock.now() + chrono::Duration::seconds(1));
    let since = q.since.unwrap_or(until - chrono::Duration::days(30));
    Ok(Json(
        crate::admin::history::stats(&state.db, &state.registry, &actor, &id, since, until).await?,
    ))
}

/// Deletes a client (a global token only): its numbers stop being served from the
/// next call; its history stays.
#[utoipa::path(delete, path = "/api/clients/{id}", tag = "clients", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, Error> {
    admin::delete_client(&state.admin, &actor, &id).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
