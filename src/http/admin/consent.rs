//! A number's consent to a client's texts: read with its history, and recorded by an admin.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{Admin, ErrorBody, Json, Path};
use crate::admin::consent::{self, Consent};
use crate::http::state::AppState;
use crate::http::Error;

#[derive(Serialize, Deserialize, ToSchema)]
pub struct OptIn {
    /// True when the number asked not to receive messages (STOP); false records that it
    /// opted in.
    opted_out: bool,
}

/// A number's consent to a client's texts.
#[derive(Serialize, ToSchema)]
pub struct ConsentView {
    number: String,
    /// It asked not to receive texts (STOP, or an admin recorded it).
    opted_out: bool,
    /// It agreed to receive texts (START or the client's opt-in word, or an admin recorded it).
    opted_in: bool,
    /// The client's rules send texts only to numbers that opted in (`[sms] opt_in = "required"`).
    opt_in_required: bool,
    /// Whether an admin's text to it would be queued now.
    may_text: bool,
    /// Each change, newest first (at most 100).
    history: Vec<ConsentChangeView>,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentChangeView {
    opted_out: bool,
    /// `admin` (through the API or the console), `keyword` (the number texted it) or
    /// `twilio-21610` (Twilio reported the number had opted out).
    source: String,
    /// The admin's name, the words the number texted, or `Twilio`.
    by: String,
    /// In words: "texted START", "recorded by Dana", "reported by Twilio".
    what: String,
    at: chrono::DateTime<chrono::Utc>,
}

impl From<Consent> for ConsentView {
    fn from(c: Consent) -> Self {
        Self {
            number: c.number.to_string(),
            opted_out: c.opted_out(),
            opted_in: c.opted_in(),
            opt_in_required: c.required,
            may_text: c.may_text(),
            history: c
                .history
                .into_iter()
                .map(|h| ConsentChangeView {
                    what: consent::consent_change_in_words(&h),
                    opted_out: h.opted_out,
                    source: h.source,
                    by: h.changed_by,
                    at: h.changed_at,
                })
                .collect(),
        }
    }
}

/// A number's consent to the client's texts: opted out, opted in, and each change with how,
/// by whom and when.
#[utoipa::path(get, path = "/api/clients/{id}/opt-outs/{number}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("number" = String, Path, description = "E.164")),
    responses((status = 200, body = ConsentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn opt_out(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, number)): Path<(String, String)>,
) -> Result<Json<ConsentView>, Error> {
    Ok(Json(consent::consent(&state.admin, &actor, &id, &number).await?.into()))
}

/// Records a number's opt-out or opt-in (for consent gathered elsewhere), kept in its
/// history with the token's name; audited.
#[utoipa::path(put, path = "/api/clients/{id}/opt-outs/{number}", tag = "messages", security(("bearer" = [])),
    params(("id" = String, Path), ("number" = String, Path, description = "E.164")), request_body = OptIn,
    responses((status = 200, body = ConsentView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_opt_out(
    State(state): State<AppState>,
    Admin(actor): Admin,
    Path((id, number)): Path<(String, String)>,
    Json(req): Json<OptIn>,
) -> Result<Json<ConsentView>, Error> {
    let consent = consent::set_opt_out(&state.admin, &actor, &id, &number, req.opted_out).await?;
    Ok(Json(consent.into()))
}
