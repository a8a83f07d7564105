//! `edits`, `bytes-difference/net` and `bytes-difference/absolute` of one page (`per-page`,
//! by editor type) or one editor (`per-editor`, by page type) (api-contract §2.12): one
//! handler for the six routes, reading `aqs_core::history::per_entity`'s tables in the active
//! snapshot, zero-filled like the other history answers; ranges of at most 367 days.

use super::{EDITOR_TYPE, END, GRANULARITY, PAGE_TYPE, PROJECT, START, read_active};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{Param, RouteSpec};
use aqs_core::dates::Period;
use aqs_core::history::per_entity::{PerEntityParams, PerEntityRequest, Subject};
use aqs_core::history::request::{EventMetric, render_series};
use aqs_core::params::ArticleGranularity;
use aqs_core::table::{Dataset, TableRead};
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use std::collections::HashMap;

const PAGE_TITLE: Param = Param {
    name: "page-title",
    description: "The page's title with its namespace (`Talk:Foo`), spaces or underscores; a `/` in it as `%2F`",
    allowed: None,
};
const USER_TEXT: Param = Param {
    name: "user-text",
    description: "The editor's user name, or the IP address of anonymous edits",
    allowed: None,
};
/// A per-page or per-editor route.
macro_rules! per_entity_route {
    ($name:literal, $path:literal, $summary:literal, $subject:expr, $metric:expr, $params:expr, $example:literal) => {
        RouteSpec {
            name: $name,
            path: $path,
            summary: $summary,
            dataset: Dataset::History,
            params: $params,
            example: concat!("/", $name, $example),
            example_expects: &[("project", "\"en.wikipedia\""), ("granularity", "\"daily\"")],
            handler: |req, state| {
                (|s: State<AppState>, p: PathParams<6>| handle(s, p, $subject, $metric))
                    .call(req, state)
            },
        }
    };
}

const PAGE_PARAMS: &[Param] = &[PROJECT, PAGE_TITLE, EDITOR_TYPE, GRANULARITY, START, END];
const EDITOR_PARAMS: &[Param] = &[PROJECT, USER_TEXT, PAGE_TYPE, GRANULARITY, START, END];

pub(super) const EDITS_PER_PAGE: RouteSpec = per_entity_route!(
    "edits/per-page",
    "/edits/per-page/{project}/{page-title}/{editor-type}/{granularity}/{start}/{end}",
    "Edits of one page, daily or monthly (at most 367 days)",
    Subject::Page,
    EventMetric::Edits,
    PAGE_PARAMS,
    "/en.wikipedia/Main_Page/all-editor-types/daily/20010101/20010102"
);
pub(super) const NET_BYTES_PER_PAGE: RouteSpec = per_entity_route!(
    "bytes-difference/net/per-page",
    "/bytes-difference/net/per-page/{project}/{page-title}/{editor-type}/{granularity}/{start}/{end}",
    "Net bytes difference of one page's edits, daily or monthly (at most 367 days)",
    Subject::Page,
    EventMetric::NetBytesDiff,
    PAGE_PARAMS,
    "/en.wikipedia/Main_Page/all-editor-types/daily/20010101/20010102"
);
pub(super) const ABS_BYTES_PER_PAGE: RouteSpec = per_entity_route!(
    "bytes-difference/absolute/per-page",
    "/bytes-difference/absolute/per-page/{project}/{page-title}/{editor-type}/{granularity}/{start}/{end}",
    "Absolute bytes difference of one page's edits, daily or monthly (at most 367 days)",
    Subject::Page,
    EventMetric::AbsBytesDiff,
    PAGE_PARAMS,
    "/en.wikipedia/Main_Page/all-editor-types/daily/20010101/20010102"
);
pub(super) const EDITS_PER_EDITOR: RouteSpec = per_entity_route!(
    "edits/per-editor",
    "/edits/per-editor/{project}/{user-text}/{page-type}/{granularity}/{start}/{end}",
    "Edits of one editor, daily or monthly (at most 367 days; not exposed by the original's public gateway)",
    Subject::Editor,
    EventMetric::Edits,
    EDITOR_PARAMS,
    "/en.wikipedia/Jimbo_Wales/all-page-types/daily/20010101/20010102"
);
pub(super) const NET_BYTES_PER_EDITOR: RouteSpec = per_entity_route!(
    "bytes-difference/net/per-editor",
    "/bytes-difference/net/per-editor/{project}/{user-text}/{page-type}/{granularity}/{start}/{end}",
    "Net bytes difference of one editor's edits, daily or monthly (at most 367 days)",
    Subject::Editor,
    EventMetric::NetBytesDiff,
    EDITOR_PARAMS,
    "/en.wikipedia/Jimbo_Wales/all-page-types/daily/20010101/20010102"
);
pub(super) const ABS_BYTES_PER_EDITOR: RouteSpec = per_entity_route!(
    "bytes-difference/absolute/per-editor",
    "/bytes-difference/absolute/per-editor/{project}/{user-text}/{page-type}/{granularity}/{start}/{end}",
    "Absolute bytes difference of one editor's edits, daily or monthly (at most 367 days)",
    Subject::Editor,
    EventMetric::AbsBytesDiff,
    EDITOR_PARAMS,
    "/en.wikipedia/Jimbo_Wales/all-page-types/daily/20010101/20010102"
);

async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
    subject: Subject,
    metric: EventMetric,
) -> Result<Response, ApiError> {
    let params = PerEntityParams {
        project: &s[0],
        name: &s[1],
        filter: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    };
    let request = PerEntityRequest::parse(subject, metric, params)?;
    let reader = request.clone();
    // The tables hold days: a monthly answer reads its months' days and sums them.
    let rows = move |t: &dyn TableRead, snapshot: &str, first: Period, last: Period| {
        let day = |p: Period, end: bool| match p {
            Period::Month(m) if end => Period::Day(m.last_day()),
            Period::Month(m) => Period::Day(m.first_day()),
            other => other,
        };
        reader.read(t, snapshot, (day(first, false), day(last, true)))
    };
    let active = read_active(&state, rows, (request.granularity, request.range)).await?;
    let monthly = request.granularity == ArticleGranularity::Monthly;
    let mut values: HashMap<Period, i64> = HashMap::new();
    for entry in &active.stored {
        let period = match (entry.period, monthly) {
            (Period::Day(d), true) => Period::Month(d.year_month()),
            (other, _) => other,
        };
        *values.entry(period).or_default() += request.value(&entry.values);
    }
    let value_of = |p: Period| active.value(&values, p);
    let body = render_series(&request.fields(), metric.field(), &active.periods, &value_of);
    Ok(crate::headers::json_body(body.into_bytes()))
}
