//! `/metrics/pageviews/...`: one module per route, mirroring the URL tree.

pub(crate) mod aggregate;
pub(crate) mod per_article;
pub(crate) mod top;

use crate::error::ApiError;
use crate::{AppState, StoreCalls};
use aqs_core::error::StoreError;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The path parameters of a route, in route order: the raw path's segments after the API
/// prefix and the route's `FIXED` leading segments (`pageviews/per-article`), each
/// percent-decoded once. [`crate::routes::route_of`] finds the route from its first two
/// segments only (axum's captures cost an allocation or two per parameter on every request);
/// splitting the raw path here keeps `%2F` inside its segment, as matching on the raw path
/// did. A path with another number of segments is the route 404; a segment that does not
/// decode to UTF-8 is refused with the AQS error body; an empty segment (`//`) matches no
/// route of the original, so it is the route 404 too.
pub struct Segments<const FIXED: usize, const N: usize>(pub [String; N]);

impl<S: Send + Sync, const FIXED: usize, const N: usize> FromRequestParts<S>
    for Segments<FIXED, N>
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let rest = crate::routes::strip_prefix(parts.uri.path()).ok_or(ApiError::RouteNotFound)?;
        let mut raw = rest[1..].split('/').skip(FIXED);
        let mut segments: [&str; N] = [""; N];
        for slot in &mut segments {
            *slot = raw.next().ok_or(ApiError::RouteNotFound)?;
        }
        if raw.next().is_some() {
            return Err(ApiError::RouteNotFound);
        }
        let mut decoded: [String; N] = std::array::from_fn(|_| String::new());
        for (slot, segment) in decoded.iter_mut().zip(segments) {
            let text = percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .map_err(|_| ApiError::BadPathEncoding)?;
            *slot = text.into_owned();
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(ApiError::RouteNotFound);
        }
        Ok(Segments(decoded))
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
