//! `/metrics/pageviews/...`: one module per route, mirroring the URL tree.

pub(crate) mod aggregate;
pub(crate) mod per_article;
pub(crate) mod top;

use crate::error::ApiError;
use crate::{AppState, StoreCalls};
use aqs_core::error::StoreError;
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;

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

/// Runs a store read where the state says (inline, or on the blocking pool), once the store
/// gate gives it a slot: the shared path of every family's reads.
async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let started = std::time::Instant::now();
    let _slot = state.ops.gate.enter().await.inspect_err(|_| {
        state.ops.metrics.shed(crate::metrics::Shed::QueueFull);
    })?;
    let result = match state.store_calls {
        StoreCalls::Inline => f().map_err(ApiError::from),
        StoreCalls::BlockingPool => match tokio::task::spawn_blocking(f).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::Store(StoreError::Engine(format!("store task failed: {e}")))),
        },
    };
    state.ops.metrics.store_read(started.elapsed());
    result
}
