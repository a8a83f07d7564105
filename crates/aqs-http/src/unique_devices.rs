//! `GET /metrics/unique-devices/{project}/{access-site}/{granularity}/{start}/{end}`
//! (api-contract §2.6): the family's one route.

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{ACCESS_SITE, DAILY_OR_MONTHLY, END, Param, RouteSpec, START};
use crate::store_call::{SeriesQuery, series_items};
use aqs_core::RequestError;
use aqs_core::table::Dataset;
use aqs_core::unique_devices::{UniqueDevicesParams, UniqueDevicesRequest, table_of};
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;

/// The family's routes.
pub(crate) const ROUTES: &[RouteSpec] = &[RouteSpec {
    name: "unique-devices",
    path: "/unique-devices/{project}/{access-site}/{granularity}/{start}/{end}",
    summary: "Estimated unique devices of a project (or of a project family), daily or monthly",
    dataset: Dataset::UniqueDevices,
    params: &[
        Param {
            name: "project",
            description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`, or a family such as `all-wikipedia-projects`",
            allowed: None,
        },
        ACCESS_SITE,
        DAILY_OR_MONTHLY,
        START,
        END,
    ],
    example: "/unique-devices/en.wikipedia/all-sites/daily/19700101/19700101",
    example_expects: &[
        ("timestamp", "\"19700101\""),
        ("devices", "0"),
        ("offset", "0"),
        ("underestimate", "0"),
    ],
    handler: |req, state| handle.call(req, state),
}];

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = UniqueDevicesRequest::parse(UniqueDevicesParams {
        project: &s[0],
        access_site: &s[1],
        granularity: &s[2],
        start: &s[3],
        end: &s[4],
    })?;
    let Some((first, last)) = request.periods else { return Err(RequestError::NoData.into()) };
    let (project, site) = (request.project.as_str(), request.access_site.as_str());
    let query = SeriesQuery {
        table: table_of(project),
        key: vec![project.to_string(), site.to_string()],
        first,
        last,
        fields: &[
            ("project", project),
            ("access-site", site),
            ("granularity", request.granularity.as_str()),
        ],
        values: &["devices", "offset", "underestimate"],
        timestamp_digits: 8,
    };
    series_items(&state, query).await
}
