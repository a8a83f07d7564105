//! A bounded, shared response cache: whole `200` answers to `GET`s, keyed by path, weighed by
//! body size. An entry is used only while the store's generation is the one it was made
//! under (a load or an import makes every entry stale at once) and for at most the data
//! `max-age` of four hours.

use crate::AppState;
use crate::headers::{DATA_CACHE_CONTROL, JSON_CONTENT_TYPE};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use quick_cache::Weighter;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bodies larger than this are not cached.
const MAX_ENTRY_BYTES: usize = 4 << 20;
/// The data `max-age` of the original (`cache-control: s-maxage=14400, max-age=14400`).
const MAX_AGE: Duration = Duration::from_secs(14_400);

/// A cached data answer: only the etag is kept of its headers (content type and cache
/// control are the same for every data answer), to keep entries small.
struct Entry {
    generation: u64,
    made: Instant,
    etag: HeaderValue,
    body: Bytes,
}

#[derive(Clone)]
struct BodySize;

impl Weighter<String, Arc<Entry>> for BodySize {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        // The body and key, and about 200 bytes of entry, table and allocation overhead.
        (key.len() + entry.body.len() + 200) as u64
    }
}

/// The cache shared by every request of a server.
pub struct ResponseCache {
    entries: quick_cache::sync::Cache<String, Arc<Entry>, BodySize>,
    capacity: u64,
}

impl ResponseCache {
    /// A cache holding at most `capacity_bytes` of keys and bodies.
    pub fn new(capacity_bytes: u64) -> ResponseCache {
        let estimated = (capacity_bytes / 8192).max(16) as usize;
        ResponseCache {
            entries: quick_cache::sync::Cache::with_weighter(
                estimated,
                capacity_bytes.max(1),
                BodySize,
            ),
            capacity: capacity_bytes,
        }
    }

    /// Bytes held now (never more than the capacity).
    pub fn weight(&self) -> u64 {
        self.entries.weight()
    }

    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Middleware: answers from the cache when it can, and keeps fresh `200` answers.
pub async fn cache_responses(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(cache) = state.cache.as_ref().filter(|_| request.method() == Method::GET) else {
        return next.run(request).await;
    };
    let Ok(generation) = state.pageviews.generation() else {
        return next.run(request).await;
    };
    let key = request.uri().path().to_string();
    if let Some(entry) = cache.entries.get(&key) {
        if entry.generation == generation && entry.made.elapsed() < MAX_AGE {
            let headers = [
                (header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE)),
                (header::CACHE_CONTROL, HeaderValue::from_static(DATA_CACHE_CONTROL)),
                (header::ETAG, entry.etag.clone()),
            ];
            return (headers, Body::from(entry.body.clone())).into_response();
        }
    }
    let response = next.run(request).await;
    let Some(etag) = response
        .headers()
        .get(header::ETAG)
        .filter(|_| response.status() == StatusCode::OK)
        .cloned()
    else {
        return response;
    };
    let (parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ENTRY_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large to buffer").into_response();
    };
    let entry = Entry { generation, made: Instant::now(), etag, body: body.clone() };
    cache.entries.insert(key, Arc::new(entry));
    Response::from_parts(parts, Body::from(body))
}
