//! Lists read newest first a page at a time: each page continues below the previous
//! page's last row, by its time and a unique key that breaks ties between equal times.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

/// Where a page continues: the previous page's last row's time and key.
pub type After = (DateTime<Utc>, String);

/// `q` newest first by `at`, then `key`, below `before`, at most `limit` rows.
pub fn newest_first<E: EntityTrait>(
    q: Select<E>,
    at: impl ColumnTrait,
    key: impl ColumnTrait,
    before: Option<&After>,
    limit: u64,
) -> Select<E> {
    let q = match before {
        Some((time, last)) => q.filter(
            Condition::any()
                .add(at.lt(*time))
                .add(Condition::all().add(at.eq(*time)).add(key.lt(last.clone()))),
        ),
        None => q,
    };
    q.order_by_desc(at).order_by_desc(key).limit(limit)
}
