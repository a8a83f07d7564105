//! Rate limits per (client IP, route, second), as the original's public gateway applied them
//! (api-contract §1.9): a token bucket (GCRA, from `governor`) per route and client, whose
//! size and refill are the route's per-second limit. Over it, a request gets the 429
//! `request_rate_exceeded` problem and `retry-after`, or, in log-only mode, is logged, counted
//! and served.
//!
//! The client is the TCP peer, or, when the peer is a trusted proxy, the last address of
//! `X-Forwarded-For` that is not one. Buckets live in a bounded cache per route
//! ([`BoundedBuckets`]): a flood of distinct addresses evicts cold buckets instead of growing
//! memory; an evicted client starts again with a full bucket.

use crate::AppState;
use crate::error::ApiError;
use crate::routes::default_limit;
use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::nanos::Nanos;
use governor::state::StateStore;
use governor::{Quota, RateLimiter};
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// What happens to a request over its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThrottleMode {
    /// No limits are checked.
    Off,
    /// Over-limit requests are logged and counted, and served.
    LogOnly,
    /// Over-limit requests get a 429.
    Enforce,
}

impl ThrottleMode {
    pub fn parse(text: &str) -> Option<ThrottleMode> {
        match text {
            "off" => Some(ThrottleMode::Off),
            "log-only" => Some(ThrottleMode::LogOnly),
            "enforce" => Some(ThrottleMode::Enforce),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ThrottleMode::Off => "off",
            ThrottleMode::LogOnly => "log-only",
            ThrottleMode::Enforce => "enforce",
        }
    }
}

/// Throttling settings.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    pub mode: ThrottleMode,
    /// Limits replacing the defaults: (route name or a prefix of names, requests per second).
    /// The longest matching prefix wins.
    pub limits: Vec<(String, u32)>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
    /// The most clients tracked per route.
    pub max_clients: usize,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        ThrottleConfig {
            mode: ThrottleMode::Enforce,
            limits: Vec::new(),
            trusted_proxies: Vec::new(),
            max_clients: 100_000,
        }
    }
}

impl ThrottleConfig {
    /// The per-second limit of a route name, with the overrides applied.
    pub fn limit(&self, name: &str) -> u32 {
        self.limits
            .iter()
            .filter(|(prefix, _)| name.starts_with(prefix.as_str()))
            .max_by_key(|(prefix, _)| prefix.len())
            .map_or_else(|| default_limit(name), |&(_, limit)| limit)
    }

    /// Parses a `--rate-limit ROUTE=N` value.
    pub fn parse_limit(text: &str) -> Result<(String, u32), String> {
        let (route, n) = text
            .split_once('=')
            .ok_or_else(|| format!("{text:?}: expected ROUTE=N, e.g. pageviews/per-article=200"))?;
        let n: u32 = n
            .parse()
            .map_err(|_| format!("{text:?}: the limit must be a whole number of requests/s"))?;
        if n == 0 {
            return Err(format!("{text:?}: the limit must be at least 1"));
        }
        Ok((route.to_string(), n))
    }
}

/// Buckets of one route: the GCRA state (a "theoretical arrival time") of each client, in a
/// cache of bounded size.
#[derive(Clone)]
pub struct BoundedBuckets {
    cells: Arc<quick_cache::sync::Cache<IpAddr, Arc<AtomicU64>>>,
}

/// A cell that has never been measured.
const UNSET: u64 = u64::MAX;

impl BoundedBuckets {
    fn new(max_clients: usize) -> BoundedBuckets {
        BoundedBuckets { cells: Arc::new(quick_cache::sync::Cache::new(max_clients.max(16))) }
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

impl StateStore for BoundedBuckets {
    type Key = IpAddr;

    fn measure_and_replace<T, F, E>(&self, key: &IpAddr, f: F) -> Result<T, E>
    where
        F: Fn(Option<Nanos>) -> Result<(T, Nanos), E>,
    {
        let cell = match self.cells.get(key) {
            Some(cell) => cell,
            None => {
                let cell = Arc::new(AtomicU64::new(UNSET));
                self.cells.insert(*key, Arc::clone(&cell));
                cell
            }
        };
        let mut current = cell.load(Ordering::Acquire);
        loop {
            let previous = (current != UNSET).then(|| Nanos::from(current));
            let (outcome, next) = f(previous)?;
            match cell.compare_exchange_weak(
                current,
                next.as_u64(),
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => return Ok(outcome),
                Err(actual) => current = actual,
            }
        }
    }
}

type Limiter = RateLimiter<IpAddr, BoundedBuckets, DefaultClock>;

/// The limiters of a server: one per route, and one for every other path.
pub struct Throttle {
    config: ThrottleConfig,
    clock: DefaultClock,
    routes: HashMap<&'static str, Bucketed>,
    other: Bucketed,
}

/// A route's limiter, and a handle on the limiter's buckets.
struct Bucketed {
    limiter: Limiter,
    buckets: BoundedBuckets,
}

/// The route name paths outside the API are counted under.
pub const OTHER: &str = "other";

impl Throttle {
    pub fn new(config: ThrottleConfig) -> Throttle {
        let clock = DefaultClock::default();
        let limiter = |limit: u32| {
            let per_second = NonZeroU32::new(limit.max(1)).unwrap_or(NonZeroU32::MIN);
            let buckets = BoundedBuckets::new(config.max_clients);
            let limiter =
                RateLimiter::new(Quota::per_second(per_second), buckets.clone(), clock.clone());
            Bucketed { limiter, buckets }
        };
        let names =
            crate::routes::all().map(|r| r.name).chain(crate::ext::ROUTE_NAMES.iter().copied());
        let routes = names.map(|name| (name, limiter(config.limit(name)))).collect();
        let other = limiter(config.limit(OTHER));
        Throttle { config, clock, routes, other }
    }

    pub fn mode(&self) -> ThrottleMode {
        self.config.mode
    }

    /// The client a request is counted against.
    pub fn client_ip(&self, peer: Option<IpAddr>, headers: &HeaderMap) -> IpAddr {
        client_ip(peer, headers, &self.config.trusted_proxies)
    }

    /// Takes a token for `client` on `route`; `Err(seconds to wait)` when there is none.
    pub fn check(&self, route: &str, client: IpAddr) -> Result<(), u64> {
        let bucketed = self.routes.get(route).unwrap_or(&self.other);
        bucketed.limiter.check_key(&client).map_err(|not_until| {
            // Whole seconds, rounded up: `retry-after` has no fractions.
            let wait = not_until.wait_time_from(self.clock.now());
            (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
        })
    }

    /// Clients tracked now, over every route.
    pub fn tracked_clients(&self) -> usize {
        self.routes.values().map(|b| b.buckets.len()).sum::<usize>() + self.other.buckets.len()
    }
}

/// The client address of a request: the peer, unless the peer is a trusted proxy and the
/// request carries `X-Forwarded-For`, whose entries are then read from the right, skipping
/// trusted proxies; the first other address is the client.
pub fn client_ip(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    let mut client = peer;
    for value in headers.get_all("x-forwarded-for").iter().rev() {
        let Ok(text) = value.to_str() else { return client };
        for entry in text.rsplit(',') {
            let Ok(ip) = entry.trim().parse::<IpAddr>() else { return client };
            client = ip;
            if !is_trusted(&ip) {
                return ip;
            }
        }
    }
    client
}

/// Who asked and for which route, found once per request ([`crate::observe::Observation`]).
#[derive(Debug, Clone, Copy)]
pub struct Caller {
    pub ip: IpAddr,
    /// The route name, or the label of a path outside the API (`healthz`, `other`, ...).
    pub route: &'static str,
}

/// The peer address of a request, when the server was started with connection info.
pub fn peer_ip(request: &Request) -> Option<IpAddr> {
    request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
}

/// The rate limit of the caller's route: the 429 (its problem body still to be written) when
/// the caller is over it and limits are enforced; `None` when the request may go on.
pub fn refusal(state: &AppState, caller: Caller) -> Option<Response> {
    let throttle = state.ops.throttle.as_ref()?;
    let Caller { ip, route } = caller;
    if route == crate::feature_usage::EVENTS {
        return None;
    }
    let Err(wait) = throttle.check(route, ip) else { return None };
    state.ops.metrics.throttled(route, throttle.mode());
    if throttle.mode() == ThrottleMode::LogOnly {
        tracing::info!(route, client = %ip, "request over its rate limit (log-only)");
        return None;
    }
    let mut response = ApiError::RateLimited.into_response();
    response
        .headers_mut()
        .insert("retry-after", HeaderValue::from_str(&wait.to_string()).unwrap_or(ONE));
    Some(response)
}

const ONE: HeaderValue = HeaderValue::from_static("1");

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in xff {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        let h = headers(&["203.0.113.9, 198.51.100.7"]);
        assert_eq!(client_ip(Some(stranger), &h, &trusted), stranger);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        // A chain of trusted proxies is skipped; a spoofed left part is never reached.
        let h = headers(&["6.6.6.6, 198.51.100.7, 10.9.9.9"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        // Several header lines read as one list.
        let h = headers(&["198.51.100.7", "10.9.9.9"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), "198.51.100.7".parse::<IpAddr>().unwrap());
        // Garbage stops the walk at the last good address.
        let h = headers(&["nonsense, 10.9.9.9"]);
        assert_eq!(client_ip(Some(proxy), &h, &trusted), "10.9.9.9".parse::<IpAddr>().unwrap());
        assert_eq!(client_ip(Some(proxy), &HeaderMap::new(), &trusted), proxy);
    }

    #[test]
    fn limits_take_the_longest_override() {
        let config = ThrottleConfig {
            limits: vec![("pageviews".into(), 50), ("pageviews/top".into(), 7)],
            ..ThrottleConfig::default()
        };
        assert_eq!(config.limit("pageviews/top"), 7);
        assert_eq!(config.limit("pageviews/per-article"), 50);
        assert_eq!(config.limit("edits/per-page"), 5);
        assert!(ThrottleConfig::parse_limit("pageviews=0").is_err());
        assert!(ThrottleConfig::parse_limit("pageviews").is_err());
        assert_eq!(ThrottleConfig::parse_limit("a/b=3").unwrap(), ("a/b".to_string(), 3));
    }

    #[test]
    fn a_bucket_holds_one_second_of_requests_per_client() {
        let throttle = Throttle::new(ThrottleConfig {
            limits: vec![("pageviews/top".into(), 3)],
            ..ThrottleConfig::default()
        });
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(throttle.check("pageviews/top", a).is_ok());
        }
        assert_eq!(throttle.check("pageviews/top", a), Err(1));
        assert!(throttle.check("pageviews/top", b).is_ok(), "another client has its own bucket");
        assert!(throttle.check("pageviews/per-article", a).is_ok(), "another route too");
    }

    #[test]
    fn a_flood_of_distinct_clients_stays_bounded() {
        let throttle =
            Throttle::new(ThrottleConfig { max_clients: 1000, ..ThrottleConfig::default() });
        for i in 0..200_000u32 {
            let ip = IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + i));
            let _ = throttle.check("pageviews/top", ip);
        }
        let tracked = throttle.tracked_clients();
        assert!(tracked <= 1100, "{tracked} clients tracked");
        assert!(tracked >= 500, "{tracked} clients tracked");
    }
}
