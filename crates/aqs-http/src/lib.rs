//! The AQS REST API: [`router`] builds the axum router over the store read traits, and [`run`]
//! serves it until a shutdown signal.
//!
//! Every route is served under `/metrics/...` and `/api/rest_v1/metrics/...`. Handlers read as
//! three steps: validate (raw segments → a typed request from `aqs-core`), query (the read
//! trait, on the blocking pool), respond (the wire types of the family module). Errors of every
//! kind, route-level 404s included, get the AQS 1.0 problem body ([`error`]); every response
//! gets the headers of the original ([`headers`]).

pub mod cache;
pub mod error;
pub mod headers;
mod items;
mod pageviews;

use aqs_core::pageviews::PageviewsRead;
use axum::Router;

/// The router type, for the binary (which does not depend on axum itself).
pub mod axum_router {
    pub use axum::Router;
}
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What handlers share.
#[derive(Clone)]
pub struct AppState {
    pub pageviews: Arc<dyn PageviewsRead>,
    pub store_calls: StoreCalls,
    /// The response cache, if any.
    pub cache: Option<Arc<cache::ResponseCache>>,
}

/// Where handlers run store reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreCalls {
    /// On the async worker itself: for stores whose reads are a few lookups in memory-mapped
    /// pages (the embedded store), where a hop to another thread costs more than the read
    /// (it cost a quarter of the throughput).
    Inline,
    /// On tokio's blocking pool: for stores that wait on disks or networks.
    BlockingPool,
}

/// Prefixes under which every family is served.
pub const PREFIXES: [&str; 2] = ["/metrics", "/api/rest_v1/metrics"];

/// The whole API.
pub fn router(state: AppState) -> Router {
    let mut api = Router::new();
    for prefix in PREFIXES {
        api = api.nest(prefix, pageviews::routes());
    }
    api.fallback(error::route_not_found)
        .method_not_allowed_fallback(error::route_not_found)
        .layer(axum::middleware::from_fn_with_state(state.clone(), cache::cache_responses))
        .with_state(state)
        .layer(axum::middleware::from_fn(error::render_problems))
        .layer(axum::middleware::map_request(headers::answer_options))
        .layer(
            tower_http::compression::CompressionLayer::new()
                .gzip(true)
                .quality(tower_http::CompressionLevel::Fastest)
                .compress_when(cache::CompressUnlessChosen),
        )
        .layer(axum::middleware::map_response(headers::add_common_headers))
}

/// The HTTP ceiling of a machine, for benchmarks: one route answering a fixed ~300-byte JSON
/// body, with nothing else (no store, no middleware).
pub fn ceiling_router() -> Router {
    const BODY: &str = r#"{"items":[{"project":"en.wikipedia","article":"Main_Page","granularity":"daily","timestamp":"2024010100","access":"all-access","agent":"all-agents","views":5000000},{"project":"en.wikipedia","article":"Main_Page","granularity":"daily","timestamp":"2024010200","access":"all-access","agent":"all-agents","views":5100000}]}"#;
    Router::new().fallback(|| async {
        ([(axum::http::header::CONTENT_TYPE, headers::JSON_CONTENT_TYPE)], BODY)
    })
}

/// Serves `router` on `listener` until `shutdown` completes, then drains in-flight requests.
pub async fn run(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router).with_graceful_shutdown(shutdown).await
}
