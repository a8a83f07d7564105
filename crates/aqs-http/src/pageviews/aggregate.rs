//! `GET /metrics/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}`

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::headers;
use crate::items::SeriesWriter;
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::pageviews::{AggregateParams, AggregateRequest};
use axum::extract::State;
use axum::response::Response;

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
) -> Result<Response, ApiError> {
    let request = AggregateRequest::parse(AggregateParams {
        project: &s[0],
        access: &s[1],
        agent: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    })?;
    if crate::ext::filled::active() {
        return crate::ext::filled::pageviews_aggregate(&state, &request).await;
    }
    let store = state.pageviews.clone();
    let (project, access, agent, first, last) =
        (request.project.clone(), request.access, request.agent, request.first, request.last);
    let rows =
        read(&state, move || store.project_series(&project, access, agent, first, last)).await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    // Items in the order the original serves their keys.
    let mut items = writer(&request, rows.len());
    for (period, views) in rows {
        items.push(&period.timestamp_digits(), views);
    }
    Ok(headers::json_body(items.finish()))
}

/// The items' writer: their keys in the order the original serves them (also the
/// zero-filled variant's, `crate::ext::filled`).
pub(crate) fn writer(request: &AggregateRequest, capacity: usize) -> SeriesWriter {
    SeriesWriter::new(
        &[
            ("project", request.project.as_str()),
            ("access", request.access.as_str()),
            ("agent", request.agent.as_str()),
            ("granularity", request.granularity.as_str()),
        ],
        &[],
        capacity,
    )
}
