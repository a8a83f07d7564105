//! `GET /ext/v1/zero-filled/<route>`: the zero-filled variant of each time-series route
//! ([`ROUTES`]). The path is the original's with `/metrics` (or `/api/rest_v1/metrics`)
//! replaced by [`PREFIX`]; the route's own handler answers it (same validation, same items),
//! with one item per period of the range: the stored numbers, 0 where the period is loaded
//! and has no row, `null` where it is not loaded. When there is nothing to answer, the 404
//! says why ([`Reason`]).
//!
//! What is loaded: for pageviews, the days of per-article data (`/healthz`'s days; an hour
//! when its day is, a month when any of its days is); for the other families, the periods
//! their loads covered (`aqs_core::coverage`).
//!
//! The router's `dispatch` runs the handler inside [`run`]; the handlers of [`ROUTES`] ask
//! [`active`] and answer through the functions here.

use super::{Reason, not_found};
use crate::AppState;
use crate::error::ApiError;
use crate::headers;
use crate::items::SeriesWriter;
use crate::routes::RouteSpec;
use crate::store_call::{SeriesQuery, read};
use aqs_core::coverage;
use aqs_core::dates::{Day, Period};
use aqs_core::mediarequests::per_file::{PER_FILE, PerFileRequest};
use aqs_core::pageviews::many::{Loaded, fill_days, periods};
use aqs_core::pageviews::{AggregateRequest, PageviewsRead, PerArticleRequest};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_core::{RequestError, StoreError};
use axum::extract::Request;
use axum::http::Uri;
use axum::response::Response;
use std::collections::BTreeSet;

/// The prefix that replaces `/metrics`.
pub const PREFIX: &str = "/ext/v1/zero-filled";

/// The routes (by name) of the families other than MediaWiki history that have a
/// zero-filled variant ([`has_variant`]).
pub const ROUTES: &[&str] = &[
    "pageviews/per-article",
    "pageviews/aggregate",
    "unique-devices",
    "legacy/pagecounts/aggregate",
    "mediarequests/per-file",
    "mediarequests/aggregate",
];

/// Whether a route has a zero-filled variant: those of [`ROUTES`], and every MediaWiki
/// history series (not its top lists).
pub fn has_variant(route: &RouteSpec) -> bool {
    let history =
        route.dataset == aqs_core::table::Dataset::History && !route.name.contains("/top");
    history || ROUTES.contains(&route.name)
}

/// The most periods one answer holds (about eleven years of hours).
pub const MAX_PERIODS: usize = 100_000;

tokio::task_local! {
    /// Set while a handler answers a zero-filled request: the request's URI.
    static FILLED: Uri;
}

/// Whether the running handler answers a zero-filled request.
pub(crate) fn active() -> bool {
    FILLED.try_with(|_| ()).is_ok()
}

/// The path under the API prefix of a zero-filled path (`/unique-devices/...`), or `None`.
pub fn strip(path: &str) -> Option<&str> {
    path.strip_prefix(PREFIX).filter(|rest| rest.starts_with('/'))
}

/// Answers a zero-filled request with its route's handler; a route without a variant is a
/// 404 saying so.
pub(crate) async fn run(route: &'static RouteSpec, request: Request, state: AppState) -> Response {
    let uri = request.uri().clone();
    if !has_variant(route) {
        let names: Vec<&str> =
            crate::routes::all().filter(|r| has_variant(r)).map(|r| r.name).collect();
        let detail = format!(
            "The route {} has no zero-filled variant; these have: {}.",
            route.name,
            names.join(", ")
        );
        return not_found(Reason::NotASeries, detail, &uri);
    }
    FILLED.scope(uri, (route.handler)(request, state)).await
}

/// Why there is nothing to answer, when no row is in the range: the key (a project, an
/// article or a file: `unknown`) has no row on any period, or none of the range is loaded.
fn nothing(known: bool, any_loaded: bool, unknown: (Reason, String)) -> Option<Response> {
    let uri = FILLED.try_with(Uri::clone).unwrap_or_default();
    if !known {
        return Some(not_found(unknown.0, unknown.1, &uri));
    }
    (!any_loaded).then(|| {
        let detail = "None of the range is loaded.".to_string();
        not_found(Reason::RangeNotLoaded, detail, &uri)
    })
}

fn check_size(count: usize) -> Result<(), ApiError> {
    if count > MAX_PERIODS {
        let detail = format!(
            "The zero-filled variant answers at most {MAX_PERIODS} periods; this range has {count}."
        );
        return Err(RequestError::invalid_text(detail).into());
    }
    Ok(())
}

/// Whether the store holds per-project views of `project` on any day or month.
pub(crate) fn project_known(
    store: &dyn PageviewsRead,
    project: &Project,
) -> Result<bool, StoreError> {
    let all = (Access::AllAccess, Agent::AllAgents);
    for like in
        [Period::Day(Day::from_epoch_days(0)), Period::Month(Day::from_epoch_days(0).year_month())]
    {
        let (first, last) = coverage::all_time(like);
        if !store.project_series(project, all.0, all.1, first, last)?.is_empty() {
            return Ok(true);
        }
    }
    Ok(false)
}

fn project_unknown(project: &str) -> (Reason, String) {
    (Reason::ProjectUnknown, format!("The project {project} is not loaded."))
}

/// A series route's rows, zero-filled (unique devices, legacy pagecounts, media requests
/// aggregate): `crate::store_call::series_items` when [`active`].
pub(crate) async fn series(state: &AppState, query: SeriesQuery<'_>) -> Result<Response, ApiError> {
    let (first, last) = (query.first, query.last);
    check_size(coverage::periods(first, last).take(MAX_PERIODS + 1).count())?;
    let (tables, table, key) = (state.tables.clone(), query.table, query.key.clone());
    let (rows, covered, known) = read(state, move || {
        let parts: Vec<&str> = key.iter().map(String::as_str).collect();
        let rows = tables.series(table, &parts, first, last)?;
        let covered = coverage::covered(&*tables, table, first, last)?;
        let (a, b) = coverage::all_time(first);
        let known = !rows.is_empty() || !tables.series(table, &parts, a, b)?.is_empty();
        Ok((rows, covered, known))
    })
    .await?;
    if rows.is_empty() {
        let unknown =
            (Reason::ProjectUnknown, format!("Nothing is loaded for {}.", query.key.join("/")));
        if let Some(response) = nothing(known, !covered.is_empty(), unknown) {
            return Ok(response);
        }
    }
    let count = query.values.len();
    let zeros = vec![0u64; count];
    let mut items = SeriesWriter::with_values(query.fields, &[], query.values, 0);
    let mut rows = rows.into_iter().peekable();
    for period in coverage::periods(first, last) {
        while rows.next_if(|row| row.period < period).is_some() {}
        let row = rows.next_if(|row| row.period == period);
        let values = match &row {
            Some(row) => Some(&row.values.0[..count]),
            None => covered.contains(&period).then_some(&zeros[..]),
        };
        items.push_filled(&period.timestamp_digits()[..query.timestamp_digits], values);
    }
    Ok(headers::json_body(items.finish()))
}

/// `pageviews/aggregate`, zero-filled.
pub(crate) async fn pageviews_aggregate(
    state: &AppState,
    request: &AggregateRequest,
) -> Result<Response, ApiError> {
    let (first, last) = (request.first, request.last);
    check_size(coverage::periods(first, last).take(MAX_PERIODS + 1).count())?;
    let (_, days) = crate::service::store_summary(state).await?;
    let loaded = Loaded::new(days.iter().copied());
    let store = state.pageviews.clone();
    let (project, access, agent) = (request.project.clone(), request.access, request.agent);
    let (rows, known) = read(state, move || {
        let rows = store.project_series(&project, access, agent, first, last)?;
        let known = !rows.is_empty() || project_known(&*store, &project)?;
        Ok((rows, known))
    })
    .await?;
    let periods: Vec<Period> = coverage::periods(first, last).collect();
    if rows.is_empty() {
        let any = periods.iter().any(|p| loaded.holds(*p));
        if let Some(response) = nothing(known, any, project_unknown(request.project.as_str())) {
            return Ok(response);
        }
    }
    let mut items = crate::pageviews::aggregate::writer(request, periods.len());
    let mut rows = rows.into_iter().peekable();
    for period in periods {
        while rows.next_if(|(p, _)| *p < period).is_some() {}
        let views = match rows.next_if(|(p, _)| *p == period) {
            Some((_, views)) => Some(views),
            None => loaded.holds(period).then_some(0),
        };
        items.push_filled(&period.timestamp_digits(), views.as_ref().map(std::slice::from_ref));
    }
    Ok(headers::json_body(items.finish()))
}

/// Writes daily or monthly filled values as items.
fn day_items(mut items: SeriesWriter, periods: &[Period], values: &[Option<u64>]) -> Response {
    for (period, value) in periods.iter().zip(values) {
        items.push_filled(&period.timestamp_digits(), value.as_ref().map(std::slice::from_ref));
    }
    headers::json_body(items.finish())
}

/// `pageviews/per-article`, zero-filled: one read of `articles_series`, which says whether
/// the store knows the article (the disallow list's hidden articles read as unknown).
pub(crate) async fn per_article(
    state: &AppState,
    request: &PerArticleRequest,
) -> Result<Response, ApiError> {
    let (_, days) = crate::service::store_summary(state).await?;
    let loaded = Loaded::new(days.iter().copied());
    let store = state.pageviews.clone();
    let (project, titles) = (request.project.clone(), vec![request.article.clone()]);
    let (first, last) = (request.first, request.last);
    let (rows, project_known) = read(state, move || {
        let mut rows = store.articles_series(&project, &titles, first, last)?;
        let rows = rows.pop().flatten();
        let known = rows.is_some() || project_known(&*store, &project)?;
        Ok((rows, known))
    })
    .await?;
    let periods = periods(request.granularity, first, last);
    let project = request.project.as_str();
    let unknown = match project_known {
        true => (
            Reason::ArticleUnknown,
            format!("The article {} is not known in {project}.", request.article),
        ),
        false => project_unknown(project),
    };
    let article_known = rows.is_some();
    let rows = rows.unwrap_or_default();
    if rows.is_empty() {
        if let Some(response) = nothing(article_known, loaded.any(&periods), unknown) {
            return Ok(response);
        }
    }
    let columns = (request.access, request.agent);
    let values = fill_days(
        &periods,
        &loaded,
        rows.iter().map(|(day, v)| (*day, u64::from(v.get(columns.0, columns.1)))),
    );
    let items = SeriesWriter::new(
        &[
            ("project", project),
            ("article", &request.article),
            ("granularity", request.granularity.as_str()),
        ],
        &[("access", request.access.as_str()), ("agent", request.agent.as_str())],
        periods.len(),
    );
    Ok(day_items(items, &periods, &values))
}

/// `mediarequests/per-file`, zero-filled.
pub(crate) async fn per_file(
    state: &AppState,
    request: &PerFileRequest,
) -> Result<Response, ApiError> {
    let tables = state.tables.clone();
    let key = [request.referer.as_str().to_string(), request.file_path.clone()];
    let (first, last) = (Period::Day(request.first), Period::Day(request.last));
    let (rows, covered, known) = read(state, move || {
        let parts = [key[0].as_str(), key[1].as_str()];
        let rows = tables.series(&PER_FILE, &parts, first, last)?;
        let covered = coverage::covered(&*tables, &PER_FILE, first, last)?;
        let (a, b) = coverage::all_time(first);
        let known = !rows.is_empty() || !tables.series(&PER_FILE, &parts, a, b)?.is_empty();
        Ok((rows, covered, known))
    })
    .await?;
    let days: BTreeSet<Day> = covered.iter().map(|p| p.day()).collect();
    let loaded = Loaded::new(days);
    let periods = periods(request.granularity, request.first, request.last);
    if rows.is_empty() {
        let unknown = (
            Reason::ArticleUnknown,
            format!(
                "The file {} has no requests from {}.",
                request.file_path,
                request.referer.as_str()
            ),
        );
        if let Some(response) = nothing(known, loaded.any(&periods), unknown) {
            return Ok(response);
        }
    }
    let days = rows.iter().filter_map(|row| match row.period {
        Period::Day(day) => Some((day, request.requests(&row.values))),
        _ => None,
    });
    let values = fill_days(&periods, &loaded, days);
    let items = crate::mediarequests::per_file::writer(request, periods.len());
    Ok(day_items(items, &periods, &values))
}
