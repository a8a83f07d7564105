//! `GET /metrics/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}`

use super::{Segments, read};
use crate::AppState;
use crate::error::ApiError;
use crate::headers;
use aqs_core::RequestError;
use aqs_core::pageviews::{AggregateParams, AggregateRequest};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    access: &'static str,
    agent: &'static str,
    granularity: &'static str,
    timestamp: String,
    views: u64,
}

pub async fn handle(
    State(state): State<AppState>,
    Segments(s): Segments,
) -> Result<Response, ApiError> {
    let request = AggregateRequest::parse(AggregateParams {
        project: &s[0],
        access: &s[1],
        agent: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    })?;
    let store = state.pageviews.clone();
    let (project, access, agent, first, last) =
        (request.project.clone(), request.access, request.agent, request.first, request.last);
    let rows = read(move || store.project_series(&project, access, agent, first, last)).await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    let items: Vec<Item<'_>> = rows
        .into_iter()
        .map(|(period, views)| Item {
            project: request.project.as_str(),
            access: request.access.as_str(),
            agent: request.agent.as_str(),
            granularity: request.granularity.as_str(),
            timestamp: period.timestamp(),
            views,
        })
        .collect();
    Ok(headers::items(&items))
}
