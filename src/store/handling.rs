//! What became of a call after it ended: when its voicemail was first heard and when the call
//! was handled, and by whom. A call without a row is new.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::entities::call_handling::{self, Entity as Handling};
use super::StoreError;

pub use super::entities::call_handling::Model as HandlingRow;

/// # Errors
/// On database failure.
pub async fn of_calls(db: &impl ConnectionTrait, call_sids: Vec<String>) -> Result<Vec<HandlingRow>, StoreError> {
    if call_sids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(Handling::find()
        .filter(call_handling::Column::CallSid.is_in(call_sids))
        .all(db)
        .await?)
}

/// Records that `by` heard the call's message, unless someone already had.
///
/// # Errors
/// On database failure.
pub async fn heard(
    db: &impl ConnectionTrait,
    call_sid: &str,
    client: &str,
    by: &str,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    ensure_row(db, call_sid, client).await?;
    Handling::update_many()
        .col_expr(call_handling::Column::HeardAt, Expr::value(now))
        .col_expr(call_handling::Column::HeardBy, Expr::value(by))
        .filter(call_handling::Column::CallSid.eq(call_sid))
        .filter(call_handling::Column::HeardAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Marks the call handled by `by`, or (`by` None) not handled any more. Returns whether
/// that changed anything.
///
/// # Errors
/// On database failure.
pub async fn set_handled(
    db: &impl ConnectionTrait,
    call_sid: &str,
    client: &str,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    ensure_row(db, call_sid, client).await?;
    let update = Handling::update_many().filter(call_handling::Column::CallSid.eq(call_sid));
    let done = match by {
        Some(by) => {
            update
                .col_expr(call_handling::Column::HandledAt, Expr::value(now))
                .col_expr(call_handling::Column::HandledBy, Expr::value(by))
                .filter(call_handling::Column::HandledAt.is_null())
                .exec(db)
                .await?
        }
        None => {
            update
                .col_expr(
                    call_handling::Column::HandledAt,
                    Expr::value(Option::<DateTime<Utc>>::None),
                )
                .col_expr(call_handling::Column::HandledBy, Expr::value(Option::<String>::None))
                .filter(call_handling::Column::HandledAt.is_not_null())
                .exec(db)
                .await?
        }
    };
    Ok(done.rows_affected > 0)
}

/// The call's row, made empty (new) if it has none yet, so that one update can follow.
async fn ensure_row(db: &impl ConnectionTrait, call_sid: &str, client: &str) -> Result<(), StoreError> {
    let row = call_handling::ActiveModel {
        call_sid: Set(call_sid.to_owned()),
        client_id: Set(client.to_owned()),
        heard_at: Set(None),
        heard_by: Set(None),
        handled_at: Set(None),
        handled_by: Set(None),
    };
    Handling::insert(row)
        .on_conflict(
            OnConflict::column(call_handling::Column::CallSid)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
