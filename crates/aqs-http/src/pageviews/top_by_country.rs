//! `GET /metrics/pageviews/top-by-country/{project}/{access}/{year}/{month}` (api-contract §2.4):
//! the countries of a project's monthly views, `views` as a bucket string and `views_ceil` as
//! the number, in stored order.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::store_call::list_entries;
use aqs_core::RequestError;
use aqs_core::dates::Period;
use aqs_core::top_by_country::{
    TOP_BY_COUNTRY, TopByCountryRequest, Views, bucket, bucket_of_digits, list,
};
use axum::extract::State;
use axum::response::Response;
use serde::Serialize;

#[derive(Serialize)]
#[serde(untagged)]
enum ViewsField {
    Number(u64),
    Text(String),
}

#[derive(Serialize)]
struct Country<'a> {
    country: &'a str,
    views: ViewsField,
    rank: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    views_ceil: Option<u64>,
}

#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    access: &'a str,
    year: &'a str,
    month: &'a str,
    countries: Vec<Country<'a>>,
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<4>,
) -> Result<Response, ApiError> {
    let request = TopByCountryRequest::parse(&s[0], &s[1], &s[2], &s[3])?;
    let Some(month) = request.month else { return Err(RequestError::NoData.into()) };
    let key = vec![request.project.as_str().to_string(), request.access.as_str().to_string()];
    let countries = list(list_entries(&state, &TOP_BY_COUNTRY, key, Period::Month(month)).await?);
    let Some(first) = countries.first() else { return Err(RequestError::NoData.into()) };
    // As the original: when the first country's views are a number, every number becomes its
    // bucket string plus `views_ceil`; a list stored with bucket strings passes as it is.
    let numbers = matches!(first.views, Views::Ceiled(_));
    let countries = countries
        .iter()
        .map(|c| {
            let (views, views_ceil) = match (c.views, numbers) {
                (Views::Ceiled(v), true) => (ViewsField::Text(bucket(v)), Some(v)),
                (Views::Ceiled(v), false) => (ViewsField::Number(v), None),
                (Views::Bucket(d), _) => (ViewsField::Text(bucket_of_digits(d)), None),
            };
            Country { country: &c.country, views, rank: c.rank, views_ceil }
        })
        .collect();
    let item = Item {
        project: request.project.as_str(),
        access: request.access.as_str(),
        year: &request.year,
        month: &request.month_text,
        countries,
    };
    Ok(crate::items::single_item(&item))
}
