//! Recordings (voicemails and recorded calls) and their transcripts. Any of a recording's
//! callbacks may come first, so each creates the row if needed and adds what it brings.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::recording::{self, Entity as Recording};
use super::StoreError;

pub use super::entities::recording::Model as RecordingRow;

/// A recording's facts as they arrive from any of its callbacks.
#[derive(Debug, Clone, Default)]
pub struct RecordingUpdate<'a> {
    pub recording_sid: &'a str,
    pub call_sid: &'a str,
    /// `voicemail` or `call`.
    pub kind: &'a str,
    pub url: Option<&'a str>,
    pub duration: Option<i32>,
    pub status: Option<&'a str>,
    pub transcription_sid: Option<&'a str>,
    pub transcription_text: Option<&'a str>,
    pub transcription_status: Option<&'a str>,
}

/// Creates or completes a recording; fields already known are kept unless the update
/// brings a value.
///
/// # Errors
/// On database failure.
pub async fn record_recording(
    db: &impl ConnectionTrait,
    r: &RecordingUpdate<'_>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    Recording::insert(recording::ActiveModel {
        recording_sid: Set(r.recording_sid.to_owned()),
        call_sid: Set(r.call_sid.to_owned()),
        kind: Set(r.kind.to_owned()),
        url: Set(None),
        duration: Set(None),
        status: Set(None),
        transcription_sid: Set(None),
        transcription_text: Set(None),
        transcription_status: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(recording::Column::RecordingSid)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let mut update = Recording::update_many().col_expr(recording::Column::UpdatedAt, Expr::value(now));
    let fields = [
        (recording::Column::Url, r.url),
        (recording::Column::Status, r.status),
        (recording::Column::TranscriptionSid, r.transcription_sid),
        (recording::Column::TranscriptionText, r.transcription_text),
        (recording::Column::TranscriptionStatus, r.transcription_status),
    ];
    for (column, value) in fields {
        if let Some(v) = value {
            update = update.col_expr(column, Expr::value(v));
        }
    }
    if let Some(d) = r.duration {
        update = update.col_expr(recording::Column::Duration, Expr::value(d));
    }
    update
        .filter(recording::Column::RecordingSid.eq(r.recording_sid))
        .exec(db)
        .await?;
    Ok(())
}

/// # Errors
/// On database failure.
pub async fn find_recording(
    db: &impl ConnectionTrait,
    recording_sid: &str,
) -> Result<Option<RecordingRow>, StoreError> {
    Ok(Recording::find_by_id(recording_sid).one(db).await?)
}

/// The voicemails these calls left, by call.
///
/// # Errors
/// On database failure.
pub async fn voicemails_of(
    db: &impl ConnectionTrait,
    call_sids: Vec<String>,
) -> Result<std::collections::HashMap<String, RecordingRow>, StoreError> {
    Ok(Recording::find()
        .filter(recording::Column::CallSid.is_in(call_sids))
        .filter(recording::Column::Kind.eq("voicemail"))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.call_sid.clone(), r))
        .collect())
}

/// Marks a voicemail as waiting for its transcript (unless one already arrived).
///
/// # Errors
/// On database failure.
pub async fn expect_transcript(db: &impl ConnectionTrait, recording_sid: &str) -> Result<(), StoreError> {
    Recording::update_many()
        .col_expr(recording::Column::TranscriptionStatus, Expr::value("pending"))
        .filter(recording::Column::RecordingSid.eq(recording_sid))
        .filter(recording::Column::TranscriptionStatus.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Transcripts still pending from before `cutoff` will not come: say so.
///
/// # Errors
/// On database failure.
pub async fn mark_missing_transcripts(db: &impl ConnectionTrait, cutoff: DateTime<Utc>) -> Result<u64, StoreError> {
    let done = Recording::update_many()
        .col_expr(recording::Column::TranscriptionStatus, Expr::value("missing"))
        .filter(recording::Column::TranscriptionStatus.eq("pending"))
        .filter(recording::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}
