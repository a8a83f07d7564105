//! The first and last step of the request pipeline ([`crate::pipeline`]): gives every request
//! an id (the client's `x-request-id` if it sent a sane one), echoes it in the answer, counts
//! the request in the metrics, and writes the access log line through `tracing` (target
//! `aqs::access`; JSON with `--log-format json`).

use crate::AppState;
use crate::routes::RouteSpec;
use crate::throttle::{Caller, OTHER, peer_ip};
use axum::extract::Request;
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

pub const REQUEST_ID: &str = "x-request-id";

/// A request id the client sent is kept if it is short printable ASCII.
fn acceptable(id: &HeaderValue) -> bool {
    (1..=128).contains(&id.len()) && id.as_bytes().iter().all(|b| b.is_ascii_graphic())
}

/// A new id: a per-process random prefix and a counter, unique without coordination.
fn new_request_id() -> HeaderValue {
    static PREFIX: OnceLock<u64> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let prefix = *PREFIX.get_or_init(|| {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(std::time::SystemTime::now().elapsed().map_or(0, |d| d.as_nanos()));
        h.write_u32(std::process::id());
        h.finish()
    });
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Formatted into a buffer on the stack: this runs on every request.
    let mut text = [0u8; 21];
    let mut out = &mut text[..];
    let _ = write!(out, "{:08x}-{n:012x}", prefix as u32);
    HeaderValue::from_bytes(&text).unwrap_or(HeaderValue::from_static("unknown"))
}

/// The name a request is counted and logged under: its route's, or the server route's.
pub fn route_label(route: Option<&'static RouteSpec>, path: &str) -> &'static str {
    if let Some(route) = route {
        return route.name;
    }
    if let Some(label) = crate::feature_usage::route_label(path) {
        return label;
    }
    if let Some(label) = crate::ext::route_label(path) {
        return label;
    }
    match path {
        "/healthz" => "healthz",
        "/metrics" => "metrics",
        "/" | "/docs" | "/openapi.json" => "docs",
        _ => OTHER,
    }
}

/// What the pipeline learns of a request when it arrives, and uses again when the answer
/// leaves: its id, who asked for which route, and when.
pub struct Observation {
    started: Instant,
    id: HeaderValue,
    caller: Caller,
    /// Method and path, kept only when the access log is on.
    logged: Option<(Method, String)>,
}

impl Observation {
    /// Starts observing a request: its id (the client's, if sane) and its caller, who asks
    /// for `route` (`None` outside the API).
    pub fn start(
        state: &AppState,
        request: &Request,
        route: Option<&'static RouteSpec>,
    ) -> Observation {
        let started = Instant::now();
        let id = match request.headers().get(REQUEST_ID) {
            Some(id) if acceptable(id) => id.clone(),
            _ => new_request_id(),
        };
        let ip = match &state.ops.throttle {
            Some(throttle) => throttle.client_ip(peer_ip(request), request.headers()),
            None => crate::throttle::client_ip(peer_ip(request), request.headers(), &[]),
        };
        let caller = Caller { ip, route: route_label(route, request.uri().path()) };
        let logged = state
            .ops
            .options
            .access_log
            .then(|| (request.method().clone(), request.uri().path().to_string()));
        Observation { started, id, caller, logged }
    }

    pub fn caller(&self) -> Caller {
        self.caller
    }

    /// Counts the answer in the metrics, writes the access log line and adds the request id.
    pub fn finish(self, state: &AppState, response: &mut Response) {
        let elapsed = self.started.elapsed();
        let status = response.status().as_u16();
        let Caller { ip, route } = self.caller;
        state.ops.metrics.request(route, status, elapsed);
        if let Some((method, path)) = self.logged {
            tracing::info!(
                target: "aqs::access",
                request_id = self.id.to_str().unwrap_or(""),
                client = %ip,
                method = method.as_str(),
                path,
                route,
                status,
                duration_us = elapsed.as_micros() as u64,
            );
        }
        response.headers_mut().insert(REQUEST_ID, self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_client_ids_are_checked() {
        let (a, b) = (new_request_id(), new_request_id());
        assert_ne!(a, b);
        let (a, b) = (a.to_str().unwrap(), b.to_str().unwrap());
        assert_eq!((a.len(), &a[8..9]), (21, "-"));
        assert_eq!(a[..8], b[..8], "one prefix per process");
        let counter = |id: &str| u64::from_str_radix(&id[9..], 16).unwrap();
        assert!(counter(b) > counter(a));
        assert!(acceptable(&HeaderValue::from_static("abc-123")));
        assert!(!acceptable(&HeaderValue::from_static("has space")));
        assert!(!acceptable(&HeaderValue::from_str(&"x".repeat(129)).unwrap()));
    }
}
