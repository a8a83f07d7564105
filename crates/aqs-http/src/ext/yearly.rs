//! `GET /ext/v1/pageviews/top/{project}/{access}/{year}`: the year's most viewed articles
//! (user views), summed from the stored days of the year's months that have top lists
//! (complete, rolled-up months). The monthly lists bound the candidates
//! (`aqs_core::pageviews::yearly`); the candidates' days are read a month at a time, with
//! `PageviewsRead::articles_series`, so memory stays bounded by the candidates.

use super::{Reason, filled::project_known, not_found};
use crate::AppState;
use crate::error::ApiError;
use crate::headers;
use crate::store_call::read;
use aqs_core::dates::{TopPeriod, YearMonth};
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
struct Items<'a> {
    items: [Item<'a>; 1],
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
        months: months.iter().map(|m| format!("{:04}-{:02}", m.year(), m.month())).collect(),
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
