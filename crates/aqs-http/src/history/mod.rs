//! The MediaWiki history routes (api-contract §2.11–2.14), read from the active snapshot:
//! here the timeseries of a project counted per event (edits, net and absolute bytes
//! difference, new pages, new registered users: one handler, the route says the metric) and
//! the digests (editors and edited pages by activity level); [`per_entity`] the series of one
//! page or one editor; [`top`] the top lists.
//!
//! As the original's Druid answers: end excluded, every day or month of the range listed with
//! 0 where nothing happened (never a 404), `all-projects` and families accepted (not by the
//! digests).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::routes::{Param, RouteSpec};
use crate::store_call::read;
use aqs_core::dates::{DruidRange, Period};
use aqs_core::error::StoreResult;
use aqs_core::history::digest::{DIGESTS, DigestEntity, DigestParams, DigestRequest};
use aqs_core::history::request::{
    EventMetric, EventSeriesParams, EventSeriesRequest, periods_of, render_series,
};
use aqs_core::history::snapshots;
use aqs_core::params::{ActivityLevel, ArticleGranularity, EditorType, PageType};
use aqs_core::table::{Dataset, SeriesEntry, TableDef, TableRead};
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;
use std::collections::{BTreeSet, HashMap};

mod per_entity;
mod top;

const PROJECT: Param = Param {
    name: "project",
    description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`, `all-projects`, or a family such as `all-wikipedia-projects`",
    allowed: None,
};
const EDITOR_TYPE: Param = Param {
    name: "editor-type",
    description: "Who made the edits",
    allowed: Some(EditorType::ALLOWED),
};
const PAGE_TYPE: Param = Param {
    name: "page-type",
    description: "Which namespaces the pages are in",
    allowed: Some(PageType::ALLOWED),
};
const GRANULARITY: Param = Param {
    name: "granularity",
    description: "`daily`, or `monthly` (whole months only)",
    allowed: Some(&["daily", "monthly"]),
};
const START: Param = Param {
    name: "start",
    description: "First day, YYYYMMDD (any hour digits are ignored)",
    allowed: None,
};
const END: Param = Param {
    name: "end",
    description: "Day after the last one (excluded), YYYYMMDD; monthly: the month holding it is excluded",
    allowed: None,
};

/// A route of an event-mode metric with editor-type and page-type filters.
macro_rules! filtered_route {
    ($name:literal, $path:literal, $summary:literal, $metric:expr) => {
        RouteSpec {
            name: $name,
            path: $path,
            summary: $summary,
            dataset: Dataset::History,
            params: &[PROJECT, EDITOR_TYPE, PAGE_TYPE, GRANULARITY, START, END],
            example: concat!(
                "/",
                $name,
                "/en.wikipedia/all-editor-types/all-page-types/daily/19700101/19700102"
            ),
            example_expects: &[("project", "\"en.wikipedia\""), ("granularity", "\"daily\"")],
            handler: |req, state| {
                (|s: State<AppState>, p: PathParams<6>| handle_filtered(s, p, $metric))
                    .call(req, state)
            },
        }
    };
}

/// The family's routes.
pub(crate) const ROUTES: &[RouteSpec] = &[
    filtered_route!(
        "edits/aggregate",
        "/edits/aggregate/{project}/{editor-type}/{page-type}/{granularity}/{start}/{end}",
        "Edits of a project, daily or monthly",
        EventMetric::Edits
    ),
    filtered_route!(
        "bytes-difference/net/aggregate",
        "/bytes-difference/net/aggregate/{project}/{editor-type}/{page-type}/{granularity}/{start}/{end}",
        "Net bytes difference of a project's edits (bytes added minus bytes removed), daily or monthly",
        EventMetric::NetBytesDiff
    ),
    filtered_route!(
        "bytes-difference/absolute/aggregate",
        "/bytes-difference/absolute/aggregate/{project}/{editor-type}/{page-type}/{granularity}/{start}/{end}",
        "Absolute bytes difference of a project's edits (bytes added plus bytes removed), daily or monthly",
        EventMetric::AbsBytesDiff
    ),
    filtered_route!(
        "edited-pages/new",
        "/edited-pages/new/{project}/{editor-type}/{page-type}/{granularity}/{start}/{end}",
        "Pages created in a project (not redirects), daily or monthly",
        EventMetric::NewPages
    ),
    RouteSpec {
        name: "registered-users/new",
        path: "/registered-users/new/{project}/{granularity}/{start}/{end}",
        summary: "Accounts registered by their owners in a project, daily or monthly",
        dataset: Dataset::History,
        params: &[PROJECT, GRANULARITY, START, END],
        example: "/registered-users/new/en.wikipedia/daily/19700101/19700102",
        example_expects: &[("project", "\"en.wikipedia\""), ("granularity", "\"daily\"")],
        handler: |req, state| handle_new_users.call(req, state),
    },
    digest_route!(
        "editors/aggregate",
        "/editors/aggregate/{project}/{editor-type}/{page-type}/{activity-level}/{granularity}/{start}/{end}",
        "Editors of a project who edited in the day or month, by activity level (their edits in it)",
        DigestEntity::Editors
    ),
    digest_route!(
        "edited-pages/aggregate",
        "/edited-pages/aggregate/{project}/{editor-type}/{page-type}/{activity-level}/{granularity}/{start}/{end}",
        "Pages of a project edited in the day or month (not redirects), by activity level (their edits in it)",
        DigestEntity::Pages
    ),
    per_entity::EDITS_PER_PAGE,
    per_entity::NET_BYTES_PER_PAGE,
    per_entity::ABS_BYTES_PER_PAGE,
    per_entity::EDITS_PER_EDITOR,
    per_entity::NET_BYTES_PER_EDITOR,
    per_entity::ABS_BYTES_PER_EDITOR,
    top::EDITORS_BY_EDITS,
    top::EDITORS_BY_NET_BYTES,
    top::EDITORS_BY_ABS_BYTES,
    top::PAGES_BY_EDITS,
    top::PAGES_BY_NET_BYTES,
    top::PAGES_BY_ABS_BYTES,
];

const DIGEST_PROJECT: Param = Param {
    name: "project",
    description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia` (no `all-...` value)",
    allowed: None,
};
const ACTIVITY_LEVEL: Param = Param {
    name: "activity-level",
    description: "The edits each counted editor (page) had in the day or month",
    allowed: Some(ActivityLevel::ALLOWED),
};

/// A digest route (editors or edited pages by activity level).
macro_rules! digest_route {
    ($name:literal, $path:literal, $summary:literal, $entity:expr) => {
        RouteSpec {
            name: $name,
            path: $path,
            summary: $summary,
            dataset: Dataset::History,
            params: &[DIGEST_PROJECT, EDITOR_TYPE, PAGE_TYPE, ACTIVITY_LEVEL, GRANULARITY, START, END],
            example: concat!(
                "/",
                $name,
                "/en.wikipedia/all-editor-types/all-page-types/all-activity-levels/daily/19700101/19700102"
            ),
            example_expects: &[
                ("project", "\"en.wikipedia\""),
                ("granularity", "\"daily\""),
            ],
            handler: |req, state| {
                (|s: State<AppState>, p: PathParams<7>| handle_digest(s, p, $entity)).call(req, state)
            },
        }
    };
}
use digest_route;

async fn handle_digest(
    State(state): State<AppState>,
    PathParams(s): PathParams<7>,
    entity: DigestEntity,
) -> Result<Response, ApiError> {
    let params = DigestParams {
        project: &s[0],
        editor_type: &s[1],
        page_type: &s[2],
        activity_level: &s[3],
        granularity: &s[4],
        start: &s[5],
        end: &s[6],
    };
    let request = DigestRequest::parse(entity, params)?;
    let key_of = request.clone();
    let rows = move |t: &dyn TableRead, snapshot: &str, first, last| {
        read_key(t, &DIGESTS, &key_of.key(snapshot), first, last)
    };
    let active = read_active(&state, rows, (request.granularity, request.range)).await?;
    let values: HashMap<_, u64> =
        active.stored.iter().map(|e| (e.period, request.value(&e.values))).collect();
    let body = request.render(&active.periods, &|p| active.value(&values, p));
    Ok(crate::headers::json_body(body.into_bytes()))
}

async fn handle_filtered(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
    metric: EventMetric,
) -> Result<Response, ApiError> {
    let params = EventSeriesParams {
        project: &s[0],
        editor_type: &s[1],
        page_type: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    };
    answer(&state, EventSeriesRequest::parse(metric, params)?).await
}

async fn handle_new_users(
    State(state): State<AppState>,
    PathParams(s): PathParams<4>,
) -> Result<Response, ApiError> {
    let params = EventSeriesParams {
        project: &s[0],
        editor_type: "",
        page_type: "",
        granularity: &s[1],
        start: &s[2],
        end: &s[3],
    };
    answer(&state, EventSeriesRequest::parse(EventMetric::NewRegisteredUsers, params)?).await
}

/// What an answer lists: its periods, which of them the active snapshot covers, and the
/// stored rows of the request's key among those.
struct Active {
    periods: Vec<Period>,
    covered: BTreeSet<Period>,
    stored: Vec<SeriesEntry>,
}

impl Active {
    /// The value of a period: its stored value, 0 when covered without a row, `None` when
    /// not covered (only the zero-filled variant lists such periods).
    fn value<T: Copy + Default>(&self, values: &HashMap<Period, T>, period: Period) -> Option<T> {
        self.covered.contains(&period).then(|| values.get(&period).copied().unwrap_or_default())
    }
}

/// The periods an answer lists (the request's range within the days the active snapshot
/// covers: Druid filled empty buckets only within its datasource's interval; none without an
/// active snapshot) and the stored rows of the request's key among them. The zero-filled
/// variant (`crate::ext::filled`) lists every period of the range, those outside the
/// snapshot's days as not covered.
async fn read_active(
    state: &AppState,
    rows_of: impl FnOnce(&dyn TableRead, &str, Period, Period) -> StoreResult<Vec<SeriesEntry>>
    + Send
    + 'static,
    (granularity, range): (ArticleGranularity, DruidRange),
) -> Result<Active, ApiError> {
    let tables = state.tables.clone();
    let all = crate::ext::filled::active().then(|| periods_of(granularity, range));
    read(state, move || {
        let answer = |covered: Vec<Period>, stored| {
            let periods = all.unwrap_or_else(|| covered.clone());
            Ok(Active { periods, covered: covered.into_iter().collect(), stored })
        };
        let Some((snapshot, from, to)) = snapshots::active_interval(tables.as_ref())? else {
            return answer(Vec::new(), Vec::new());
        };
        let within = DruidRange { first: range.first.max(from), end: range.end.min(to.next()) };
        if within.first >= within.end {
            return answer(Vec::new(), Vec::new());
        }
        let periods = periods_of(granularity, within);
        let (Some(&first), Some(&last)) = (periods.first(), periods.last()) else {
            return answer(periods, Vec::new());
        };
        let rows = rows_of(tables.as_ref(), &snapshots::name(snapshot), first, last)?;
        answer(periods, rows)
    })
    .await
}

/// The stored rows of one key of a table.
fn read_key(
    tables: &dyn TableRead,
    table: &'static TableDef,
    key: &[String],
    first: Period,
    last: Period,
) -> StoreResult<Vec<SeriesEntry>> {
    let parts: Vec<&str> = key.iter().map(String::as_str).collect();
    tables.series(table, &parts, first, last)
}

/// Reads the request's key in the active snapshot and writes the zero-filled item.
async fn answer(state: &AppState, request: EventSeriesRequest) -> Result<Response, ApiError> {
    let metric = request.metric;
    let key_of = request.clone();
    let rows = move |t: &dyn TableRead, snapshot: &str, first, last| {
        read_key(t, metric.table(), &key_of.key(snapshot), first, last)
    };
    let active = read_active(state, rows, (request.granularity, request.range)).await?;
    let values: HashMap<_, i64> =
        active.stored.iter().map(|e| (e.period, metric.value(&e.values))).collect();
    let mut fields = vec![("project", request.project.as_str())];
    if metric.filtered() {
        fields.push(("editor-type", request.editor_type.as_str()));
        fields.push(("page-type", request.page_type.as_str()));
    }
    fields.push(("granularity", request.granularity.as_str()));
    let value_of = |p: Period| active.value(&values, p);
    let body = render_series(&fields, metric.field(), &active.periods, &value_of);
    Ok(crate::headers::json_body(body.into_bytes()))
}
