//! Conditions shared by the history's searches.

use sea_orm::sea_query::SimpleExpr;
use sea_orm::ColumnTrait;

use crate::phone::NumberSearch;

/// The rows whose number (its reversed-digits column) ends with the searched digits: a
/// range, so the column's index answers it.
pub fn number_ends_with(reversed: impl ColumnTrait, search: &NumberSearch) -> SimpleExpr {
    let from = reversed.gte(search.from_reversed());
    match search.until_reversed() {
        Some(until) => from.and(reversed.lt(until)),
        None => from,
    }
}
