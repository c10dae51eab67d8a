//! The text templates each client stores, sent by name from send-sms and bulk sends.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Admin, ErrorBody, Json, Path};
use crate::admin::templates;
use crate::http::state::AppState;
use crate::http::Error;
use crate::routing::templates::variables;
use crate::store::templates::TemplateRow;

#[derive(Serialize, ToSchema)]
pub struct TemplateView {
    name: String,
    /// The text, with `{name}` or `{{name}}` variables.
    body: String,
    /// The variables it names, each once: a send must give a value for each.
    variables: Vec<String>,
    created_at: chrono::DateTime<chrono::Utc>,
    updated_at: chrono::DateTime<chrono::Utc>,
}

impl From<TemplateRow> for TemplateView {
    fn from(t: TemplateRow) -> Self {
        Self {
            variables: variables(&t.body).unwrap_or_default(),
            name: t.name,
            body: t.body,
            created_at: t.created_at,
            updated_at: t.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct NewTemplate {
    /// 1 to 64 letters, digits, `-` or `_`.
    name: String,
    /// Up to 1600 characters, with `{name}` or `{{name}}` variables.
    body: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TemplateText {
    body: String,
}

/// The client's templates, by name.
#[utoipa::path(get, path = "/api/clients/{id}/templates", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = [TemplateView]), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<Vec<TemplateView>>, Error> {
    let rows = templates::list(&state.admin, &actor, &id).await?;
    Ok(Json(rows.into_iter().map(TemplateView::from).collect()))
}

/// Stores a template; audited. 409 when the client already has one by that name.
#[utoipa::path(post, path = "/api/clients/{id}/templates", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = NewTemplate,
    responses((status = 201, body = TemplateView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(req): Json<NewTemplate>,
) -> Result<(StatusCode, Json<TemplateView>), Error> {
    let row = templates::create(&state.admin, &actor, &id, &req.name, &req.body).await?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// One template.
#[utoipa::path(get, path = "/api/clients/{id}/templates/{name}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 200, body = TemplateView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn show(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, name)): Path<(String, String)>,
) -> Result<Json<TemplateView>, Error> {
    Ok(Json(templates::get(&state.admin, &actor, &id, &name).await?.into()))
}

/// Replaces a template's text; audited. Messages already queued keep their text.
#[utoipa::path(put, path = "/api/clients/{id}/templates/{name}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)), request_body = TemplateText,
    responses((status = 200, body = TemplateView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, name)): Path<(String, String)>,
    Json(req): Json<TemplateText>,
) -> Result<Json<TemplateView>, Error> {
    Ok(Json(
        templates::update(&state.admin, &actor, &id, &name, &req.body)
            .await?
            .into(),
    ))
}

/// Deletes a template; audited.
#[utoipa::path(delete, path = "/api/clients/{id}/templates/{name}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("name" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, name)): Path<(String, String)>,
) -> Result<StatusCode, Error> {
    templates::delete(&state.admin, &actor, &id, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
