//! `GET /metrics/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}`

use super::{Segments, read};
use crate::AppState;
use crate::error::ApiError;
use crate::headers;
use aqs_core::RequestError;
use aqs_core::pageviews::{PerArticleParams, PerArticleRequest};
use aqs_core::params::ArticleGranularity;
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeMap;

/// One item, keys in the order the original serves them.
#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    article: &'a str,
    granularity: &'static str,
    timestamp: String,
    access: &'static str,
    agent: &'static str,
    views: u64,
}

pub async fn handle(
    State(state): State<AppState>,
    Segments(s): Segments,
) -> Result<Response, ApiError> {
    let request = PerArticleRequest::parse(PerArticleParams {
        project: &s[0],
        access: &s[1],
        agent: &s[2],
        article: &s[3],
        granularity: &s[4],
        start: &s[5],
        end: &s[6],
    })?;
    let store = state.pageviews.clone();
    let (project, article, first, last) =
        (request.project.clone(), request.article.clone(), request.first, request.last);
    let rows = read(move || store.article_series(&project, &article, first, last)).await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    let item = |timestamp: String, granularity: &'static str, views: u64| Item {
        project: request.project.as_str(),
        article: &request.article,
        granularity,
        timestamp,
        access: request.access.as_str(),
        agent: request.agent.as_str(),
        views,
    };
    let views =
        |v: &aqs_core::pageviews::ArticleViews| u64::from(v.get(request.access, request.agent));
    let items: Vec<Item<'_>> = match request.granularity {
        ArticleGranularity::Daily => {
            rows.iter().map(|(day, v)| item(day.timestamp(), "daily", views(v))).collect()
        }
        ArticleGranularity::Monthly => {
            let mut months = BTreeMap::new();
            for (day, v) in &rows {
                *months.entry(day.year_month()).or_insert(0u64) += views(v);
            }
            months
                .into_iter()
                .map(|(month, total)| item(month.timestamp(), "monthly", total))
                .collect()
        }
    };
    Ok(headers::items(&items))
}
