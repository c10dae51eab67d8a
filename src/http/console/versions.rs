//! A client's rule versions: the list with who made each, a side-by-side compare, and
//! rolling back to one after seeing what would change.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use serde::Deserialize;
use similar::{DiffTag, TextDiff};

use super::layout::{self, Place, Tab};
use super::session::{Posted, Session};
use super::Page;
use crate::admin::{self, changes, AdminError};
use crate::http::state::AppState;
use crate::locale::LocalTime;
use crate::store::rule_versions;

#[derive(Deserialize)]
pub struct OlderVersions {
    /// The last version of the previous page.
    before: Option<i32>,
}

/// Versions a page of the console's version list shows.
const VERSIONS_PAGE: u64 = 50;

pub async fn versions(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<OlderVersions>,
) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let tz = LocalTime::of(&loaded.rules);
    let page = changes::versions(&state.db, &state.registry, &session.actor, &id, q.before, VERSIONS_PAGE).await?;
    let older_link = page
        .next
        .map(|v| format!("/admin/clients/{id}/rules/versions?before={v}"));
    let list = page.versions;
    let newest = list.first().map_or(0, |v| v.meta.version);
    let older = list.get(1).map_or(newest, |v| v.meta.version);
    let body = html! {
        h1 { "Rule versions" }
        form.inline method="get" action={ "/admin/clients/" (id) "/rules/diff" } {
            label for="from" { "Compare version" }
            select #from name="from" {
                @for v in &list { option value=(v.meta.version) selected[v.meta.version == older] { (v.meta.version) } }
            }
            label for="to" { "with version" }
            select #to name="to" {
                @for v in &list { option value=(v.meta.version) selected[v.meta.version == newest] { (v.meta.version) } }
            }
            button type="submit" { "Compare" }
        }
        div.scroll {
            table {
                thead { tr { th { "Version" } th { "What changed" } th { "When" } th { "Who" } th { "Comment" } th { span.sr-only { "Actions" } } } }
                tbody {
                    @for v in &list {
                        @let n = v.meta.version;
                        tr {
                            td data-label="Version" { (n) @if n == loaded.version { " " span.badge.open { "in use" } } }
                            td data-label="What changed" {
                                (v.summary)
                                @if n > 1 { " " a href={ "/admin/clients/" (id) "/rules/diff?from=" (n - 1) "&to=" (n) } { "See the lines" } }
                            }
                            td data-label="When" { (tz.full(v.meta.created_at)) }
                            td data-label="Who" { (who(&v.meta)) }
                            td data-label="Comment" { (v.meta.comment.as_deref().unwrap_or("")) }
                            td data-label="" {
                                @if n != loaded.version {
                                    a href={ "/admin/clients/" (id) "/rules/rollback?version=" (n) } { "Roll back to version " (n) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if let Some(href) = &older_link { p { a href=(href) { "Older versions" } } }
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Rules,
    };
    Ok(layout::page("Rule versions", Some(&session), place, body).into_response())
}

#[derive(Deserialize)]
pub struct Versions {
    from: i32,
    to: i32,
}

pub async fn diff(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<Versions>,
) -> Result<Response, Page> {
    admin::client(&state.registry, &session.actor, &id)?;
    let (a, b) = (
        rule_versions::find(&state.db, &id, q.from)
            .await?
            .ok_or(AdminError::NotFound)?,
        rule_versions::find(&state.db, &id, q.to)
            .await?
            .ok_or(AdminError::NotFound)?,
    );
    let body = html! {
        h1 { "Version " (q.from) " and version " (q.to) }
        p { a href={ "/admin/clients/" (id) "/rules/versions" } { "Back to the versions" } }
        @if a.source == b.source { p.notice.good { "The two versions are the same." } }
        div.scroll { (side_by_side(&a.source, &b.source, q.from, q.to, false)) }
        (one_column(&a.source, &b.source, false))
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Rules,
    };
    Ok(layout::page("Compare versions", Some(&session), place, body).into_response())
}

/// Old on the left, new on the right, changed lines paired up; with `only_changes`, the
/// lines that stay the same are left out.
fn side_by_side(old: &str, new: &str, from: i32, to: i32, only_changes: bool) -> Markup {
    let diff = TextDiff::from_lines(old, new);
    let (old_lines, new_lines): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let mut rows = Vec::new();
    for op in diff.ops() {
        let (tag, o, n) = op.as_tag_tuple();
        if only_changes && tag == DiffTag::Equal {
            continue;
        }
        for i in 0..o.len().max(n.len()) {
            let left = (i < o.len()).then(|| (o.start + i + 1, old_lines.get(o.start + i).copied().unwrap_or("")));
            let right = (i < n.len()).then(|| (n.start + i + 1, new_lines.get(n.start + i).copied().unwrap_or("")));
            rows.push((tag, left, right));
        }
    }
    let class = |tag: DiffTag, side: &str| match tag {
        DiffTag::Equal => "same",
        _ if side == "old" => "removed",
        _ => "added",
    };
    html! {
        table.diff.wide {
            thead { tr { th colspan="2" { "Version " (from) } th colspan="2" { "Version " (to) } } }
            tbody {
                @for (tag, left, right) in rows {
                    tr {
                        @match left {
                            Some((n, text)) => { td.num { (n) } td class=(class(tag, "old")) { pre { (text) } } }
                            None => { td.num {} td.empty {} }
                        }
                        @match right {
                            Some((n, text)) => { td.num { (n) } td class=(class(tag, "new")) { pre { (text) } } }
                            None => { td.num {} td.empty {} }
                        }
                    }
                }
            }
        }
    }
}

/// The same changes in one column, for narrow screens: each changed line as it was (−) and
/// as it becomes (+), with a line either side; long runs of unchanged lines are folded.
fn one_column(old: &str, new: &str, only_changes: bool) -> Markup {
    const CONTEXT: usize = 1;
    let diff = TextDiff::from_lines(old, new);
    let ops = diff.ops();
    html! {
        ol.diff-compact {
            @for (i, op) in ops.iter().enumerate() {
                @let (tag, o, n) = op.as_tag_tuple();
                @if tag == DiffTag::Equal {
                    @let lines: Vec<&str> = new.lines().skip(n.start).take(n.len()).collect();
                    @let head = if i == 0 { 0 } else { CONTEXT.min(lines.len()) };
                    @let tail = if i + 1 == ops.len() { 0 } else { CONTEXT.min(lines.len() - head) };
                    @let folded = lines.len() - head - tail;
                    @for line in &lines[..head] { li.same { span.sign { " " } (line) } }
                    @if only_changes || folded > 2 * CONTEXT {
                        @if folded > 0 { li.folded { (folded) " lines the same" } }
                    } @else {
                        @for line in &lines[head..head + folded] { li.same { span.sign { " " } (line) } }
                    }
                    @for line in &lines[lines.len() - tail..] { li.same { span.sign { " " } (line) } }
                } @else {
                    @for line in old.lines().skip(o.start).take(o.len()) { li.removed { span.sign { "−" } (line) } }
                    @for line in new.lines().skip(n.start).take(n.len()) { li.added { span.sign { "+" } (line) } }
                }
            }
        }
    }
}

/// Who made a version, in words: a person's token name, or where the text came from.
fn who(v: &rule_versions::VersionMeta) -> String {
    match (v.author.as_deref(), v.origin.strip_prefix("file:")) {
        (Some("bootstrap"), _) => "the server's own admin token".to_owned(),
        (Some(name), _) => name.to_owned(),
        (None, Some(path)) => {
            let file = std::path::Path::new(path)
                .file_name()
                .map_or_else(|| path.to_owned(), |f| f.to_string_lossy().into_owned());
            format!("imported from the file {file}")
        }
        (None, None) => v.origin.clone(),
    }
}

#[derive(Deserialize)]
pub struct Rollback {
    version: i32,
    /// Why, kept with the new version.
    #[serde(default)]
    comment: String,
}

#[derive(Deserialize)]
pub struct RollbackTo {
    version: i32,
}

/// "Roll back to version N?": what it would change, and a button that does it.
pub async fn confirm_rollback(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<RollbackTo>,
) -> Result<Response, Page> {
    let loaded = admin::client(&state.registry, &session.actor, &id)?;
    let (current, old) = (
        rule_versions::find(&state.db, &id, loaded.version)
            .await?
            .ok_or(AdminError::NotFound)?,
        rule_versions::find(&state.db, &id, q.version)
            .await?
            .ok_or(AdminError::NotFound)?,
    );
    let tz = LocalTime::of(&loaded.rules);
    let body = html! {
        h1 { "Roll back to version " (q.version) "?" }
        section.card {
            p {
                "Version " (q.version) " (saved " (tz.full(old.meta.created_at)) "; who: " (who(&old.meta))
                @if let Some(c) = old.meta.comment.as_deref().filter(|c| !c.is_empty()) { "; “" (c) "”" }
                ") becomes the rules in use from the next call on. It is saved as a new version, so you can "
                "come back to version " (loaded.version) " the same way."
            }
            form method="post" action={ "/admin/clients/" (id) "/rules/rollback" } {
                input type="hidden" name="csrf" value=(session.csrf);
                input type="hidden" name="version" value=(q.version);
                label for="comment" { "Why (kept with the new version)" }
                input #comment type="text" name="comment";
                div.actions {
                    button.primary type="submit" { "Roll back to version " (q.version) }
                    a href={ "/admin/clients/" (id) "/rules/versions" } { "Cancel" }
                }
            }
        }
        h2 { "What changes" }
        p.muted { "Only the lines that differ, with their line numbers." }
        @if current.source == old.source {
            p.notice.good { "Nothing: the two versions are the same." }
        } @else {
            div.scroll { (side_by_side(&current.source, &old.source, loaded.version, q.version, true)) }
            (one_column(&current.source, &old.source, true))
        }
    };
    let place = Place {
        client: Some(&id),
        tab: Tab::Rules,
    };
    Ok(layout::page("Roll back", Some(&session), place, body).into_response())
}

pub async fn rollback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Posted(session, form): Posted<Rollback>,
) -> Result<Response, Page> {
    let comment = Some(form.comment.trim()).filter(|c| !c.is_empty());
    match admin::rollback(&state.admin, &session.actor, &id, form.version, comment).await {
        Ok(v) => Ok(Redirect::to(&format!("/admin/clients/{id}/rules?saved={v}")).into_response()),
        Err(e) => Err(e.into()),
    }
}
