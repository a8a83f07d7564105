//! A bounded, shared response cache: whole `200` answers to `GET`s, keyed by path (a 128-bit
//! keyed hash of it), weighed by body size. An entry is used only while the store's
//! generation is the one it was made under (a load or an import makes every entry stale at
//! once) and for at most the data `max-age` of four hours. Bodies are kept LZ4-compressed
//! (`Kept`), so the same memory holds several times as many answers.
//!
//! Most clients send `accept-encoding: gzip` (browsers, `requests`, `curl --compressed`), so an
//! entry also keeps its body gzipped, made once: at once for bodies of [`GZIP_ON_MISS_BYTES`]
//! and more, and for smaller ones when gzip clients have asked for them [`GZIP_AFTER_HITS`]
//! times. A hot top list is compressed once, not on every request. Answers carry
//! `vary: accept-encoding` either way, as they do when the cache is off.

use crate::AppState;
use crate::headers::{DATA_CACHE_CONTROL, JSON_CONTENT_TYPE};
use aqs_core::table::Dataset;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use flate2::{Compress, FlushCompress, Status};
use quick_cache::Weighter;
use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, LazyLock};
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
    body: Kept,
    /// The body gzipped, once it is worth it (see [`GZIP_AFTER_HITS`]).
    gzip: Option<Bytes>,
    /// Times the entry has answered a gzip client (misses included).
    gzip_requests: AtomicU32,
}

/// An entry's body as kept: LZ4-compressed whenever that makes it smaller, which is every JSON
/// answer (it repeats its fields on every item and shrinks about ninefold). Compressing and
/// decompressing a few kilobytes with LZ4 costs about a microsecond. Large bodies (top lists,
/// long daily series) are mostly sent from their gzipped copy; kept plain, the long series of
/// the mix (up to 80 KB each) crowded the rest out of the cache: with them compressed too, the
/// mix's hit rate went from 62 % to 77 % (BENCHMARKS.md).
#[derive(Clone)]
enum Kept {
    Plain(Bytes),
    Lz4 { packed: Bytes, len: usize },
}

impl Kept {
    fn new(body: Bytes) -> Kept {
        let packed = lz4_flex::block::compress(&body);
        if packed.len() < body.len() {
            // Copied to its own allocation: the compressor's buffer has room for the
            // worst case (more than the body), and the cache is charged by length.
            return Kept::Lz4 { packed: Bytes::copy_from_slice(&packed), len: body.len() };
        }
        // The handler's buffer may have more capacity than length; keep exactly the body.
        Kept::Plain(Bytes::copy_from_slice(&body))
    }

    /// The body's length as sent.
    fn len(&self) -> usize {
        match self {
            Kept::Plain(body) => body.len(),
            Kept::Lz4 { len, .. } => *len,
        }
    }

    /// Bytes held.
    fn held(&self) -> usize {
        match self {
            Kept::Plain(body) => body.len(),
            Kept::Lz4 { packed, .. } => packed.len(),
        }
    }

    /// The body as sent; `None` if it does not decompress to its length (never expected:
    /// the entry is then dropped and the request answered afresh).
    fn body(&self) -> Option<Bytes> {
        match self {
            Kept::Plain(body) => Some(body.clone()),
            Kept::Lz4 { packed, len } => lz4_flex::block::decompress(packed, *len)
                .ok()
                .filter(|body| body.len() == *len)
                .map(Bytes::from),
        }
    }
}

/// An entry's key: 128 bits of the request path, from two SipHash-1-3 hashes under this
/// process's random keys. A 16-byte key in place of the path (about 100 bytes, on the heap)
/// spares every lookup a cache miss and every entry an allocation. Two paths share a key with
/// a probability of about n²/2¹²⁹ (below 10⁻²⁶ for a million entries), and the secret keys keep
/// clients from choosing paths that collide.
type Key = u128;

fn key_of(path: &str) -> Key {
    use std::hash::BuildHasher;
    static HASHERS: LazyLock<[std::collections::hash_map::RandomState; 2]> =
        LazyLock::new(|| [Default::default(), Default::default()]);
    let [high, low] = &*HASHERS;
    (u128::from(high.hash_one(path)) << 64) | u128::from(low.hash_one(path))
}

#[derive(Clone)]
struct BodySize;

impl Weighter<Key, Arc<Entry>> for BodySize {
    fn weight(&self, _key: &Key, entry: &Arc<Entry>) -> u64 {
        // The bodies, and about 300 bytes of key, entry (with its ETag), table and
        // allocation overhead: with bodies kept compressed, the overhead is no longer small
        // beside them, and an entry must not take more memory than it is charged for.
        let gzip = entry.gzip.as_ref().map_or(0, Bytes::len);
        (entry.body.held() + gzip + 300) as u64
    }
}

/// The cache shared by every request of a server.
pub struct ResponseCache {
    entries: quick_cache::sync::Cache<Key, Arc<Entry>, BodySize>,
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

/// Bodies this small are always sent as they are.
const MIN_GZIP_BYTES: usize = 32;
/// On a miss, a body is gzipped only from this size on: smaller ones fit TCP's initial
/// congestion window (10 segments) either way, so compressing them saves the client no round
/// trip, and it cost the server an eighth of its throughput. Cached bodies are gzipped from
/// `MIN_GZIP_BYTES` on, once, when gzip clients have asked for them [`GZIP_AFTER_HITS`] times.
pub const GZIP_ON_MISS_BYTES: usize = 8192;
/// A small cached body is gzipped when gzip clients have asked for it this many times.
/// Gzipping a body of a few kilobytes costs about as much CPU as sending its extra plain bytes
/// ten to twenty times (most of the cost is resetting the compressor's 128 KB of tables), so
/// the gzipped copy pays off for the bodies asked for again and again (the hot articles), not
/// for the long tail. Either way such a body fits the first round trip.
pub const GZIP_AFTER_HITS: u32 = 8;

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
                // Exactly the compressed bytes: the buffer was sized by a guess, and cached
                // copies are charged by length.
                out.shrink_to_fit();
                return Some(Bytes::from(out));
            }
            out.reserve(out.capacity().max(1024));
        }
    })
}

/// A data answer from an entry: gzipped when the client accepts it and the body is not tiny.
fn answer(etag: HeaderValue, body: Bytes, gzipped: bool) -> Response {
    let mut response = Response::new(Body::from(body));
    let headers = crate::headers::answer_headers(&mut response);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(DATA_CACHE_CONTROL));
    headers.insert(header::ETAG, etag);
    if gzipped {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    response
}

/// The answer for an entry, gzipped when asked for, adding the gzipped body to the cache the
/// first time it is needed. `fresh` is the plain body when the caller has it (on a miss).
/// `None` when a kept body fails to decompress.
fn serve(
    cache: &ResponseCache,
    key: Key,
    entry: Arc<Entry>,
    wants_gzip: bool,
    fresh: Option<Bytes>,
) -> Option<Response> {
    let len = entry.body.len();
    let compressible = len >= MIN_GZIP_BYTES;
    // Once the entry has its gzipped copy, hits leave the counter alone: a write to a hot
    // entry on every hit would bounce its cache line between the worker threads' cores.
    let gzip_now = len >= GZIP_ON_MISS_BYTES
        || (wants_gzip
            && (entry.gzip.is_some()
                || entry.gzip_requests.fetch_add(1, Ordering::Relaxed) + 1 >= GZIP_AFTER_HITS));
    let plain = || fresh.clone().or_else(|| entry.body.body());
    let mut response = if wants_gzip && compressible && gzip_now {
        match &entry.gzip {
            Some(gz) => answer(entry.etag.clone(), gz.clone(), true),
            None => {
                let body = plain()?;
                match gzip(&body) {
                    Some(gz) => {
                        let with_gzip = Entry {
                            etag: entry.etag.clone(),
                            body: entry.body.clone(),
                            gzip: Some(gz.clone()),
                            gzip_requests: AtomicU32::new(GZIP_AFTER_HITS),
                            ..*entry
                        };
                        cache.entries.insert(key, Arc::new(with_gzip));
                        answer(entry.etag.clone(), gz, true)
                    }
                    None => answer(entry.etag.clone(), body, false),
                }
            }
        }
    } else {
        answer(entry.etag.clone(), plain()?, false)
    };
    if compressible {
        response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    Some(response)
}

/// What the cache has for a request.
pub enum Lookup {
    /// The answer, from the cache.
    Hit(Response),
    /// Not there: the handler's answer goes to [`keep`].
    Miss(Miss),
    /// No cache, or a request it does not keep (not a `GET`, or the store did not answer).
    Pass,
}

/// A request the cache did not have, and the generation its answer will be kept under.
pub struct Miss {
    key: Key,
    generation: u64,
}

/// Looks a request up in the cache.
pub fn lookup(state: &AppState, request: &Request, wants_gzip: bool) -> Lookup {
    let Some(cache) = state.cache.as_ref().filter(|_| request.method() == Method::GET) else {
        return Lookup::Pass;
    };
    let dataset = match request.extensions().get::<crate::routes::MatchedRoute>() {
        Some(crate::routes::MatchedRoute(route)) => route.dataset,
        None => Dataset::Pageviews,
    };
    let Ok(generation) = state.generation(dataset) else { return Lookup::Pass };
    // The query is part of the key: the extensions (`/ext/v1/...`) take their lists there.
    let uri = request.uri();
    let key = key_of(uri.path_and_query().map_or(uri.path(), |pq| pq.as_str()));
    if let Some(entry) = cache.entries.get(&key) {
        if entry.generation == generation && entry.made.elapsed() < MAX_AGE {
            if let Some(response) = serve(cache, key, entry, wants_gzip, None) {
                state.ops.metrics.cache_lookup(true);
                return Lookup::Hit(response);
            }
            cache.entries.remove(&key);
        }
    }
    state.ops.metrics.cache_lookup(false);
    Lookup::Miss(Miss { key, generation })
}

/// Keeps a fresh `200` answer (one with an ETag) and answers from the new entry; other
/// answers pass as they are. The flag says whether the cache chose the answer's encoding.
pub async fn keep(
    state: &AppState,
    miss: Miss,
    response: Response,
    wants_gzip: bool,
) -> (Response, bool) {
    let Some(cache) = state.cache.as_ref() else { return (response, false) };
    let Some(etag) = response
        .headers()
        .get(header::ETAG)
        .filter(|_| response.status() == StatusCode::OK)
        .cloned()
    else {
        return (response, false);
    };
    let Ok(body) = axum::body::to_bytes(response.into_body(), MAX_ENTRY_BYTES).await else {
        let failed = (StatusCode::INTERNAL_SERVER_ERROR, "response too large to buffer");
        return (failed.into_response(), false);
    };
    // A large body is gzipped before the entry goes in, so that it goes in once.
    let gzip = (wants_gzip && body.len() >= GZIP_ON_MISS_BYTES).then(|| gzip(&body)).flatten();
    let Miss { key, generation } = miss;
    let gzip_requests = AtomicU32::new(0);
    let kept = Kept::new(body.clone());
    let made = Instant::now();
    let entry =
        Arc::new(Entry { generation, made, etag: etag.clone(), body: kept, gzip, gzip_requests });
    cache.entries.insert(key, Arc::clone(&entry));
    // `serve` has the plain body here, so it always answers.
    let response = serve(cache, key, entry, wants_gzip, Some(body.clone()))
        .unwrap_or_else(|| answer(etag, body, false));
    (response, true)
}

/// Gzips an answer that did not come from the cache, as the cache does on a miss: when the
/// client accepts gzip and the body has at least [`GZIP_ON_MISS_BYTES`]. Every body of
/// `MIN_GZIP_BYTES` (32) or more gets `vary: accept-encoding`, since it could have been gzipped.
pub async fn gzip_uncached(mut response: Response, wants_gzip: bool) -> Response {
    let Some(size) = response.body().size_hint().exact() else { return response };
    if size < MIN_GZIP_BYTES as u64 || response.headers().contains_key(header::CONTENT_ENCODING) {
        return response;
    }
    response.headers_mut().append(header::VARY, HeaderValue::from_static("accept-encoding"));
    if !wants_gzip || size < GZIP_ON_MISS_BYTES as u64 {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "response body failed").into_response();
    };
    match gzip(&body) {
        Some(gz) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            Response::from_parts(parts, Body::from(gz))
        }
        None => Response::from_parts(parts, Body::from(body)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_tell_paths_apart() {
        let paths = [
            "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10",
            "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/11",
            "/api/rest_v1/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10",
            "",
        ];
        let keys: std::collections::HashSet<Key> = paths.iter().map(|p| key_of(p)).collect();
        assert_eq!(keys.len(), paths.len());
        let owned = String::from(paths[0]);
        assert_eq!(key_of(paths[0]), key_of(owned.as_str()), "stable within a process");
        // Both halves vary: neither 64-bit hash is a constant.
        assert_ne!(key_of(paths[0]) >> 64, key_of(paths[1]) >> 64);
        assert_ne!(key_of(paths[0]) as u64, key_of(paths[1]) as u64);
    }

    const ITEM: &str = r#"{"project":"en.wikipedia","article":"Main_Page","granularity":"daily","timestamp":"2015070100","access":"all-access","agent":"all-agents","views":123}"#;

    fn small_body() -> Bytes {
        Bytes::from(format!(r#"{{"items":[{}]}}"#, vec![ITEM; 20].join(",")))
    }

    #[test]
    fn small_bodies_are_gzipped_once_asked_for_often_enough_and_then_hits_write_nothing() {
        let cache = ResponseCache::new(1 << 20);
        let body = small_body();
        let entry = Arc::new(Entry {
            generation: 1,
            made: Instant::now(),
            etag: HeaderValue::from_static("\"e\""),
            body: Kept::new(body.clone()),
            gzip: None,
            gzip_requests: AtomicU32::new(0),
        });
        let key = key_of("/small");
        cache.entries.insert(key, Arc::clone(&entry));
        let encoding =
            |response: &Response| response.headers().get(header::CONTENT_ENCODING).cloned();
        for _ in 1..GZIP_AFTER_HITS {
            let plain = serve(&cache, key, Arc::clone(&entry), true, None).unwrap();
            assert_eq!(encoding(&plain), None);
        }
        let first = serve(&cache, key, Arc::clone(&entry), true, None).unwrap();
        assert_eq!(encoding(&first).unwrap(), "gzip");
        let kept = cache.entries.get(&key).unwrap();
        assert!(kept.gzip.as_ref().is_some_and(|gz| gz.len() < body.len()));
        // From now on a hit only reads the entry: the counter stays where it is.
        let counted = kept.gzip_requests.load(Ordering::Relaxed);
        for _ in 0..3 {
            let hit = serve(&cache, key, Arc::clone(&kept), true, None).unwrap();
            assert_eq!(encoding(&hit).unwrap(), "gzip");
        }
        assert_eq!(kept.gzip_requests.load(Ordering::Relaxed), counted);
        // A client that does not accept gzip still gets the plain body.
        let plain = serve(&cache, key, kept, false, None).unwrap();
        assert_eq!(encoding(&plain), None);
        assert_eq!(plain.headers()[header::ETAG], "\"e\"");
    }

    #[test]
    fn small_bodies_are_kept_compressed_and_come_back_whole() {
        let body = small_body();
        assert!(body.len() < GZIP_ON_MISS_BYTES);
        let kept = Kept::new(body.clone());
        assert!(matches!(kept, Kept::Lz4 { .. }));
        assert!(kept.held() * 5 < body.len(), "{} of {} bytes held", kept.held(), body.len());
        assert_eq!((kept.len(), kept.body()), (body.len(), Some(body)));

        // Large bodies are kept compressed too and come back whole; bodies LZ4 cannot
        // shrink are kept as they are.
        let large = Bytes::from(format!(r#"{{"items":[{}]}}"#, vec![ITEM; 500].join(",")));
        assert!(large.len() > 8 * GZIP_ON_MISS_BYTES);
        let kept_large = Kept::new(large.clone());
        assert!(matches!(kept_large, Kept::Lz4 { .. }));
        assert!(kept_large.held() * 5 < large.len());
        assert_eq!(kept_large.body(), Some(large));
        let noise: Vec<u8> =
            (0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        assert!(matches!(Kept::new(Bytes::from(noise.clone())), Kept::Plain(b) if b == noise));

        // A body that does not decompress to its length is refused, not served.
        let Kept::Lz4 { packed, len } = kept else { unreachable!() };
        assert_eq!(Kept::Lz4 { packed: packed.clone(), len: len + 1 }.body(), None);
        assert_eq!(Kept::Lz4 { packed: packed.slice(..packed.len() / 2), len }.body(), None);
    }
}
