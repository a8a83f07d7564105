//! `GET /metrics/mediarequests/top/{referer}/{media_type}/{year}/{month}/{day}`
//! (api-contract §2.10): the most requested files of a day or a month (`all-days`), by rank.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::store_call::list_entries;
use aqs_core::RequestError;
use aqs_core::mediarequests::{TOP_FILES, TopRequest, top_list, top_period};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct File<'a> {
    file_path: &'a str,
    requests: u64,
    rank: u64,
}

#[derive(Serialize)]
struct Item<'a> {
    referer: &'a str,
    media_type: &'a str,
    year: &'a str,
    month: &'a str,
    day: &'a str,
    files: Vec<File<'a>>,
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = TopRequest::parse(&s[0], &s[1], &s[2], &s[3], &s[4])?;
    let Some(period) = request.period.map(top_period) else {
        return Err(RequestError::NoData.into());
    };
    let key = vec![request.referer.as_str().to_string(), request.media_type.clone()];
    let files = top_list(list_entries(&state, &TOP_FILES, key, period).await?);
    let item = Item {
        referer: request.referer.as_str(),
        media_type: &request.media_type,
        year: &request.year,
        month: &request.month,
        day: &request.day,
        files: files
            .iter()
            .map(|f| File { file_path: &f.file_path, requests: f.requests, rank: f.rank })
            .collect(),
    };
    Ok(crate::items::single_item(&item))
}
