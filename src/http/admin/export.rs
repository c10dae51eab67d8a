//! Lists answered as a page of JSON or, with `format=csv`, as a spreadsheet of every
//! matching row, streamed a page at a time so memory does not grow with the rows.

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use futures_util::{Stream, StreamExt};
use serde::Serialize;

use crate::http::Error;
use crate::store::StoreError;

/// Whether `format` asks for CSV (`csv`) or a page of JSON (`json`, the default).
///
/// # Errors
/// `BadRequest` for any other format.
pub fn wants_csv(format: Option<&str>) -> Result<bool, Error> {
    match format {
        None | Some("json") => Ok(false),
        Some("csv") => Ok(true),
        Some(other) => Err(Error::BadRequest(format!(
            "format `{other}` is not known: use `json` or `csv`"
        ))),
    }
}

/// A CSV attachment named `filename` of every row of `pages`, each row as `view` shows it.
pub fn csv<R, V: Serialize>(
    filename: &str,
    pages: impl Stream<Item = Result<Vec<R>, StoreError>> + Send + 'static,
    view: impl Fn(R) -> V + Send + 'static,
) -> Response {
    let mut first = true;
    let body = pages.map(move |page| {
        let mut out = csv::WriterBuilder::new()
            .has_headers(std::mem::take(&mut first))
            .from_writer(Vec::new());
        for row in page? {
            out.serialize(view(row))?;
        }
        let bytes = out.into_inner().map_err(|e| e.into_error())?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(Bytes::from(bytes))
    });
    let disposition = format!("attachment; filename=\"{filename}\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        axum::body::Body::from_stream(body),
    )
        .into_response()
}
