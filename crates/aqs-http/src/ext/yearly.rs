//! A year's top lists, summed from the stored days of the year's months that have top lists
//! (complete, rolled-up months). The monthly lists bound the candidates
//! (`aqs_core::pageviews::yearly`); the candidates' days are read a month at a time, so memory
//! stays bounded by the candidates.
//!
//! - `GET /ext/v1/pageviews/top/{project}/{access}/{year}`: articles (user views), read with
//!   `PageviewsRead::articles_series` ([`handle`]);
//! - `GET /ext/v1/mediarequests/top/{referer}/{media_type}/{year}`: files (user requests),
//!   read from the per-file table ([`files`]).

use super::{Reason, filled::project_known, not_found};
use crate::AppState;
use crate::error::ApiError;
use crate::headers;
use crate::store_call::read;
use aqs_core::dates::{Period, TopPeriod, YearMonth};
use aqs_core::mediarequests::TOP_FILES;
use aqs_core::mediarequests::per_file::PER_FILE;
use aqs_core::pageviews::yearly::{MonthList, SIZE, YearTop, YearTopRequest, candidates, year_top};
use aqs_core::pageviews::{TopArticles, TopEntry};
use aqs_core::params::Agent;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Serialize)]
struct Item<'a> {
    project: &'a str,
    access: &'a str,
    year: String,
    /// The months summed: those with a stored top list.
    months: Vec<String>,
    /// Whether `articles` is the whole list (else only its head is certain).
    complete: bool,
    /// No article outside `articles` had more views over `months`.
    threshold: u64,
    articles: Vec<Entry<'a>>,
}

/// An entry, as the original's top lists write it.
#[derive(Serialize)]
struct Entry<'a> {
    article: &'a str,
    views: u64,
    rank: u32,
}

#[derive(Serialize)]
struct Items<T> {
    items: [T; 1],
}

/// What the store read gives: the list and its months, or whether the project is known.
type Read = Result<(Vec<YearMonth>, YearTop), bool>;

pub async fn handle(
    State(state): State<AppState>,
    Path((project, access, year)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let request = YearTopRequest::parse(&project, &access, &year)?;
    let store = state.pageviews.clone();
    let (p, access, months) = (request.project.clone(), request.access, request.months());
    let answer: Read = read(&state, move || {
        let mut lists = Vec::new();
        for month in months {
            if let Some(TopArticles::List(entries)) =
                store.top(&p, access, TopPeriod::Month(month))?
            {
                let entries = entries.into_iter().map(|e| (e.article, e.views)).collect();
                lists.push(MonthList { month, entries });
            }
        }
        if lists.is_empty() {
            return Ok(Err(project_known(&*store, &p)?));
        }
        let titles = candidates(&lists);
        let mut sums: HashMap<String, u64> = HashMap::with_capacity(titles.len());
        for list in &lists {
            let (first, last) = (list.month.first_day(), list.month.last_day());
            for (title, rows) in titles.iter().zip(store.articles_series(&p, &titles, first, last)?)
            {
                let Some(rows) = rows else { continue };
                let views: u64 =
                    rows.iter().map(|(_, v)| u64::from(v.get(access, Agent::User))).sum();
                *sums.entry(title.clone()).or_default() += views;
            }
        }
        let months = lists.iter().map(|l| l.month).collect();
        Ok(Ok((months, year_top(&lists, &sums, SIZE))))
    })
    .await?;
    let project = request.project.as_str();
    let (months, top) = match answer {
        Ok(found) => found,
        Err(false) => {
            let detail = format!("The project {project} is not loaded.");
            return Ok(not_found(Reason::ProjectUnknown, detail, &uri));
        }
        Err(true) => {
            let detail = format!(
                "No month of {} has a top list of {project} yet: a month has one once all its days are loaded.",
                request.year
            );
            return Ok(not_found(Reason::RangeNotLoaded, detail, &uri));
        }
    };
    let item = Item {
        project,
        access: request.access.as_str(),
        year: format!("{:04}", request.year),
        months: month_names(&months),
        complete: top.complete,
        threshold: top.threshold,
        articles: top.articles.iter().map(entry).collect(),
    };
    let body = serde_json::to_vec(&Items { items: [item] }).unwrap_or_default();
    Ok(headers::json_body(body))
}

fn entry(e: &TopEntry) -> Entry<'_> {
    Entry { article: &e.article, views: e.views, rank: e.rank }
}

#[derive(Serialize)]
struct FilesItem<'a> {
    referer: &'a str,
    media_type: &'a str,
    year: String,
    months: Vec<String>,
    complete: bool,
    threshold: u64,
    files: Vec<File<'a>>,
}

/// A file, as the original's top lists write it.
#[derive(Serialize)]
struct File<'a> {
    file_path: &'a str,
    requests: u64,
    rank: u32,
}

/// `GET /ext/v1/mediarequests/top/{referer}/{media_type}/{year}`
pub async fn files(
    State(state): State<AppState>,
    Path((referer, media_type, year)): Path<(String, String, String)>,
    uri: Uri,
) -> Result<Response, ApiError> {
    // The top route's parameters and messages, with the year's January as the date.
    let request =
        aqs_core::mediarequests::TopRequest::parse(&referer, &media_type, &year, "01", "all-days")?;
    let year: i32 = year.parse().map_err(|_| aqs_core::RequestError::invalid_text("year: YYYY"))?;
    let tables = state.tables.clone();
    let key = [request.referer.as_str().to_string(), request.media_type.clone()];
    let months: Vec<YearMonth> = (1..=12).filter_map(|m| YearMonth::new(year, m)).collect();
    let found = read(&state, move || {
        let mut lists = Vec::new();
        for month in months {
            let period = Period::Month(month);
            let entries = tables.series(&TOP_FILES, &[&key[0], &key[1]], period, period)?;
            if !entries.is_empty() {
                let entries = entries.into_iter().map(|e| (e.sub, e.values.0[0])).collect();
                lists.push(MonthList { month, entries });
            }
        }
        if lists.is_empty() {
            return Ok(None);
        }
        let paths = candidates(&lists);
        let mut sums: HashMap<String, u64> = HashMap::with_capacity(paths.len());
        for list in &lists {
            let (first, last) =
                (Period::Day(list.month.first_day()), Period::Day(list.month.last_day()));
            for path in &paths {
                let rows = tables.series(&PER_FILE, &[&key[0], path], first, last)?;
                *sums.entry(path.clone()).or_default() +=
                    rows.iter().map(|r| r.values.0[0]).sum::<u64>();
            }
        }
        let months: Vec<YearMonth> = lists.iter().map(|l| l.month).collect();
        Ok(Some((months, year_top(&lists, &sums, SIZE))))
    })
    .await?;
    let Some((months, top)) = found else {
        let detail = format!(
            "No month of {year} has a top list of files from {}: a month has one once all its days are loaded.",
            request.referer.as_str()
        );
        return Ok(not_found(Reason::RangeNotLoaded, detail, &uri));
    };
    let item = FilesItem {
        referer: request.referer.as_str(),
        media_type: &request.media_type,
        year: format!("{year:04}"),
        months: month_names(&months),
        complete: top.complete,
        threshold: top.threshold,
        files: top
            .articles
            .iter()
            .map(|e| File { file_path: &e.article, requests: e.views, rank: e.rank })
            .collect(),
    };
    let body = serde_json::to_vec(&Items { items: [item] }).unwrap_or_default();
    Ok(headers::json_body(body))
}

fn month_names(months: &[YearMonth]) -> Vec<String> {
    months.iter().map(|m| format!("{:04}-{:02}", m.year(), m.month())).collect()
}
