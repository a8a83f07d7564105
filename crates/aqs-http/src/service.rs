//! The server's own routes, beside the API: `/healthz`, `/metrics` (Prometheus), the docs page
//! at `/` and the OpenAPI document at `/openapi.json`.

use crate::{AppState, StoreCalls};
use aqs_core::StoreError;
use aqs_core::dates::Day;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::sync::Arc;

/// What `/healthz` and `/metrics` report about the store: its generation and the days of
/// per-article data it holds (recomputed only when the generation changes).
#[derive(Default)]
pub struct StoreSummary {
    last: std::sync::Mutex<Option<(u64, Arc<Vec<Day>>)>>,
}

impl StoreSummary {
    fn days(&self, state: &AppState) -> Result<(u64, Arc<Vec<Day>>), StoreError> {
        let generation = state.pageviews.generation()?;
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((g, days)) = &*last {
            if *g == generation {
                return Ok((generation, Arc::clone(days)));
            }
        }
        let days = Arc::new(state.pageviews.article_days_loaded()?);
        *last = Some((generation, Arc::clone(&days)));
        Ok((generation, days))
    }
}

pub(crate) async fn store_summary(state: &AppState) -> Result<(u64, Arc<Vec<Day>>), StoreError> {
    let for_read = state.clone();
    match state.store_calls {
        StoreCalls::Inline => state.summary.days(state),
        StoreCalls::BlockingPool => {
            tokio::task::spawn_blocking(move || for_read.summary.days(&for_read))
                .await
                .map_err(|e| StoreError::Engine(format!("store task failed: {e}")))?
        }
    }
}

fn no_store(mut response: Response) -> Response {
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(crate) fn json_response(status: StatusCode, value: &serde_json::Value) -> Response {
    let mut response = (status, value.to_string()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(crate::headers::JSON_CONTENT_TYPE));
    no_store(response)
}

/// `GET /healthz`: 200 when the store answers, with the datasets and their days; 503 when
/// it does not.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let lists = &state.ops.lists;
    let snapshot = active_snapshot(&state).await;
    match store_summary(&state).await {
        Ok((generation, days)) => json_response(
            StatusCode::OK,
            &json!({
                "status": "ok",
                "backend": state.ops.options.backend,
                "generation": generation,
                "datasets": {
                    "pageviews-per-article": {
                        "days": days.len(),
                        "first_day": days.first().map(ToString::to_string),
                        // The first day other than the probe rows' (`aqs add-probe-rows`
                        // writes 1970-01-01): where charts of "all time" start.
                        "first_data_day": days.iter().find(|d| d.epoch_days() != 0).map(ToString::to_string),
                        "last_day": days.last().map(ToString::to_string),
                    },
                    "mediawiki-history": {
                        "active_snapshot": snapshot.map(|m| m.to_string()),
                    }
                },
                "disallowed_articles": lists.disallowed_len(),
                "allowlist_projects": lists.allowlist_len(),
            }),
        ),
        Err(e) => {
            tracing::error!(error = %e, "health check: the store does not answer");
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "error", "backend": state.ops.options.backend, "error": "the store does not answer" }),
            )
        }
    }
}

/// The MediaWiki history snapshot served (`None` when none is active or the store does not
/// answer).
pub(crate) async fn active_snapshot(state: &AppState) -> Option<aqs_core::dates::YearMonth> {
    let tables = state.tables.clone();
    let read = move || aqs_core::history::snapshots::active(tables.as_ref());
    tokio::task::spawn_blocking(read).await.ok()?.ok()?
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    if let Ok((generation, days)) = store_summary(&state).await {
        let last = days.last().map(|d| i64::from(d.epoch_days()) * 86_400);
        state.ops.metrics.store_state(generation, days.len(), last);
    }
    state.ops.metrics.disallowed_count(state.ops.lists.disallowed_len());
    state.ops.metrics.history_snapshot(active_snapshot(&state).await);
    if let Some(serving) = &state.feature_usage {
        let service = std::sync::Arc::clone(&serving.service);
        let rows = tokio::task::spawn_blocking(move || service.rows().ok()).await.ok().flatten();
        state.ops.metrics.feature_usage(&serving.service.stats, rows);
    }
    let mut response = state.ops.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    no_store(response)
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    let mut response = json_response(StatusCode::OK, &crate::openapi::document());
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    response
}

/// `GET /`: the docs page.
pub async fn docs() -> Response {
    crate::ui::docs::page()
}
