//! `GET /ext/v1/mediarequests/per-file/{referer}/{agent}/{granularity}/{start}/{end}?files=A|B`
//!
//! Up to [`MAX_FILES`] media files in one request and one store call, zero-filled as the
//! many-articles route is ([`super::articles`]): a day the media requests loads covered
//! (`aqs_core::coverage`) without a row of the file is 0, a day not loaded is null; each item
//! says whether the store knows the file (for that referer).

use super::{Reason, not_found};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::query_pairs;
use crate::headers;
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::coverage;
use aqs_core::dates::{Day, Period};
use aqs_core::mediarequests::per_file::{PER_FILE, PerFileParams, PerFileRequest};
use aqs_core::pageviews::many::{Loaded, fill_days, periods};
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use serde::Serialize;
use std::collections::BTreeSet;

/// The most files one request names.
pub const MAX_FILES: usize = 100;

type Segments = (String, String, String, String, String);

#[derive(Serialize)]
struct Answer<'a> {
    referer: &'a str,
    agent: &'a str,
    granularity: &'a str,
    /// The periods, as the original's `timestamp`s (`YYYYMMDD00`).
    timestamps: Vec<String>,
    items: Vec<Item>,
}

#[derive(Serialize)]
struct Item {
    file_path: String,
    /// Whether the store holds a row of the file (from this referer) on any day.
    known: bool,
    /// The requests of the loaded periods.
    total: u64,
    /// Per period: the requests, 0 when loaded without a row, null when not loaded.
    requests: Vec<Option<u64>>,
}

/// The files of the query (`files=A|B`), each validated with the per-file route's rules and
/// stored spelling, each once, in the order given.
fn requests(segments: &Segments, query: Option<&str>) -> Result<Vec<PerFileRequest>, ApiError> {
    let (referer, agent, granularity, start, end) = segments;
    let pairs = query_pairs(query);
    let listed = pairs.iter().find(|(name, _)| name == "files").map_or("", |(_, v)| v.as_str());
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for file in listed.split('|').map(str::trim).filter(|f| !f.is_empty()) {
        let request = PerFileRequest::parse(PerFileParams {
            referer,
            agent,
            file_path: file,
            granularity,
            start,
            end,
        })?;
        if seen.insert(request.file_path.clone()) {
            out.push(request);
        }
    }
    if out.is_empty() {
        let text = "files: name at least one file by its upload path, as files=/wikipedia/commons/a/a9/Example.jpg|...";
        return Err(RequestError::invalid_text(text).into());
    }
    if out.len() > MAX_FILES {
        let text = format!("files: at most {MAX_FILES} files in one request ({} named)", out.len());
        return Err(RequestError::invalid_text(text).into());
    }
    Ok(out)
}

pub async fn handle(
    State(state): State<AppState>,
    Path(segments): Path<Segments>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let files = requests(&segments, uri.query())?;
    let first = &files[0];
    let (from, to) = (Period::Day(first.first), Period::Day(first.last));
    let referer = first.referer.as_str().to_string();
    let paths: Vec<String> = files.iter().map(|f| f.file_path.clone()).collect();
    let tables = state.tables.clone();
    let (rows, covered) = read(&state, move || {
        let (a, b) = coverage::all_time(from);
        let mut out = Vec::with_capacity(paths.len());
        for path in &paths {
            let rows = tables.series(&PER_FILE, &[&referer, path], from, to)?;
            let known =
                !rows.is_empty() || !tables.series(&PER_FILE, &[&referer, path], a, b)?.is_empty();
            out.push(known.then_some(rows));
        }
        Ok((out, coverage::covered(&*tables, &PER_FILE, from, to)?))
    })
    .await?;
    let loaded = Loaded::new(covered.iter().map(|p| p.day()).collect::<BTreeSet<Day>>());
    let periods = periods(first.granularity, first.first, first.last);
    if rows.iter().all(Option::is_none) {
        let detail =
            format!("None of the files asked for has requests from {}.", first.referer.as_str());
        return Ok(not_found(Reason::ArticleUnknown, detail, &uri));
    }
    let empty = rows.iter().flatten().all(Vec::is_empty);
    if empty && !loaded.any(&periods) {
        let detail = format!("No day from {} to {} is loaded.", first.first, first.last);
        return Ok(not_found(Reason::RangeNotLoaded, detail, &uri));
    }
    let items = files
        .iter()
        .zip(&rows)
        .map(|(file, rows)| {
            let requests = match rows {
                Some(rows) => {
                    let days = rows.iter().filter_map(|row| match row.period {
                        Period::Day(day) => Some((day, file.requests(&row.values))),
                        _ => None,
                    });
                    fill_days(&periods, &loaded, days)
                }
                None => vec![None; periods.len()],
            };
            let total = requests.iter().flatten().sum();
            Item { file_path: file.file_path.clone(), known: rows.is_some(), total, requests }
        })
        .collect();
    let answer = Answer {
        referer: first.referer.as_str(),
        agent: first.agent.as_str(),
        granularity: first.granularity.as_str(),
        timestamps: periods.iter().map(|p| p.timestamp()).collect(),
        items,
    };
    Ok(headers::json_body(serde_json::to_vec(&answer).unwrap_or_default()))
}
