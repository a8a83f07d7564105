//! `GET /ext/v1/pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}?articles=A|B|C`
//!
//! Up to 1,000 articles of one project, read from one view of the store
//! (`PageviewsRead::articles_series`), zero-filled: a loaded day without a row is 0, a day
//! not loaded is null (`aqs_core::pageviews::many`). Each item says whether the store knows
//! the article. When there is nothing to answer, the 404 says why ([`super::Reason`]).

use super::{Reason, not_found};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::query_pairs;
use crate::headers;
use crate::store_call::read;
use aqs_core::dates::{Day, Period};
use aqs_core::pageviews::many::{Loaded, ManyArticlesParams, ManyArticlesRequest, zero_filled};
use aqs_core::params::{Access, Agent};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;

type Segments = (String, String, String, String, String, String);

#[derive(Serialize)]
struct Answer<'a> {
    project: &'a str,
    access: &'a str,
    agent: &'a str,
    granularity: &'a str,
    /// The periods, as the original's `timestamp`s (`YYYYMMDD00`).
    timestamps: Vec<String>,
    items: Vec<Item<'a>>,
}

#[derive(Serialize)]
struct Item<'a> {
    article: &'a str,
    /// Whether the store holds a row of the article on any day.
    known: bool,
    /// The views of the loaded periods.
    total: u64,
    /// Per period: the views, 0 when loaded without a row, null when not loaded.
    views: Vec<Option<u64>>,
}

pub async fn handle(
    State(state): State<AppState>,
    Path((project, access, agent, granularity, start, end)): Path<Segments>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(uri.query());
    let articles = pairs.iter().find(|(name, _)| name == "articles").map(|(_, v)| v.as_str());
    let request = ManyArticlesRequest::parse(ManyArticlesParams {
        project: &project,
        access: &access,
        agent: &agent,
        granularity: &granularity,
        start: &start,
        end: &end,
        articles,
    })?;
    let (_, days) = crate::service::store_summary(&state).await?;
    let store = state.pageviews.clone();
    let (p, titles, first, last) =
        (request.project.clone(), request.articles.clone(), request.first, request.last);
    let (rows, project_known) = read(&state, move || {
        let rows = store.articles_series(&p, &titles, first, last)?;
        if rows.iter().any(Option::is_some) {
            return Ok((rows, true));
        }
        // Nothing known: is the project? It is when it has views of any day or month.
        let (a, b) = (Day::from_ymd(1970, 1, 1), Day::from_ymd(2200, 12, 31));
        let (Some(a), Some(b)) = (a, b) else { return Ok((rows, false)) };
        let all = (Access::AllAccess, Agent::AllAgents);
        let mut known = false;
        for (first, last) in [
            (Period::Day(a), Period::Day(b)),
            (Period::Month(a.year_month()), Period::Month(b.year_month())),
        ] {
            known = known || !store.project_series(&p, all.0, all.1, first, last)?.is_empty();
        }
        Ok((rows, known))
    })
    .await?;
    let loaded = Loaded::new(days.iter().copied());
    let periods = request.periods();
    let project = request.project.as_str();
    if rows.iter().all(Option::is_none) {
        return Ok(match project_known {
            false => not_found(
                Reason::ProjectUnknown,
                format!("The project {project} is not loaded."),
                &uri,
            ),
            true => not_found(
                Reason::ArticleUnknown,
                format!("None of the articles asked for is known in {project}."),
                &uri,
            ),
        });
    }
    if !loaded.any(&periods) && rows.iter().flatten().all(Vec::is_empty) {
        let held = match (days.first(), days.last()) {
            (Some(a), Some(b)) => format!("days from {a} to {b} are loaded"),
            _ => "no day is loaded".to_string(),
        };
        return Ok(not_found(
            Reason::RangeNotLoaded,
            format!("No day from {} to {} is loaded ({held}).", request.first, request.last),
            &uri,
        ));
    }
    let columns = (request.access, request.agent);
    let items = request
        .articles
        .iter()
        .zip(&rows)
        .map(|(article, rows)| {
            let views = match rows {
                Some(rows) => zero_filled(&periods, &loaded, rows, columns),
                None => vec![None; periods.len()],
            };
            Item { article, known: rows.is_some(), total: views.iter().flatten().sum(), views }
        })
        .collect();
    let answer = Answer {
        project,
        access: request.access.as_str(),
        agent: request.agent.as_str(),
        granularity: request.granularity.as_str(),
        timestamps: periods.iter().map(timestamp).collect(),
        items,
    };
    let body = serde_json::to_vec(&answer).unwrap_or_default();
    Ok(headers::json_body(body))
}

fn timestamp(period: &Period) -> String {
    match period {
        Period::Day(day) => day.timestamp(),
        Period::Month(month) => month.timestamp(),
        Period::Hour(hour) => hour.timestamp(),
    }
}
