//! The AQS REST API: [`router`] builds the axum router over the store read traits, and [`run`]
//! serves it until a shutdown signal.
//!
//! Every route is served under `/metrics/...` and `/api/rest_v1/metrics/...`. Handlers read as
//! three steps: validate (raw segments → a typed request from `aqs-core`), query (the read
//! trait, on the blocking pool), respond (the wire types of the family module). Errors of every
//! kind, route-level 404s included, get the AQS 1.0 problem body ([`error`]); every response
//! gets the headers of the original ([`headers`]).

pub mod admin;
pub mod cache;
mod editors_by_country;
pub mod error;
pub mod ext;
mod extract;
pub mod feature_usage;
pub mod headers;
mod history;
mod items;
mod knowledge_gap;
mod legacy_pagecounts;
pub mod lists;
mod mediarequests;
pub mod metrics;
pub mod observe;
pub mod openapi;
pub mod ops;
mod pageviews;
pub mod pipeline;
pub mod routes;
pub mod service;
mod store_call;
pub mod throttle;
pub mod ui;
mod unique_devices;

use aqs_core::pageviews::PageviewsRead;
use aqs_core::table::{Dataset, ReadStore, TableRead};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use error::ApiError;

/// The router type, for the binary (which does not depend on axum itself).
pub mod axum_router {
    pub use axum::Router;
}
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

pub use lists::Lists;
pub use ops::{Ops, ServeOptions};
pub use throttle::{ThrottleConfig, ThrottleMode};

/// What handlers share: one `Arc`, so that the state every layer and handler clones per
/// request costs one reference count (cloning its four `Arc`s one by one showed up in profiles).
#[derive(Clone)]
pub struct AppState {
    inner: Arc<SharedState>,
}

/// The fields of [`AppState`] (reached through `Deref`).
#[derive(Clone)]
pub struct SharedState {
    /// The store's pageviews, seen through the operator's lists ([`lists::Filtered`]).
    pub pageviews: Arc<dyn PageviewsRead>,
    /// The store's tables of the other families (`aqs_core::table`).
    pub tables: Arc<dyn TableRead>,
    pub store_calls: StoreCalls,
    /// The response cache, if any.
    pub cache: Option<Arc<cache::ResponseCache>>,
    /// Throttle, store gate, metrics, lists and the settings they come from.
    pub ops: Arc<Ops>,
    /// API feature usage, when the server counts it (`feature_usage`).
    pub feature_usage: Option<feature_usage::Serving>,
    summary: Arc<service::StoreSummary>,
}

impl std::ops::Deref for AppState {
    type Target = SharedState;

    fn deref(&self) -> &SharedState {
        &self.inner
    }
}

impl AppState {
    /// A state with the library's defaults: no cache, no throttling, no lists.
    pub fn new(store: Arc<dyn ReadStore>, store_calls: StoreCalls) -> AppState {
        AppState::with_options(store, store_calls, ServeOptions::default(), Arc::default())
    }

    /// A state with production settings and live lists.
    pub fn with_options(
        store: Arc<dyn ReadStore>,
        store_calls: StoreCalls,
        options: ServeOptions,
        lists: Arc<Lists>,
    ) -> AppState {
        let tables: Arc<dyn TableRead> = store.clone();
        let pageviews = Arc::new(lists::Filtered { inner: store, lists: Arc::clone(&lists) });
        let shared = SharedState {
            pageviews,
            tables,
            store_calls,
            cache: None,
            ops: Arc::new(Ops::new(options, lists)),
            feature_usage: None,
            summary: Arc::default(),
        };
        AppState { inner: Arc::new(shared) }
    }

    /// The generation of a dataset's answers: the store's, with the operator's lists folded
    /// in for pageviews (a list change must drop cached pageviews answers).
    pub fn generation(&self, dataset: Dataset) -> Result<u64, aqs_core::StoreError> {
        match dataset {
            Dataset::Pageviews => self.pageviews.generation(),
            other => self.tables.dataset_generation(other),
        }
    }

    /// Serves API feature usage from `service` (`POST /feature-usage/events` too when
    /// `ingest_on_serving_port`).
    pub fn with_feature_usage(
        mut self,
        service: Arc<aqs_core::feature_usage::service::FeatureUsage>,
        ingest_on_serving_port: bool,
    ) -> AppState {
        Arc::make_mut(&mut self.inner).feature_usage =
            Some(feature_usage::Serving { service, ingest_on_serving_port });
        self
    }

    /// Adds a response cache.
    pub fn with_cache(mut self, cache: Arc<cache::ResponseCache>) -> AppState {
        Arc::make_mut(&mut self.inner).cache = Some(cache);
        self
    }
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

/// The whole API, with the server's own routes (`/healthz`, `/metrics`, `/`,
/// `/openapi.json`). Every request goes through one layer, [`pipeline`]: observation (request
/// id, metrics, access log), `OPTIONS`, throttling, the response cache, the request timeout,
/// problem bodies, 304s, compression and the common headers.
pub fn router(state: AppState) -> Router {
    use axum::routing::get;
    Router::new()
        .merge(feature_usage::routes(&state))
        .merge(ext::routes())
        .merge(ui::routes())
        .route("/healthz", get(service::healthz))
        .route("/metrics", get(service::metrics))
        .route("/openapi.json", get(service::openapi))
        .route("/", get(service::docs))
        .route("/docs", get(service::docs))
        .fallback(dispatch)
        .method_not_allowed_fallback(error::route_not_found)
        .layer(from_fn_with_state(state.clone(), pipeline::pipeline))
        .with_state(state)
}

/// Every path that is not one of the server's own routes: the API's routes, found by the
/// pipeline ([`routes::route_of`], from the path's fixed part), for `GET` and `HEAD`; anything
/// else is the route-not-found 404. Routing here instead of in axum spares each request axum's
/// decoding and storing of path parameters, which the handlers' [`extract::PathParams`] redo
/// from the raw path anyway.
async fn dispatch(State(state): State<AppState>, request: Request) -> Response {
    let method = request.method();
    if method != Method::GET && method != Method::HEAD {
        return ApiError::RouteNotFound.into_response();
    }
    let route = match request.extensions().get::<routes::MatchedRoute>() {
        Some(&routes::MatchedRoute(route)) => Some(route),
        None => routes::route_of(request.uri().path()),
    };
    match route {
        Some(route) if ext::filled::strip(request.uri().path()).is_some() => {
            ext::filled::run(route, request, state).await
        }
        Some(route) => (route.handler)(request, state).await,
        None => ApiError::RouteNotFound.into_response(),
    }
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
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
