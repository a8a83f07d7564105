//! The operator's endpoint, on its own listener (loopback by default): live changes to the
//! disallowed-articles list and allowlist reloads, behind a bearer token (`AQS_ADMIN_TOKEN`).
//! `aqs disallow` and `aqs allowlist reload` are its clients.
//!
//! - `GET /admin/disallowed`: the list, in its TSV format;
//! - `POST /admin/disallowed` and `DELETE /admin/disallowed`, body
//!   `{"project": "en.wikipedia", "article": "Title"}`: hide or show an article;
//! - `POST /admin/allowlist/reload`: read the allowlist file again.
//!
//! A change takes effect for the next request: the lists' epoch is part of the cache's
//! generation.

use crate::lists::{ListChangeError, Lists};
use aqs_core::project::Project;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

#[derive(Clone)]
struct AdminState {
    lists: Arc<Lists>,
    token: Arc<str>,
}

/// The admin router. `token` must be non-empty: requests without
/// `Authorization: Bearer <token>` get a 401.
pub fn router(lists: Arc<Lists>, token: &str) -> Router {
    let state = AdminState { lists, token: Arc::from(token) };
    Router::new()
        .route("/admin/disallowed", get(list).post(change).delete(change))
        .route("/admin/allowlist/reload", post(reload_allowlist))
        .layer(axum::middleware::from_fn_with_state(state.clone(), authorize))
        .with_state(state)
}

fn error(status: StatusCode, message: impl std::fmt::Display) -> Response {
    (status, Json(json!({ "error": message.to_string() }))).into_response()
}

/// A JSON body (axum's `Json` is left out of the build to keep features trimmed).
struct Json(serde_json::Value);

impl IntoResponse for Json {
    fn into_response(self) -> Response {
        let mut response = self.0.to_string().into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        response
    }
}

/// Compares in time independent of where the first difference is.
fn same_secret(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn authorize(State(state): State<AdminState>, request: Request, next: Next) -> Response {
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if state.token.is_empty() || !same_secret(given.as_bytes(), state.token.as_bytes()) {
        tracing::warn!(path = request.uri().path(), "admin request refused: bad or missing token");
        return error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token (AQS_ADMIN_TOKEN)");
    }
    next.run(request).await
}

async fn list(State(state): State<AdminState>) -> Response {
    let mut response = state.lists.disallowed().to_tsv().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/tab-separated-values; charset=utf-8"),
    );
    response
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    project: String,
    article: String,
}

async fn change(State(state): State<AdminState>, method: Method, body: Bytes) -> Response {
    let entry: Entry = match serde_json::from_slice(&body) {
        Ok(entry) => entry,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("expected {{\"project\": ..., \"article\": ...}}: {e}"),
            );
        }
    };
    let project = match Project::normalize(&entry.project) {
        Ok(p) if !p.as_str().starts_with("all-") => p,
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                format!("{:?} is not a project name", entry.project),
            );
        }
    };
    let article = entry.article.trim().replace(' ', "_");
    if article.is_empty() || article.contains(['\t', '\n', '\r']) {
        return error(
            StatusCode::BAD_REQUEST,
            "the article must be a title without tabs or newlines",
        );
    }
    let hide = method == Method::POST;
    let lists = Arc::clone(&state.lists);
    let (p, a) = (project.as_str().to_string(), article.clone());
    let outcome = tokio::task::spawn_blocking(move || lists.change_disallowed(&p, &a, hide)).await;
    match outcome {
        Ok(Ok(changed)) => {
            tracing::info!(
                project = project.as_str(),
                article,
                hidden = hide,
                changed,
                "disallowed list changed"
            );
            Json(json!({
                "project": project.as_str(),
                "article": article,
                "hidden": hide,
                "changed": changed,
                "entries": state.lists.disallowed_len(),
                "file": state.lists.disallowed_file().map(|p| p.display().to_string()),
            }))
            .into_response()
        }
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}

async fn reload_allowlist(State(state): State<AdminState>) -> Response {
    let lists = Arc::clone(&state.lists);
    match tokio::task::spawn_blocking(move || lists.reload_allowlist()).await {
        Ok(Ok(projects)) => {
            tracing::info!(projects, "allowlist reloaded");
            Json(json!({ "projects": projects })).into_response()
        }
        Ok(Err(e @ ListChangeError::NoAllowlistFile)) => error(StatusCode::CONFLICT, e),
        Ok(Err(e)) => error(StatusCode::UNPROCESSABLE_ENTITY, e),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e),
    }
}
