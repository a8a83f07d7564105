//! `GET /metrics/pageviews/top-per-country/{country}/{access}/{year}/{month}/{day}`
//! (api-contract §2.5): the most viewed articles of a day from one country, across projects,
//! as stored (`views_ceil` only, no `views`).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::store_call::list_entries;
use aqs_core::RequestError;
use aqs_core::dates::Period;
use aqs_core::top_per_country::{TOP_PER_COUNTRY, TopPerCountryRequest, list};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
struct Article<'a> {
    article: &'a str,
    project: &'a str,
    views_ceil: u64,
    rank: u64,
}

#[derive(Serialize)]
struct Item<'a> {
    country: &'a str,
    access: &'a str,
    year: &'a str,
    month: &'a str,
    day: &'a str,
    articles: Vec<Article<'a>>,
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = TopPerCountryRequest::parse(&s[0], &s[1], &s[2], &s[3], &s[4])?;
    let Some(day) = request.day else { return Err(RequestError::NoData.into()) };
    let key = vec![request.country.clone(), request.access.as_str().to_string()];
    let articles = list(list_entries(&state, &TOP_PER_COUNTRY, key, Period::Day(day)).await?);
    let item = Item {
        country: &request.country,
        access: request.access.as_str(),
        year: &request.year,
        month: &request.month,
        day: &request.day_text,
        articles: articles
            .iter()
            .map(|a| Article {
                article: &a.article,
                project: &a.project,
                views_ceil: a.views_ceil,
                rank: a.rank,
            })
            .collect(),
    };
    Ok(crate::items::single_item(&item))
}
