//! A bounded, shared response cache: whole `200` answers to `GET`s, keyed by path, weighed by
//! body size. An entry is used only while the store's generation is the one it was made
//! under (a load or an import makes every entry stale at once) and for at most the data
//! `max-age` of four hours.
//!
//! Most clients send `accept-encoding: gzip` (browsers, `requests`, `curl --compressed`), so an
//! entry also keeps its body gzipped, made once when such a client asks for it again (or at
//! once for bodies of [`GZIP_ON_MISS_BYTES`] and more): a hot top list is compressed once, not
//! on every request. Answers carry `vary: accept-encoding` either way, as the compression layer
//! gives them when the cache is off.

use crate::AppState;
use crate::headers::{DATA_CACHE_CONTROL, JSON_CONTENT_TYPE};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use flate2::{Compress, FlushCompress, Status};
use quick_cache::Weighter;
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Bodies larger than this are not cached.
const MAX_ENTRY_BYTES: usize = 4 << 20;
/// The data `max-age` of the original (`cache-control: s-maxage=14400, max-age=14400`).
const MAX_AGE: Duration = Duration::from_secs(14_400);

/// A cached data answer: only the etag is kept of its headers (content type and cache
/// control are the same for every data answer), to keep entries small.
#[derive(Clone)]
struct Entry {
    generation: u64,
    made: Instant,
    etag: HeaderValue,
    body: Bytes,
    /// The body gzipped, once a client that accepts gzip has asked for it.
    gzip: Option<Bytes>,
}

#[derive(Clone)]
struct BodySize;

impl Weighter<String, Arc<Entry>> for BodySize {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        // The body and key, and about 200 bytes of entry, table and allocation overhead.
        let gzip = entry.gzip.as_ref().map_or(0, Bytes::len);
        (key.len() + entry.body.len() + gzip + 200) as u64
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

/// Bodies this small are sent as they are (the compression layer's default threshold).
const MIN_GZIP_BYTES: usize = 32;
/// On a miss, a body is gzipped only from this size on: smaller ones fit TCP's initial
/// congestion window (10 segments) either way, so compressing them saves the client no round
/// trip, and it cost the server an eighth of its throughput. Cached bodies are gzipped from
/// `MIN_GZIP_BYTES` on, once, the second time they are asked for.
pub const GZIP_ON_MISS_BYTES: usize = 8192;

/// Whether `accept-encoding` allows gzip: a `gzip` (or `*`) coding whose `q` is not zero.
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()).any(|value| {
        value.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or("").trim();
            if !(name.eq_ignore_ascii_case("gzip") || name == "*") {
                return false;
            }
            !parts.any(|p| {
                let p = p.trim();
                p.len() >= 2
                    && p[..2].eq_ignore_ascii_case("q=")
                    && p[2..].trim().parse::<f32>().is_ok_and(|q| q <= 0.0)
            })
        })
    })
}

thread_local! {
    /// A compressor per worker thread, reset between bodies: making one allocates and zeroes
    /// a few hundred kilobytes of tables, which cost more than compressing a typical answer.
    static GZIP: RefCell<Option<Compress>> = const { RefCell::new(None) };
}

/// Gzips a body at the fast level: on a miss the client waits for it, and a slower level
/// gains little in size on these JSON bodies.
fn gzip(body: &[u8]) -> Option<Bytes> {
    GZIP.with(|cell| {
        let mut slot = cell.try_borrow_mut().ok()?;
        let compress =
            slot.get_or_insert_with(|| Compress::new_gzip(flate2::Compression::fast(), 15));
        compress.reset();
        let mut out = Vec::with_capacity(body.len() / 3 + 64);
        let mut input = body;
        loop {
            let before = compress.total_in();
            let status = compress.compress_vec(input, &mut out, FlushCompress::Finish).ok()?;
            let consumed = usize::try_from(compress.total_in() - before).ok()?;
            input = input.get(consumed..)?;
            if status == Status::StreamEnd {
                return Some(Bytes::from(out));
            }
            out.reserve(out.capacity().max(1024));
        }
    })
}

/// A data answer from an entry: gzipped when the client accepts it and the body is not tiny.
fn answer(etag: HeaderValue, body: Bytes, gzipped: bool) -> Response {
    let mut response = Response::new(Body::from(body));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(DATA_CACHE_CONTROL));
    headers.insert(header::ETAG, etag);
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// The answer for an entry, gzipped when asked for, adding the gzipped body to the cache the
/// first time it is needed.
fn serve(
    cache: &ResponseCache,
    key: String,
    entry: Arc<Entry>,
    wants_gzip: bool,
    hit: bool,
) -> Response {
    let compressible = entry.body.len() >= MIN_GZIP_BYTES;
    let gzip_now = hit || entry.body.len() >= GZIP_ON_MISS_BYTES;
    let mut response = if wants_gzip && compressible && gzip_now {
        match &entry.gzip {
            Some(gz) => answer(entry.etag.clone(), gz.clone(), true),
            None => match gzip(&entry.body) {
                Some(gz) => {
                    let mut with_gzip = Entry::clone(&entry);
                    with_gzip.gzip = Some(gz.clone());
                    cache.entries.insert(key, Arc::new(with_gzip));
                    answer(entry.etag.clone(), gz, true)
                }
                None => answer(entry.etag.clone(), entry.body.clone(), false),
            },
        }
    } else {
        answer(entry.etag.clone(), entry.body.clone(), false)
    };
    if compressible {
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response.extensions_mut().insert(EncodingChosen);
    response
}

/// Marks an answer whose encoding the cache chose, for the compression layer to leave alone.
#[derive(Debug, Clone, Copy)]
pub struct EncodingChosen;

/// The compression layer's predicate: its defaults, except for answers the cache encoded.
#[derive(Debug, Clone, Copy, Default)]
pub struct CompressUnlessChosen;

impl tower_http::compression::Predicate for CompressUnlessChosen {
    fn should_compress<B: axum::body::HttpBody>(&self, response: &axum::http::Response<B>) -> bool {
        response.extensions().get::<EncodingChosen>().is_none()
            && tower_http::compression::DefaultPredicate::new().should_compress(response)
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
    let wants_gzip = accepts_gzip(request.headers());
    if let Some(entry) = cache.entries.get(&key) {
        if entry.generation == generation && entry.made.elapsed() < MAX_AGE {
            state.ops.metrics.cache_lookup(true);
            return serve(cache, key, entry, wants_gzip, true);
        }
    }
    state.ops.metrics.cache_lookup(false);
    let response = next.run(request).await;
    let Some(etag) = response
        .headers()
        .get(header::ETAG)
        .filter(|_| response.status() == StatusCode::OK)
        .cloned()
    else {
        return response;
    };
    let Ok(body) = axum::body::to_bytes(response.into_body(), MAX_ENTRY_BYTES).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response too large to buffer").into_response();
    };
    // A large body is gzipped before the entry goes in, so that it goes in once.
    let gzip = (wants_gzip && body.len() >= GZIP_ON_MISS_BYTES).then(|| gzip(&body)).flatten();
    let entry = Arc::new(Entry { generation, made: Instant::now(), etag, body, gzip });
    cache.entries.insert(key.clone(), Arc::clone(&entry));
    serve(cache, key, entry, wants_gzip, false)
}
