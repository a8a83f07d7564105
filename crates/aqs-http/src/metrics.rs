//! The server's metrics, served at `/metrics` in the Prometheus (OpenMetrics) text format:
//! requests by route and status, request latency by route, throttled and shed requests, store
//! read latency, cache hits, and what the store holds.

use crate::throttle::ThrottleMode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::{Family, MetricConstructor};
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: &'static str,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ThrottleLabels {
    route: &'static str,
    mode: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ReasonLabels {
    reason: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone)]
struct LatencyBuckets;

impl MetricConstructor<Histogram> for LatencyBuckets {
    fn new_metric(&self) -> Histogram {
        latency_histogram()
    }
}

/// 50 µs to about 13 s, doubling.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.000_05, 2.0, 19))
}

/// Why a request was shed.
#[derive(Debug, Clone, Copy)]
pub enum Shed {
    /// The queue for store reads was full.
    QueueFull,
    /// The request ran past the per-request timeout.
    Timeout,
}

/// Every metric of a server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, LatencyBuckets>,
    throttled: Family<ThrottleLabels, Counter>,
    shed: Family<ReasonLabels, Counter>,
    store_reads: Histogram,
    cache: Family<OutcomeLabels, Counter>,
    generation_changes: Counter,
    last_generation: AtomicU64,
    days_loaded: Gauge,
    last_day: Gauge,
    disallowed: Gauge,
    history_snapshot: Gauge,
    feature_usage: FeatureUsageMetrics,
}

/// The counters of API feature usage, copied from the service's totals at scrape time.
#[derive(Default)]
struct FeatureUsageMetrics {
    events: Family<OutcomeLabels, Counter>,
    new_rows: Counter,
    pruned: Counter,
    rows: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("aqs");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by route and status",
            requests.clone(),
        );
        let latency = Family::new_with_constructor(LatencyBuckets);
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer's headers, by route",
            latency.clone(),
        );
        let throttled = Family::<ThrottleLabels, Counter>::default();
        registry.register(
            "throttled_requests",
            "Requests over their rate limit, by route and throttling mode",
            throttled.clone(),
        );
        let shed = Family::<ReasonLabels, Counter>::default();
        registry.register(
            "shed_requests",
            "Requests answered 503 at once: queue_full (too many store reads waiting) or timeout",
            shed.clone(),
        );
        let store_reads = latency_histogram();
        registry.register(
            "store_read_duration_seconds",
            "Time of one store read, waiting for a slot included",
            store_reads.clone(),
        );
        let cache = Family::<OutcomeLabels, Counter>::default();
        registry.register(
            "response_cache_lookups",
            "Response cache lookups, by outcome (hit or miss)",
            cache.clone(),
        );
        let generation_changes = Counter::default();
        registry.register(
            "store_generation_changes",
            "Changes of the served data seen by this server (a load, an import, a list change)",
            generation_changes.clone(),
        );
        let days_loaded = Gauge::default();
        registry.register(
            "pageviews_per_article_days",
            "Days of per-article pageviews the store holds",
            days_loaded.clone(),
        );
        let last_day = Gauge::default();
        registry.register(
            "pageviews_per_article_last_day_timestamp_seconds",
            "Start of the newest day of per-article pageviews, as a Unix time",
            last_day.clone(),
        );
        let disallowed = Gauge::default();
        registry.register(
            "disallowed_articles",
            "Articles on the disallowed list",
            disallowed.clone(),
        );
        let history_snapshot = Gauge::default();
        registry.register(
            "mediawiki_history_active_snapshot",
            "The MediaWiki history snapshot served, as YYYYMM (0: none active)",
            history_snapshot.clone(),
        );
        let feature_usage = FeatureUsageMetrics::default();
        registry.register(
            "feature_usage_events",
            "API feature usage events ingested, by outcome: counted, or the reason they were refused",
            feature_usage.events.clone(),
        );
        registry.register(
            "feature_usage_new_rows",
            "API feature usage rows created",
            feature_usage.new_rows.clone(),
        );
        registry.register(
            "feature_usage_pruned_rows",
            "API feature usage rows removed as past the retention",
            feature_usage.pruned.clone(),
        );
        registry.register(
            "feature_usage_rows",
            "API feature usage rows stored",
            feature_usage.rows.clone(),
        );
        Metrics {
            feature_usage,
            registry,
            requests,
            latency,
            throttled,
            shed,
            store_reads,
            cache,
            generation_changes,
            last_generation: AtomicU64::new(u64::MAX),
            days_loaded,
            last_day,
            disallowed,
            history_snapshot,
        }
    }

    pub fn request(&self, route: &'static str, status: u16, elapsed: Duration) {
        self.requests.get_or_create(&RequestLabels { route, status }).inc();
        self.latency.get_or_create(&RouteLabels { route }).observe(elapsed.as_secs_f64());
    }

    pub fn throttled(&self, route: &'static str, mode: ThrottleMode) {
        self.throttled.get_or_create(&ThrottleLabels { route, mode: mode.as_str() }).inc();
    }

    pub fn shed(&self, why: Shed) {
        let reason = match why {
            Shed::QueueFull => "queue_full",
            Shed::Timeout => "timeout",
        };
        self.shed.get_or_create(&ReasonLabels { reason }).inc();
    }

    pub fn store_read(&self, elapsed: Duration) {
        self.store_reads.observe(elapsed.as_secs_f64());
    }

    pub fn cache_lookup(&self, hit: bool) {
        let outcome = if hit { "hit" } else { "miss" };
        self.cache.get_or_create(&OutcomeLabels { outcome }).inc();
    }

    /// Records the feature usage service's totals, at scrape time.
    pub fn feature_usage(
        &self,
        stats: &aqs_core::feature_usage::service::Stats,
        rows: Option<u64>,
    ) {
        use aqs_core::feature_usage::Refusal;
        use std::sync::atomic::Ordering::Relaxed;
        let catch_up = |counter: &Counter, total: u64| {
            counter.inc_by(total.saturating_sub(counter.get()));
        };
        let m = &self.feature_usage;
        // One label at a time: a family's guard holds its lock, which creating the next
        // label's counter needs.
        let outcomes = std::iter::once(("counted", &stats.counted))
            .chain(Refusal::ALL.iter().map(|r| (r.name(), &stats.refused[*r as usize])));
        for (outcome, total) in outcomes {
            catch_up(&m.events.get_or_create(&OutcomeLabels { outcome }), total.load(Relaxed));
        }
        catch_up(&m.new_rows, stats.new_rows.load(Relaxed));
        catch_up(&m.pruned, stats.pruned.load(Relaxed));
        if let Some(rows) = rows {
            m.rows.set(i64::try_from(rows).unwrap_or(i64::MAX));
        }
    }

    /// Records what the store holds, at scrape time.
    pub fn store_state(&self, generation: u64, days: usize, last_day_unix: Option<i64>) {
        use std::sync::atomic::Ordering;
        let before = self.last_generation.swap(generation, Ordering::AcqRel);
        if before != u64::MAX && before != generation {
            self.generation_changes.inc();
        }
        self.days_loaded.set(days as i64);
        if let Some(t) = last_day_unix {
            self.last_day.set(t);
        }
    }

    /// The MediaWiki history snapshot served.
    pub fn history_snapshot(&self, snapshot: Option<aqs_core::dates::YearMonth>) {
        let value = snapshot.map_or(0, |m| i64::from(m.year()) * 100 + i64::from(m.month()));
        self.history_snapshot.set(value);
    }

    pub fn disallowed_count(&self, n: usize) {
        self.disallowed.set(n as i64);
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
