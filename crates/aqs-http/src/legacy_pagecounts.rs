//! `GET /metrics/legacy/pagecounts/aggregate/{project}/{access-site}/{granularity}/{start}/{end}`
//! (api-contract §2.7): the family's one route.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{ACCESS_SITE, HOURLY_DAILY_OR_MONTHLY, Param, RouteSpec};
use crate::store_call::{SeriesQuery, series_items};
use aqs_core::legacy_pagecounts::{PAGECOUNTS, PagecountsParams, PagecountsRequest};
use aqs_core::table::Dataset;
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;

/// The family's routes.
pub(crate) const ROUTES: &[RouteSpec] = &[RouteSpec {
    name: "legacy/pagecounts/aggregate",
    path: "/legacy/pagecounts/aggregate/{project}/{access-site}/{granularity}/{start}/{end}",
    summary: "Legacy pagecounts of a project (pagecounts-raw and pagecounts-all-sites, 2008 to 2016), hourly, daily or monthly",
    dataset: Dataset::LegacyPagecounts,
    params: &[
        Param {
            name: "project",
            description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`, or `all-projects`",
            allowed: None,
        },
        ACCESS_SITE,
        HOURLY_DAILY_OR_MONTHLY,
        Param {
            name: "start",
            description: "First hour, YYYYMMDDHH (10 digits for every granularity)",
            allowed: None,
        },
        Param {
            name: "end",
            description: "Last hour (inclusive), YYYYMMDDHH; monthly keeps whole months only",
            allowed: None,
        },
    ],
    example: "/legacy/pagecounts/aggregate/en.wikipedia/all-sites/daily/1970010100/1970010100",
    example_expects: &[("timestamp", "\"1970010100\""), ("count", "0")],
    handler: |req, state| handle.call(req, state),
}];

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = PagecountsRequest::parse(PagecountsParams {
        project: &s[0],
        access_site: &s[1],
        granularity: &s[2],
        start: &s[3],
        end: &s[4],
    })?;
    let (project, site) = (request.project.as_str(), request.access_site.as_str());
    let query = SeriesQuery {
        table: &PAGECOUNTS,
        key: vec![project.to_string(), site.to_string()],
        first: request.first,
        last: request.last,
        fields: &[
            ("project", project),
            ("access-site", site),
            ("granularity", request.granularity.as_str()),
        ],
        values: &["count"],
        timestamp_digits: 10,
    };
    series_items(&state, query).await
}
