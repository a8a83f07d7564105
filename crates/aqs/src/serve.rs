//! `aqs serve` (and the servers of `demo` and `ceiling`): the server's options from its flags,
//! the store behind the router, and a runtime that drains requests in flight on Ctrl-C or
//! SIGTERM.

use crate::cli::ServingArgs;
use crate::commands::Backend;
use anyhow::{Context, Result, anyhow, bail};
use aqs_core::table::ReadStore;
use aqs_http::axum_router;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The server's production settings from its flags.
fn serve_options(serving: &ServingArgs, backend: &'static str) -> Result<aqs_http::ServeOptions> {
    let mode = aqs_http::ThrottleMode::parse(&serving.rate_limit_mode)
        .ok_or_else(|| anyhow!("unknown --rate-limit-mode {:?}", serving.rate_limit_mode))?;
    let mut limits = Vec::new();
    for text in &serving.rate_limits {
        limits.push(
            aqs_http::ThrottleConfig::parse_limit(text).map_err(|e| anyhow!("--rate-limit {e}"))?,
        );
    }
    let mut trusted_proxies = Vec::new();
    for text in &serving.trusted_proxies {
        let net = match text.parse::<ipnet::IpNet>() {
            Ok(net) => net,
            Err(_) => text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from).map_err(|_| {
                anyhow!("--trusted-proxy {text:?} is not an address or a CIDR block")
            })?,
        };
        trusted_proxies.push(net);
    }
    if serving.max_store_reads == 0 {
        bail!("--max-store-reads must be at least 1");
    }
    if serving.request_timeout_ms == 0 {
        bail!("--request-timeout-ms must be at least 1");
    }
    Ok(aqs_http::ServeOptions {
        throttle: aqs_http::ThrottleConfig {
            mode,
            limits,
            trusted_proxies,
            max_clients: serving.max_tracked_clients,
        },
        max_store_reads: serving.max_store_reads,
        store_queue: serving.store_queue,
        request_timeout: Duration::from_millis(serving.request_timeout_ms),
        access_log: serving.access_log,
        backend,
    })
}

/// Serves the store until Ctrl-C or SIGTERM; prints the address and `examples` once listening.
pub(crate) fn serve(
    backend: Backend,
    default_disallowed: Option<PathBuf>,
    listen: SocketAddr,
    serving: &ServingArgs,
    examples: &[String],
) -> Result<()> {
    let disallowed_file = serving.disallowed.clone().or(default_disallowed);
    let lists = Arc::new(
        aqs_http::Lists::open(disallowed_file, serving.allowlist.clone())
            .context("cannot read the server's lists")?,
    );
    let feature_usage = crate::feature_usage::service(&backend, &serving.feature_usage)?;
    let (store, store_calls, name): (Arc<dyn ReadStore>, _, _) = match backend {
        // LMDB reads are lookups in memory-mapped pages: run them on the async workers.
        Backend::Embedded(store) => (Arc::new(store), aqs_http::StoreCalls::Inline, "embedded"),
        // ClickHouse reads wait on the network: run them on the blocking pool.
        Backend::ClickHouse(store) => {
            (Arc::new(store), aqs_http::StoreCalls::BlockingPool, "clickhouse")
        }
    };
    let options = serve_options(serving, name)?;
    let ingest_listen = serving.feature_usage_listen;
    let mut state =
        aqs_http::AppState::with_options(store, store_calls, options, Arc::clone(&lists))
            .with_feature_usage(Arc::clone(&feature_usage), ingest_listen.is_none());
    if serving.cache_mb > 0 {
        state =
            state.with_cache(Arc::new(aqs_http::cache::ResponseCache::new(serving.cache_mb << 20)));
    }
    let admin = match std::env::var("AQS_ADMIN_TOKEN") {
        Ok(token) if !token.is_empty() => {
            Some((aqs_http::admin::router(lists, &token), serving.admin_listen))
        }
        _ => None,
    };
    let ingest =
        ingest_listen.map(|at| (aqs_http::feature_usage::ingest_router(feature_usage), at));
    // No request outlives its timeout: after that, what is left is connections that never
    // sent one.
    let drain = Duration::from_millis(serving.request_timeout_ms) + Duration::from_secs(1);
    serve_routers(aqs_http::router(state), listen, admin, ingest, examples, drain)
}

/// Serves a router (and the admin router, if any) until Ctrl-C or SIGTERM, with the runtime
/// every server of aqs uses; in-flight requests are drained before it returns.
pub(crate) fn serve_router(
    app: axum_router::Router,
    listen: SocketAddr,
    admin: Option<(axum_router::Router, SocketAddr)>,
    examples: &[String],
) -> Result<()> {
    serve_routers(app, listen, admin, None, examples, DRAIN)
}

/// How long a server without request timeouts drains after Ctrl-C or SIGTERM.
const DRAIN: Duration = Duration::from_secs(10);

/// [`serve_router`], with the feature usage ingest endpoint on an address of its own.
fn serve_routers(
    app: axum_router::Router,
    listen: SocketAddr,
    admin: Option<(axum_router::Router, SocketAddr)>,
    ingest: Option<(axum_router::Router, SocketAddr)>,
    examples: &[String],
    drain: Duration,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let served = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        if admin.is_none() {
            tracing::info!("admin endpoint off: set AQS_ADMIN_TOKEN to turn it on");
        }
        let mut side_tasks = Vec::new();
        let sides = [
            (admin, "admin endpoint", "--admin-listen"),
            (ingest, "feature usage events", "--feature-usage-listen"),
        ];
        for (side, what, flag) in sides {
            let Some((router, at)) = side else { continue };
            let side_listener = tokio::net::TcpListener::bind(at)
                .await
                .with_context(|| format!("cannot listen on {at} ({flag})"))?;
            outln!("{what} on http://{}", side_listener.local_addr()?);
            let mut stopped = stopped.clone();
            side_tasks.push((
                what,
                tokio::spawn(aqs_http::run(side_listener, router, async move {
                    let _ = stopped.wait_for(|s| *s).await;
                })),
            ));
        }
        outln!("listening on http://{address}");
        for example in examples {
            outln!("  http://{address}{example}");
        }
        use std::io::Write;
        std::io::stdout().flush()?;
        let shutdown = async move {
            shutdown_signal().await;
            tracing::info!("shutting down: no new connections, draining requests in flight");
            let _ = stop.send(true);
        };
        // A connection that never sends a request holds a graceful shutdown up for good
        // (hyper waits for its first request): past `drain`, the server stops anyway.
        let mut stopping = stopped.clone();
        let deadline = async move {
            let _ = stopping.wait_for(|s| *s).await;
            tokio::time::sleep(drain).await;
        };
        tokio::select! {
            served = aqs_http::run(listener, app, shutdown) => served.context("server failed")?,
            () = deadline => tracing::warn!(
                "connections still open {} s after the shutdown began: closing them",
                drain.as_secs_f64()
            ),
        }
        for (what, task) in side_tasks {
            let Ok(done) = tokio::time::timeout(drain, task).await else {
                tracing::warn!("{what}: connections still open after the shutdown: closing them");
                continue;
            };
            done.with_context(|| format!("{what} failed"))?
                .with_context(|| format!("{what} failed"))?;
        }
        tracing::info!("stopped");
        Ok(())
    });
    // Store reads on the blocking pool end with their request's timeout; none is waited for
    // longer than the drain.
    runtime.shutdown_timeout(drain);
    served
}

pub(crate) async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
