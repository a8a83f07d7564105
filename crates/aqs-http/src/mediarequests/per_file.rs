//! `GET /metrics/mediarequests/per-file/{referer}/{agent}/{file_path}/{granularity}/{start}/{end}`
//! (api-contract §2.8).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::items::{SeriesWriter, push_days};
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::dates::Period;
use aqs_core::mediarequests::per_file::{PER_FILE, PerFileParams, PerFileRequest};
use aqs_core::params::ArticleGranularity;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The original answered this route without its usual headers (api-contract §1.8): no
/// charset, the default private cache-control, no ETag (so no 304s, and no response cache).
const CONTENT_TYPE: &str = "application/json";
const CACHE_CONTROL: &str = "private, max-age=0, s-maxage=0, must-revalidate";

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
) -> Result<Response, ApiError> {
    let request = PerFileRequest::parse(PerFileParams {
        referer: &s[0],
        agent: &s[1],
        file_path: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    })?;
    if crate::ext::filled::active() {
        return crate::ext::filled::per_file(&state, &request).await;
    }
    let tables = state.tables.clone();
    let key = [request.referer.as_str().to_string(), request.file_path.clone()];
    let (first, last) = (Period::Day(request.first), Period::Day(request.last));
    let rows =
        read(&state, move || tables.series(&PER_FILE, &[&key[0], &key[1]], first, last)).await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    let mut items = writer(&request, rows.len());
    let days = rows.iter().filter_map(|row| match row.period {
        Period::Day(day) => Some((day, request.requests(&row.values))),
        _ => None,
    });
    push_days(&mut items, days, request.granularity == ArticleGranularity::Monthly);
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    Ok((headers, Body::from(Bytes::from(items.finish()))).into_response())
}

/// The items' writer (also the zero-filled variant's, `crate::ext::filled`).
pub(crate) fn writer(request: &PerFileRequest, capacity: usize) -> SeriesWriter {
    SeriesWriter::with_values(
        &[
            ("referer", request.referer.as_str()),
            ("file_path", &request.file_path),
            ("granularity", request.granularity.as_str()),
        ],
        &[("agent", request.agent.as_str())],
        &["requests"],
        capacity,
    )
}
