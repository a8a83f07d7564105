//! `/metrics/pageviews/...`: one module per route, mirroring the URL tree.

mod aggregate;
mod per_article;
mod top;

use crate::error::ApiError;
use crate::{AppState, StoreCalls};
use aqs_core::error::StoreError;
use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::routing::get;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}",
            get(per_article::handle),
        )
        .route("/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}", get(aggregate::handle))
        .route("/pageviews/top/{project}/{access}/{year}/{month}/{day}", get(top::handle))
}

/// The path parameters of a route in route order, percent-decoded once (by axum, which matched
/// the route on the raw path, so `%2F` stays inside its segment). A segment that does not
/// decode to UTF-8 is refused with the AQS error body; an empty one is the route 404.
pub struct Segments(pub Vec<String>);

impl<S: Send + Sync> FromRequestParts<S> for Segments {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::BadPathEncoding)?;
        let mut segments = Vec::new();
        for (_, value) in &raw {
            // An empty segment (`//`) matches no route of the original.
            if value.is_empty() {
                return Err(ApiError::RouteNotFound);
            }
            segments.push(value.to_string());
        }
        Ok(Segments(segments))
    }
}

/// Runs a store read where the state says: inline, or on the blocking pool.
async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    match state.store_calls {
        StoreCalls::Inline => f().map_err(ApiError::from),
        StoreCalls::BlockingPool => match tokio::task::spawn_blocking(f).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::Store(StoreError::Engine(format!("store task failed: {e}")))),
        },
    }
}
