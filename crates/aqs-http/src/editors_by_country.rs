//! `GET /metrics/editors/by-country/{project}/{activity-level}/{year}/{month}`
//! (api-contract §2.15): the one route of editors by country. The item lists its countries
//! under `countries` (the Swagger said `results`), without the deny list's countries.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{MONTH, Param, RouteSpec, YEAR};
use crate::store_call::list_entries;
use aqs_core::RequestError;
use aqs_core::dates::Period;
use aqs_core::editors_by_country::{ActivityLevel, EDITORS, EditorsByCountryRequest, served_list};
use aqs_core::table::Dataset;
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use serde::Serialize;

/// The family's routes.
pub(crate) const ROUTES: &[RouteSpec] = &[RouteSpec {
    name: "editors/by-country",
    path: "/editors/by-country/{project}/{activity-level}/{year}/{month}",
    summary: "Editors of a Wikipedia per country in a month (countries with at least one editor, editor counts rounded up to tens)",
    dataset: Dataset::EditorsByCountry,
    params: &[
        Param {
            name: "project",
            description: "The Wikipedia: a domain such as `en.wikipedia.org` or `en.wikipedia` (`all-...` values are refused)",
            allowed: None,
        },
        Param {
            name: "activity-level",
            description: "The editors' monthly edits",
            allowed: Some(ActivityLevel::ALLOWED),
        },
        YEAR,
        MONTH,
    ],
    example: "/editors/by-country/en.wikipedia/5..99-edits/1970/01",
    example_expects: &[("year", "\"1970\""), ("month", "\"01\"")],
    handler: |req, state| handle.call(req, state),
}];

#[derive(Serialize)]
struct Country<'a> {
    country: &'a str,
    #[serde(rename = "editors-ceil")]
    editors_ceil: u64,
}

#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    #[serde(rename = "activity-level")]
    activity_level: &'a str,
    year: &'a str,
    month: &'a str,
    countries: Vec<Country<'a>>,
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<4>,
) -> Result<Response, ApiError> {
    let request = EditorsByCountryRequest::parse(&s[0], &s[1], &s[2], &s[3])?;
    let Some(month) = request.month else { return Err(RequestError::NoData.into()) };
    let key =
        vec![request.project.as_str().to_string(), request.activity_level.as_str().to_string()];
    let list = served_list(list_entries(&state, &EDITORS, key, Period::Month(month)).await?);
    let item = Item {
        project: request.project.as_str(),
        activity_level: request.activity_level.as_str(),
        year: &request.year,
        month: &request.month_text,
        countries: list
            .iter()
            .map(|c| Country { country: &c.country, editors_ceil: c.editors_ceil })
            .collect(),
    };
    Ok(crate::items::single_item(&item))
}
