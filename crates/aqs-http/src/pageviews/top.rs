//! `GET /metrics/pageviews/top/{project}/{access}/{year}/{month}/{day}`

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::headers;
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::pageviews::{TopArticles, TopEntry, TopParams, TopRequest};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

pub const INVALID_JSON: &str = "This response contained invalid JSON, we are working on fixing the problem, but until then you can try a different date.";

#[derive(Serialize)]
struct Article<'a> {
    article: &'a str,
    views: u64,
    rank: u32,
}

#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    access: &'static str,
    year: &'a str,
    month: &'a str,
    day: &'a str,
    articles: Vec<Article<'a>>,
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = TopRequest::parse(TopParams {
        project: &s[0],
        access: &s[1],
        year: &s[2],
        month: &s[3],
        day: &s[4],
    })?;
    let Some(period) = request.period else { return Err(RequestError::NoData.into()) };
    let store = state.pageviews.clone();
    let (project, access) = (request.project.clone(), request.access);
    let mut entries: Vec<TopEntry> =
        match read(&state, move || store.top(&project, access, period)).await? {
            None => return Err(RequestError::NoData.into()),
            Some(TopArticles::InvalidLegacyJson) => {
                return Err(RequestError::InvalidStoredData(INVALID_JSON).into());
            }
            Some(TopArticles::List(entries)) => entries,
        };
    // The original sorts by rank, stably.
    entries.sort_by_key(|e| e.rank);
    let item = Item {
        project: request.project.as_str(),
        access: request.access.as_str(),
        year: &request.year,
        month: &request.month,
        day: &request.day,
        articles: entries
            .iter()
            .map(|e| Article { article: &e.article, views: e.views, rank: e.rank })
            .collect(),
    };
    Ok(headers::items(&[item]))
}
