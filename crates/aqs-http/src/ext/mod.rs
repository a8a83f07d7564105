//! What every client of the API rebuilds, served once (docs/extensions.md): routes under
//! `/ext/v1/`, beside the original routes and never changing them.
//!
//! - `pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}?articles=A|B`:
//!   up to 1,000 articles of one project in one request and one read of the store,
//!   zero-filled ([`articles`]);
//! - `mediarequests/per-file/{referer}/{agent}/{granularity}/{start}/{end}?files=A|B`: up to
//!   100 media files, zero-filled ([`files`]);
//! - `zero-filled/<route>`: the zero-filled variant of each time-series route ([`filled`]);
//! - `pageviews/top/{project}/{access}/{year}`, `mediarequests/top/{referer}/{media_type}/{year}`:
//!   a year's top articles and files ([`yearly`]).
//!
//! Their 404s say why there is nothing to answer ([`Reason`]).

pub mod articles;
pub mod files;
pub mod filled;
pub mod yearly;

use crate::AppState;
use axum::Router;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// The prefix of the extensions.
pub const PREFIX: &str = "/ext/v1";

/// The extension routes.
pub fn routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route(
            "/ext/v1/pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}",
            get(articles::handle),
        )
        .route("/ext/v1/pageviews/top/{project}/{access}/{year}", get(yearly::handle))
        .route("/ext/v1/mediarequests/top/{referer}/{media_type}/{year}", get(yearly::files))
        .route(
            "/ext/v1/mediarequests/per-file/{referer}/{agent}/{granularity}/{start}/{end}",
            get(files::handle),
        )
}

/// The route label (metrics, logs, rate limits: `--rate-limit ext/pageviews/per-article=N`)
/// of each path; `None` for other paths.
pub fn route_label(path: &str) -> Option<&'static str> {
    if path.starts_with("/ext/v1/pageviews/per-article/") {
        return Some(PER_ARTICLE);
    }
    if path.starts_with("/ext/v1/pageviews/top/") {
        return Some(YEAR_TOP);
    }
    if path.starts_with("/ext/v1/mediarequests/top/") {
        return Some(YEAR_TOP_FILES);
    }
    if path.starts_with("/ext/v1/mediarequests/per-file/") {
        return Some(PER_FILE);
    }
    if path.starts_with("/ui/") || path == "/ui" {
        return Some("ui");
    }
    None
}

/// The label of the many-articles route.
pub const PER_ARTICLE: &str = "ext/pageviews/per-article";

/// The label of the yearly top route.
pub const YEAR_TOP: &str = "ext/pageviews/top";

/// The extension routes' names, which the throttle gives limits of their own.
pub const ROUTE_NAMES: &[&str] = &[PER_ARTICLE, YEAR_TOP, YEAR_TOP_FILES, PER_FILE];

/// The label of the many-files route.
pub const PER_FILE: &str = "ext/mediarequests/per-file";

/// The label of the yearly top files route.
pub const YEAR_TOP_FILES: &str = "ext/mediarequests/top";

/// The OpenAPI paths of the extensions.
pub fn openapi_paths() -> Vec<(String, serde_json::Value)> {
    let root = json!([{ "url": "/" }]);
    let path = |name: &str, description: &str, allowed: Option<&[&str]>| {
        let mut schema = json!({ "type": "string" });
        if let Some(allowed) = allowed {
            schema["enum"] = json!(allowed);
        }
        json!({ "name": name, "in": "path", "required": true, "schema": schema, "description": description })
    };
    use aqs_core::params::{Access, Agent, ArticleGranularity};
    let filled = crate::routes::all().filter(|r| filled::has_variant(r)).map(|route| {
        let op = crate::openapi::zero_filled_operation(route);
        (format!("{}{}", filled::PREFIX, route.path), json!({ "servers": root, "get": op }))
    });
    let mut paths: Vec<(String, serde_json::Value)> = filled.collect();
    paths.push((
        "/ext/v1/mediarequests/per-file/{referer}/{agent}/{granularity}/{start}/{end}".to_string(),
        json!({ "servers": root, "get": {
            "summary": "Requests of up to 100 media files in one request, zero-filled: a loaded day without requests is 0, a day not loaded is null (docs/extensions.md)",
            "parameters": [
                path("referer", "all-referers, internal, external or unknown (or another referer of the per-file route)", None),
                path("agent", "all-agents, user or spider", None),
                path("granularity", "The time unit of the series", Some(ArticleGranularity::ALLOWED)),
                path("start", "The first day, YYYYMMDD (monthly: whole months only)", None),
                path("end", "The last day, YYYYMMDD", None),
                { "name": "files", "in": "query", "required": true, "schema": { "type": "string" },
                  "description": "The files' upload paths, separated by | (at most 100)" },
            ],
            "responses": {
                "200": { "description": "{referer, agent, granularity, timestamps: [YYYYMMDDHH], items: [{file_path, known, total, requests: [number or null per timestamp]}]}" },
                "400": { "description": "A parameter is invalid (the problem body says which)" },
                "404": { "description": "Nothing to answer; `reason` says why: article-unknown (no file is known) or range-not-loaded" },
            },
            "x-amples": [{ "title": "a file's month", "request": { "path": "/ext/v1/mediarequests/per-file/all-referers/all-agents/daily/20240101/20240131?files=/wikipedia/commons/a/a9/Example.jpg" } }]
        }}),
    ));
    paths.push((
        "/ext/v1/mediarequests/top/{referer}/{media_type}/{year}".to_string(),
        json!({ "servers": root, "get": {
            "summary": "A year's most requested media files (user requests), summed from the stored days of the year's months that have a top list; `complete` says whether the list is whole or only its head is certain (docs/extensions.md)",
            "parameters": [
                path("referer", "all-referers, internal, external or unknown (the referers of the monthly lists)", None),
                path("media_type", "all-media-types, image, video, audio, document or other", None),
                path("year", "YYYY", None),
            ],
            "responses": {
                "200": { "description": "{items: [{referer, media_type, year, months: [YYYY-MM], complete, threshold, files: [{file_path, requests, rank}]}]}" },
                "400": { "description": "A parameter is invalid (the problem body says which)" },
                "404": { "description": "Nothing to answer; `reason` range-not-loaded: no month of the year has a top list" },
            },
            "x-amples": [{ "title": "the top files of 2024", "request": { "path": "/ext/v1/mediarequests/top/all-referers/all-media-types/2024" } }]
        }}),
    ));
    paths.push((
        "/ext/v1/pageviews/top/{project}/{access}/{year}".to_string(),
        json!({ "servers": root, "get": {
            "summary": "A year's most viewed articles (user views), summed from the stored days of the year's months that have a top list; `complete` says whether the list is whole or only its head is certain (docs/extensions.md)",
            "parameters": [
                path("project", "The project, such as en.wikipedia.org (not all-projects)", None),
                path("access", "How the pages were reached", Some(Access::ALLOWED)),
                path("year", "YYYY", None),
            ],
            "responses": {
                "200": { "description": "{items: [{project, access, year, months: [YYYY-MM], complete, threshold, articles: [{article, views, rank}]}]}" },
                "400": { "description": "A parameter is invalid (the problem body says which)" },
                "404": { "description": "Nothing to answer; `reason` says why: project-unknown, or range-not-loaded (no month of the year has a top list)" },
            },
            "x-amples": [{ "title": "the top articles of 2024", "request": { "path": "/ext/v1/pageviews/top/en.wikipedia/all-access/2024" } }]
        }}),
    ));
    paths.push((
        "/ext/v1/pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}"
            .to_string(),
        json!({ "servers": root, "get": {
            "summary": "Pageviews of up to 1,000 articles of one project in one request, zero-filled: a loaded day without views is 0, a day not loaded is null (docs/extensions.md)",
            "parameters": [
                path("project", "The project, such as en.wikipedia.org (not all-projects)", None),
                path("access", "How the pages were reached", Some(Access::ALLOWED)),
                path("agent", "Who asked for the pages", Some(Agent::ALLOWED)),
                path("granularity", "The time unit of the series", Some(ArticleGranularity::ALLOWED)),
                path("start", "The first day, YYYYMMDD (monthly: whole months only)", None),
                path("end", "The last day, YYYYMMDD", None),
                { "name": "articles", "in": "query", "required": true, "schema": { "type": "string" },
                  "description": "The titles, separated by | (at most 1,000); spaces or underscores" },
            ],
            "responses": {
                "200": { "description": "{project, access, agent, granularity, timestamps: [YYYYMMDDHH], items: [{article, known, total, views: [number or null per timestamp]}]}" },
                "400": { "description": "A parameter is invalid (the problem body says which)" },
                "404": { "description": "Nothing to answer; `reason` says why: project-unknown, article-unknown or range-not-loaded" },
            },
            "x-amples": [{ "title": "two articles of a month", "request": { "path": "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user/daily/20240101/20240131?articles=Main_Page|Cat" } }]
        }}),
    ));
    paths
}

/// Why an extension has nothing to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The store holds nothing of the project.
    ProjectUnknown,
    /// The project is known, none of the articles asked for is.
    ArticleUnknown,
    /// The store has loaded none of the days of the range.
    RangeNotLoaded,
    /// The route has no zero-filled variant ([`filled::has_variant`]).
    NotASeries,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ProjectUnknown => "project-unknown",
            Reason::ArticleUnknown => "article-unknown",
            Reason::RangeNotLoaded => "range-not-loaded",
            Reason::NotASeries => "no-zero-filled-variant",
        }
    }
}

/// The 404 of an extension: the API's problem body, with `reason` (one of [`Reason`]) and a
/// detail that says what is missing.
pub(crate) fn not_found(reason: Reason, detail: String, uri: &Uri) -> Response {
    let body = json!({
        "type": "https://mediawiki.org/wiki/HyperSwitch/errors/not_found",
        "title": "Not found.",
        "method": "get",
        "detail": detail,
        "reason": reason.as_str(),
        "uri": uri.path(),
    });
    let mut response = (StatusCode::NOT_FOUND, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=60"));
    response
}
