//! `editors/top-by-{edits,net-bytes-difference,absolute-bytes-difference}` and
//! `edited-pages/top-by-…` (api-contract §2.13, §2.14): the 100 editors (pages) of a project
//! with the most edits, net or absolute bytes difference in a day or a month (`all-days`),
//! from the active snapshot's lists (`aqs_core::history::top`). One handler for the six routes.

use super::{EDITOR_TYPE, PAGE_TYPE, PROJECT};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{Param, RouteSpec};
use crate::store_call::read;
use aqs_core::history::request::EventMetric;
use aqs_core::history::snapshots;
use aqs_core::history::top::{TopEntity, TopParams, TopRequest};
use aqs_core::table::Dataset;
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;

const YEAR: Param = Param { name: "year", description: "The year, YYYY", allowed: None };
const MONTH: Param = Param { name: "month", description: "The month, MM", allowed: None };
const DAY: Param = Param {
    name: "day",
    description: "The day, DD, or `all-days` for the whole month",
    allowed: None,
};

/// A top route.
macro_rules! top_route {
    ($name:literal, $summary:literal, $entity:expr, $metric:expr) => {
        RouteSpec {
            name: $name,
            path: concat!("/", $name, "/{project}/{editor-type}/{page-type}/{year}/{month}/{day}"),
            summary: $summary,
            dataset: Dataset::History,
            params: &[PROJECT, EDITOR_TYPE, PAGE_TYPE, YEAR, MONTH, DAY],
            example: concat!(
                "/",
                $name,
                "/en.wikipedia/all-editor-types/all-page-types/2001/01/all-days"
            ),
            example_expects: &[("project", "\"en.wikipedia\""), ("granularity", "\"monthly\"")],
            handler: |req, state| {
                (|s: State<AppState>, p: PathParams<6>| handle(s, p, $entity, $metric))
                    .call(req, state)
            },
        }
    };
}

pub(super) const EDITORS_BY_EDITS: RouteSpec = top_route!(
    "editors/top-by-edits",
    "The 100 editors of a project with the most edits in a day or a month (IP addresses as null)",
    TopEntity::Editors,
    EventMetric::Edits
);
pub(super) const EDITORS_BY_NET_BYTES: RouteSpec = top_route!(
    "editors/top-by-net-bytes-difference",
    "The 100 editors of a project with the highest net bytes difference in a day or a month (IP addresses as null)",
    TopEntity::Editors,
    EventMetric::NetBytesDiff
);
pub(super) const EDITORS_BY_ABS_BYTES: RouteSpec = top_route!(
    "editors/top-by-absolute-bytes-difference",
    "The 100 editors of a project with the highest absolute bytes difference in a day or a month (IP addresses as null)",
    TopEntity::Editors,
    EventMetric::AbsBytesDiff
);
pub(super) const PAGES_BY_EDITS: RouteSpec = top_route!(
    "edited-pages/top-by-edits",
    "The 100 pages of a project with the most edits in a day or a month",
    TopEntity::Pages,
    EventMetric::Edits
);
pub(super) const PAGES_BY_NET_BYTES: RouteSpec = top_route!(
    "edited-pages/top-by-net-bytes-difference",
    "The 100 pages of a project with the highest net bytes difference in a day or a month",
    TopEntity::Pages,
    EventMetric::NetBytesDiff
);
pub(super) const PAGES_BY_ABS_BYTES: RouteSpec = top_route!(
    "edited-pages/top-by-absolute-bytes-difference",
    "The 100 pages of a project with the highest absolute bytes difference in a day or a month",
    TopEntity::Pages,
    EventMetric::AbsBytesDiff
);

async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
    entity: TopEntity,
    metric: EventMetric,
) -> Result<Response, ApiError> {
    let params = TopParams {
        project: &s[0],
        editor_type: &s[1],
        page_type: &s[2],
        year: &s[3],
        month: &s[4],
        day: &s[5],
    };
    let request = TopRequest::parse(entity, metric, params)?;
    let reader = request.clone();
    let tables = state.tables.clone();
    let list = read(&state, move || match snapshots::active(tables.as_ref())? {
        Some(snapshot) => reader.read(tables.as_ref(), &snapshots::name(snapshot)),
        None => Ok(Vec::new()),
    })
    .await?;
    Ok(crate::headers::json_body(request.render(&list).into_bytes()))
}
