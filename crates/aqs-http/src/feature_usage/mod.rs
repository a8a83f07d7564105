//! API feature usage over HTTP (issue 15; `aqs_core::feature_usage`):
//!
//! - `POST /feature-usage/events`: JSON Lines of events, counted in one durable write before
//!   the answer ([`events`]); on the serving port, or only on `--feature-usage-listen`
//!   ([`ingest_router`]).
//! - `GET /w/api.php?action=query&meta=featureusage&...`: the extension's Action API module
//!   ([`api_php`]).
//! - `GET /feature-usage/`: the page for people, like `Special:ApiFeatureUsage` (`page.rs`).

mod page;

use crate::AppState;
use crate::extract::query_pairs;
use aqs_core::feature_usage::api;
use aqs_core::feature_usage::service::{FeatureUsage, IngestReport};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The largest body `POST /feature-usage/events` takes.
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// The OpenAPI entries of feature usage (served at the root only, not under `/api/rest_v1`).
pub fn openapi_paths() -> Vec<(String, serde_json::Value)> {
    use serde_json::json;
    let root = json!([{ "url": "/" }]);
    let query = |name: &str, description: &str| json!({ "name": name, "in": "query", "required": false, "schema": { "type": "string" }, "description": description });
    vec![
        (
            "/w/api.php".to_string(),
            json!({ "servers": root, "get": {
                "summary": "API feature usage: MediaWiki's action=query&meta=featureusage (docs/feature-usage.md)",
                "parameters": [
                    query("action", "query"),
                    query("meta", "featureusage"),
                    query("afuagent", "agent prefix (default: the request's User-Agent)"),
                    query("afustart", "start, any MediaWiki timestamp (default: the first stored day)"),
                    query("afuend", "end, any MediaWiki timestamp (default: now)"),
                    query("afufeatures", "features, separated by |"),
                    query("format", "json"),
                    query("formatversion", "1 or 2"),
                ],
                "responses": { "200": { "description": "query.featureusage, or a MediaWiki error with the MediaWiki-API-Error header" } },
                "x-amples": [{ "title": "usage of a prefix", "request": { "path": "/w/api.php?action=query&meta=featureusage&afuagent=Pywikibot&format=json" }, "response": { "status": 200 } }]
            }}),
        ),
        (
            "/feature-usage/events".to_string(),
            json!({ "servers": root, "post": {
                "summary": "Count API feature usage events: JSON Lines of {feature, agent, ip, timestamp}; answered once durable",
                "requestBody": { "content": { "application/x-ndjson": { "schema": { "type": "string" } } } },
                "responses": { "200": { "description": "events, counted, refused, refused_by_reason, refused_lines, new_rows, pruned" }, "400": { "description": "the body is not UTF-8" } }
            }}),
        ),
    ]
}

/// The route label (metrics, logs) of each path; `None` for other paths.
pub fn route_label(path: &str) -> Option<&'static str> {
    match path {
        "/feature-usage/events" => Some(EVENTS),
        "/w/api.php" => Some("feature_usage_api"),
        "/feature-usage" | "/feature-usage/" | page::SCRIPT_PATH | page::STYLE_PATH => {
            Some("feature_usage_page")
        }
        _ => None,
    }
}

/// The label of the ingest route, which the per-client rate limits leave alone (its clients
/// are the deployment's log shippers; new rows have their own limit per event IP).
pub const EVENTS: &str = "feature_usage_events";

/// The routes of the serving port: the API and the page, and ingestion unless it has an
/// address of its own.
pub fn routes(state: &AppState) -> Router<AppState> {
    use axum::routing::{get, post};
    let mut router = Router::new()
        .route("/w/api.php", get(api_php))
        .route("/feature-usage", get(page::redirect))
        .route("/feature-usage/", get(page::page))
        .route(page::SCRIPT_PATH, get(page::script))
        .route(page::STYLE_PATH, get(page::style));
    if state.feature_usage.as_ref().is_some_and(|f| f.ingest_on_serving_port) {
        router = router.route(
            "/feature-usage/events",
            post(events_on_state).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)),
        );
    }
    router
}

/// The ingest endpoint alone, for `--feature-usage-listen`.
pub fn ingest_router(service: Arc<FeatureUsage>) -> Router {
    use axum::routing::post;
    Router::new()
        .route("/feature-usage/events", post(events).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)))
        .with_state(service)
}

/// Feature usage as the serving router holds it.
#[derive(Clone)]
pub struct Serving {
    pub service: Arc<FeatureUsage>,
    /// Whether `POST /feature-usage/events` is on the serving port.
    pub ingest_on_serving_port: bool,
}

fn service_of(state: &AppState) -> Option<Arc<FeatureUsage>> {
    state.feature_usage.as_ref().map(|serving| Arc::clone(&serving.service))
}

fn not_served() -> Response {
    plain(StatusCode::NOT_FOUND, "feature usage is not served by this server\n")
}

fn plain(status: StatusCode, text: &'static str) -> Response {
    let mut response = (status, text).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn events_on_state(State(state): State<AppState>, body: Bytes) -> Response {
    match service_of(&state) {
        Some(service) => events(State(service), body).await,
        None => not_served(),
    }
}

/// `POST /feature-usage/events`: counts the body's events; the answer is sent after the
/// write is durable.
pub async fn events(State(service): State<Arc<FeatureUsage>>, body: Bytes) -> Response {
    // The body is read where it lies: a batch of 64 MB is not copied.
    let ingested = tokio::task::spawn_blocking(move || match std::str::from_utf8(&body) {
        Ok(text) => Ok(service.ingest(text)),
        Err(e) => Err(e.valid_up_to() + 1),
    })
    .await;
    let (status, answer) = match ingested {
        Ok(Ok(Ok(report))) => (StatusCode::OK, report_json(&report)),
        Ok(Err(byte)) => {
            let message = format!("the body is not UTF-8 text (byte {byte} is not)");
            (StatusCode::BAD_REQUEST, serde_json::json!({ "error": message }))
        }
        Ok(Ok(Err(e))) => {
            tracing::error!(error = %e, "feature usage ingest failed");
            let message = "the events could not be stored; none of them were counted";
            (StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({ "error": message }))
        }
        Err(_) => {
            let message = "the ingest task failed; none of the events were counted";
            (StatusCode::INTERNAL_SERVER_ERROR, serde_json::json!({ "error": message }))
        }
    };
    crate::service::json_response(status, &answer)
}

/// The JSON of an ingest report (also what `aqs feature-usage ingest --json` prints).
pub fn report_json(report: &IngestReport) -> serde_json::Value {
    let by_reason: serde_json::Map<String, serde_json::Value> =
        report.refused.iter().map(|(r, n)| (r.name().to_string(), (*n).into())).collect();
    let lines: Vec<serde_json::Value> = report
        .examples
        .iter()
        .map(|(line, reason)| serde_json::json!({ "line": line, "reason": reason.name() }))
        .collect();
    serde_json::json!({
        "events": report.events,
        "counted": report.counted,
        "refused": report.refused_total(),
        "refused_by_reason": by_reason,
        "refused_lines": lines,
        "new_rows": report.new_rows,
        "pruned": report.pruned,
    })
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `GET /w/api.php`: `action=query&meta=featureusage`, answered as MediaWiki does (errors on
/// a 200 with `MediaWiki-API-Error`).
pub async fn api_php(State(state): State<AppState>, request: Request) -> Response {
    let Some(service) = service_of(&state) else { return not_served() };
    let pairs = query_pairs(request.uri().query());
    let headers = request.headers();
    let agent = api::request_agent(
        header_text(headers, "api-user-agent"),
        header_text(headers, "user-agent"),
    );
    let host = header_text(headers, "host").unwrap_or("localhost");
    let docs = format!("http://{host}/w/api.php");
    let parsed = api::parse(&pairs, &agent, service.now());
    let answer =
        tokio::task::spawn_blocking(move || -> Result<String, Result<api::ApiError, ()>> {
            let request = parsed.map_err(Ok)?;
            if !request.wants_usage {
                return Ok(api::render_usage(&request, 0, 0, &[]));
            }
            let suggested = if request.start.is_none() || request.end.is_none() {
                Some(service.suggested_range().map_err(|_| Err(()))?)
            } else {
                None
            };
            let start = request.start.or(suggested.map(|s| s.0)).unwrap_or(0);
            let end = request.end.or(suggested.map(|s| s.1)).unwrap_or(0);
            let usage = service
                .usage(&request.agent, start, end, request.features.clone())
                .map_err(|_| Err(()))?;
            Ok(api::render_usage(&request, start, end, &usage))
        })
        .await;
    let (body, error_code) = match answer {
        Ok(Ok(body)) => (body, None),
        Ok(Err(Ok(error))) => (api::render_error(&error, &docs), Some(error.code)),
        Ok(Err(Err(()))) | Err(_) => {
            let error = api::ApiError {
                code: "internal_api_error_StoreError".to_string(),
                info: "The counters could not be read.".to_string(),
                version: api::FormatVersion::V1,
            };
            (api::render_error(&error, &docs), Some(error.code))
        }
    };
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::headers::JSON_CONTENT_TYPE));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, must-revalidate, max-age=0"),
    );
    if let Some(code) = error_code.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert("mediawiki-api-error", code);
    }
    response
}
