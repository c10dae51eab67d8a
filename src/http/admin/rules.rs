//! Rules as versions: read, check, save, list, diff, roll back; and simulation.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{Admin, ErrorBody, Json, Path, Query};
use crate::admin;
use crate::admin::changes::{self, ListedVersion};
use crate::admin::simulation::Simulation;
use crate::admin::stats::WeekdayCount;
use crate::http::state::AppState;
use crate::http::Error;
use crate::store::{self, rule_versions::VersionMeta};

#[derive(Serialize, ToSchema)]
pub struct RulesVersion {
    client: String,
    #[serde(flatten)]
    meta: VersionMeta,
    /// The rules text (TOML).
    source: String,
}

/// A rules text from the body: TOML as it is, or the same shape as JSON.
fn source(headers: &HeaderMap, body: &Bytes) -> Result<String, Error> {
    let text = std::str::from_utf8(body).map_err(|_| Error::BadRequest("the rules must be UTF-8".into()))?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Ok(text.to_owned());
    }
    let value: toml::Value = serde_json::from_str(text).map_err(|e| Error::BadRequest(format!("invalid JSON: {e}")))?;
    toml::to_string(&value).map_err(|e| Error::BadRequest(format!("cannot turn the JSON into rules: {e}")))
}

async fn stored(state: &AppState, actor: &admin::Actor, id: &str, version: i32) -> Result<RulesVersion, Error> {
    admin::client(&state.registry, actor, id)?;
    let v = store::rule_versions::find(&state.db, id, version)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(RulesVersion {
        client: v.client,
        meta: v.meta,
        source: v.source,
    })
}

/// The current rules.
#[utoipa::path(get, path = "/api/clients/{id}/rules", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = RulesVersion), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn current(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
) -> Result<Json<RulesVersion>, Error> {
    let version = admin::client(&state.registry, &actor, &id)?.version;
    Ok(Json(stored(&state, &actor, &id, version).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct SaveQuery {
    /// Why this change (kept with the version).
    comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Saved {
    version: i32,
}

/// Saves a new version: only if it parses, validates and passes its own `[[tests]]`;
/// otherwise 422 with every problem at its line. Used from the next call on.
#[utoipa::path(put, path = "/api/clients/{id}/rules", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path), SaveQuery),
    request_body(content = String, content_type = "text/plain", description = "the rules (TOML, or the same shape as JSON)"),
    responses((status = 200, body = Saved), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<SaveQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Saved>, Error> {
    let text = source(&headers, &body)?;
    let version = admin::save_rules(&state.admin, &actor, &id, &text, q.comment.as_deref()).await?;
    Ok(Json(Saved { version }))
}

#[derive(Serialize, ToSchema)]
pub struct Checked {
    ok: bool,
}

/// Checks rules as a save would, without saving.
#[utoipa::path(post, path = "/api/clients/{id}/rules/check", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/plain"),
    responses((status = 200, body = Checked), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn check(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Checked>, Error> {
    admin::check(&state.admin, &actor, &id, &source(&headers, &body)?).await?;
    Ok(Json(Checked { ok: true }))
}

/// A draft tried on the client's calls of the last 30 days.
#[derive(Serialize, ToSchema)]
pub struct Replayed {
    since: DateTime<Utc>,
    until: DateTime<Utc>,
    /// Calls that came in over the period, each decided again under the draft.
    calls: usize,
    /// Those the draft routes differently from the rules in use.
    changed: usize,
    /// More calls came in than one replay decides again: the oldest were.
    cut_short: bool,
    /// The calls that changed, grouped by how and when; largest first.
    groups: Vec<ReplayedGroup>,
}

#[derive(Serialize, ToSchema)]
pub struct ReplayedGroup {
    calls: usize,
    /// When they came in, local to the client: `night` (midnight to 6), `morning` (to
    /// noon), `afternoon` (to 5 pm) or `evening`.
    part_of_day: String,
    /// The local weekdays they came in on, Monday first.
    weekdays: Vec<WeekdayCount>,
    /// Their chain under the rules in use, as `[[tests]]` write one.
    before: Vec<String>,
    /// Their chain under the draft.
    after: Vec<String>,
    /// The first few, oldest first.
    examples: Vec<DateTime<Utc>>,
}

impl From<admin::replay::DraftReplay> for Replayed {
    fn from(r: admin::replay::DraftReplay) -> Self {
        let groups = (r.replay.groups.into_iter())
            .map(|g| ReplayedGroup {
                calls: g.calls,
                part_of_day: g.part.name().to_owned(),
                weekdays: (g.weekdays.iter())
                    .map(|(day, n)| WeekdayCount {
                        weekday: day.to_string().to_lowercase(),
                        calls: *n as u64,
                    })
                    .collect(),
                before: g.before,
                after: g.after,
                examples: g.examples,
            })
            .collect();
        Self {
            since: r.since,
            until: r.until,
            calls: r.replay.calls,
            changed: r.replay.changed,
            cut_short: r.cut_short,
            groups,
        }
    }
}

/// Tries a draft on the client's real calls of the last 30 days, without saving it: each
/// call decided again at the time it came in (with everyone on duty), and those that would
/// have gone differently. The draft need not pass its own `[[tests]]`.
#[utoipa::path(post, path = "/api/clients/{id}/rules/replay", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path)),
    request_body(content = String, content_type = "text/plain", description = "the draft rules (TOML, or the same shape as JSON)"),
    responses((status = 200, body = Replayed), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replay(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Replayed>, Error> {
    let text = source(&headers, &body)?;
    Ok(Json(
        admin::replay::replay(&state.admin, &actor, &id, &text).await?.into(),
    ))
}

#[derive(Deserialize, IntoParams)]
pub struct VersionsQuery {
    /// The last `version` of the previous page.
    before: Option<i32>,
    /// How many versions per page (default 100).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<u64>,
}

/// The client's versions, newest first, without their texts, each with what it changed.
#[utoipa::path(get, path = "/api/clients/{id}/rules/versions", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path), VersionsQuery),
    responses((status = 200, body = [ListedVersion]), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<VersionsQuery>,
) -> Result<Json<Vec<ListedVersion>>, Error> {
    let limit = q.limit.unwrap_or(100);
    let page = changes::versions(&state.db, &state.registry, &actor, &id, q.before, limit).await?;
    Ok(Json(page.versions))
}

/// One version, with its text.
#[utoipa::path(get, path = "/api/clients/{id}/rules/versions/{version}", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path), ("version" = i32, Path)),
    responses((status = 200, body = RulesVersion), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn version(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, version)): Path<(String, i32)>,
) -> Result<Json<RulesVersion>, Error> {
    Ok(Json(stored(&state, &actor, &id, version).await?))
}

#[derive(Deserialize, IntoParams)]
pub struct DiffQuery {
    from: i32,
    to: i32,
}

#[derive(Serialize, ToSchema)]
pub struct Diff {
    from: i32,
    to: i32,
    /// Unified diff of the two texts.
    unified: String,
}

/// The difference between two versions.
#[utoipa::path(get, path = "/api/clients/{id}/rules/diff", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path), DiffQuery),
    responses((status = 200, body = Diff), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn diff(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<Json<Diff>, Error> {
    let (a, b) = (
        stored(&state, &actor, &id, q.from).await?,
        stored(&state, &actor, &id, q.to).await?,
    );
    let unified = similar::TextDiff::from_lines(&a.source, &b.source)
        .unified_diff()
        .header(&format!("version {}", q.from), &format!("version {}", q.to))
        .to_string();
    Ok(Json(Diff {
        from: q.from,
        to: q.to,
        unified,
    }))
}

#[derive(Deserialize, ToSchema)]
pub struct Rollback {
    version: i32,
    comment: Option<String>,
}

/// Makes an old version current again, as a new version.
#[utoipa::path(post, path = "/api/clients/{id}/rules/rollback", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = Rollback,
    responses((status = 200, body = Saved), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rollback(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(body): Json<Rollback>,
) -> Result<Json<Saved>, Error> {
    let version = admin::rollback(&state.admin, &actor, &id, body.version, body.comment.as_deref()).await?;
    Ok(Json(Saved { version }))
}

#[derive(Deserialize, ToSchema)]
pub struct SimulateRequest {
    /// Local time in the client's zone (`2026-12-25T10:00`) or an instant (`2026-12-25T15:00:00Z`).
    at: String,
    /// The caller's number.
    from: Option<String>,
    /// Keys pressed at each menu in turn, separated by commas (`2,1`: 2, then 1 at the menu 2 opened).
    digits: Option<String>,
    /// A draft rules text to try instead of the current version.
    draft: Option<String>,
}

/// What a call would get: the decision, its trace, every step's TwiML, and when a
/// closed business opens. The same engine as live calls.
#[utoipa::path(post, path = "/api/clients/{id}/simulate", tag = "rules", security(("bearer" = [])),
    params(("id" = String, Path)), request_body = SimulateRequest,
    responses((status = 200, body = Object), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 415, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn simulate(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path(id): Path<String>,
    Json(req): Json<SimulateRequest>,
) -> Result<Json<Simulation>, Error> {
    let attempt = admin::Try {
        at: &req.at,
        from: req.from.as_deref(),
        digits: req.digits.as_deref(),
        draft: req.draft.as_deref(),
    };
    Ok(Json(admin::simulate(&state.admin, &actor, &id, &attempt).await?))
}
