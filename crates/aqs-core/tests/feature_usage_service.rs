//! The feature usage service over the reference store: ingest reports, the new-row limit,
//! retention, pruning and the suggested range, with a clock the test moves.
#![cfg(feature = "testsuite")]

use aqs_core::feature_usage::Refusal;
use aqs_core::feature_usage::service::{FeatureUsage, Settings};
use aqs_core::feature_usage::timestamp::{iso_8601, parse};
use aqs_core::memory::MemoryCounters;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// A service whose clock reads `clock` (milliseconds).
fn service(settings: Settings) -> (FeatureUsage, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(parse("2024-07-26T12:00:00Z", 0).unwrap() * 1000));
    let now = Arc::clone(&clock);
    let store = Arc::new(MemoryCounters::new());
    let svc =
        FeatureUsage::with_clock(store, settings, Box::new(move || now.load(Ordering::SeqCst)));
    (svc, clock)
}

fn line(feature: &str, agent: &str, ip: &str, ts: &str) -> String {
    serde_json::json!({"feature": feature, "agent": agent, "ip": ip, "timestamp": ts}).to_string()
}

#[test]
fn an_ingest_counts_events_and_reports_refusals_with_their_lines() {
    let (svc, _) = service(Settings::default());
    let body = [
        line("f", "Bot/1", "192.0.2.1", "20240726100000"),
        String::new(),
        r#"{"feature":"","agent":"Bot/1"}"#.to_string(),
        line("f", "Bot/1", "192.0.2.1", "2024-07-26T11:00:00Z"),
        "garbage".to_string(),
        line("g", "Bot/1", "192.0.2.1", "20200101000000"),
        line("g", "Bot/2", "", "20240725235959"),
    ]
    .join("\n");
    let report = svc.ingest(&body).unwrap();
    assert_eq!((report.events, report.counted, report.new_rows), (6, 3, 2));
    assert_eq!(
        report.refused,
        [(Refusal::BadJson, 1), (Refusal::EmptyFeature, 1), (Refusal::Expired, 1)]
    );
    assert_eq!(
        report.examples,
        [(3, Refusal::EmptyFeature), (5, Refusal::BadJson), (6, Refusal::Expired)]
    );
    let now = svc.now();
    let rows = svc.usage("Bot", now - 2 * 86_400, now, None).unwrap();
    let got: Vec<(String, String, u64)> =
        rows.into_iter().map(|r| (r.day.to_string(), r.feature, r.count)).collect();
    assert_eq!(got, [("2024-07-25".into(), "g".into(), 1), ("2024-07-26".into(), "f".into(), 2)]);
    assert_eq!(svc.stats.counted.load(Ordering::Relaxed), 3);
    assert_eq!(svc.stats.refused[Refusal::Expired as usize].load(Ordering::Relaxed), 1);
}

#[test]
fn a_flood_of_new_agents_from_one_ip_is_cut_at_the_limit_per_window() {
    let settings = Settings { new_rows_per_ip: 30, window_seconds: 60, ..Settings::default() };
    let (svc, clock) = service(settings);
    let flood: Vec<String> =
        (0..100).map(|i| line("f", &format!("Fake/{i:03}"), "198.51.100.7", "now")).collect();
    let report = svc.ingest(&flood.join("\n")).unwrap();
    assert_eq!((report.counted, report.new_rows), (30, 30));
    assert_eq!(report.refused, [(Refusal::NewRowLimit, 70)]);
    // Counts on rows that exist are never refused, and other IPs have their own limit.
    let more: Vec<String> = (0..100)
        .map(|i| line("f", &format!("Fake/{:03}", i % 30), "198.51.100.7", "now"))
        .chain([line("f", "Real/1", "198.51.100.8", "now")])
        .collect();
    let report = svc.ingest(&more.join("\n")).unwrap();
    assert_eq!((report.counted, report.new_rows, report.refused_total()), (101, 1, 0));
    // A minute later the IP may create rows again.
    clock.fetch_add(60_000, Ordering::SeqCst);
    let report = svc.ingest(&line("f", "Fake/new", "198.51.100.7", "now")).unwrap();
    assert_eq!(report.new_rows, 1);
    assert_eq!(svc.rows().unwrap(), 32);
}

#[test]
fn retention_prunes_on_writes_and_hides_old_days_from_reads() {
    let settings = Settings { retention_days: 2, prune_per_write: 1, ..Settings::default() };
    let (svc, clock) = service(settings);
    let body: Vec<String> = ["20240724", "20240725", "20240726"]
        .iter()
        .flat_map(|d| ["A", "B"].map(|a| line("f", a, "", &format!("{d}120000"))))
        .collect();
    assert_eq!(svc.ingest(&body.join("\n")).unwrap().counted, 6);
    let (start, end) = svc.suggested_range().unwrap();
    assert_eq!(
        (iso_8601(start), iso_8601(end)),
        ("2024-07-24T00:00:00Z".into(), "2024-07-26T12:00:00Z".into())
    );
    // A day later 07-24 is past the retention: no longer answered, pruned a row per write.
    clock.fetch_add(86_400_000, Ordering::SeqCst);
    let now = svc.now();
    assert_eq!(svc.usage("A", now - 10 * 86_400, now, None).unwrap().len(), 2, "07-25 and 07-26");
    assert_eq!(svc.rows().unwrap(), 6, "reads never prune");
    assert_eq!(svc.ingest("").unwrap().pruned, 1);
    assert_eq!(svc.ingest("").unwrap().pruned, 1);
    assert_eq!(svc.ingest("").unwrap().pruned, 0);
    assert_eq!(svc.rows().unwrap(), 4);
    assert_eq!(iso_8601(svc.suggested_range().unwrap().0), "2024-07-25T00:00:00Z");
}

#[test]
fn the_suggested_range_of_an_empty_store_is_today() {
    let (svc, _) = service(Settings::default());
    let (start, end) = svc.suggested_range().unwrap();
    assert_eq!(
        (iso_8601(start), iso_8601(end)),
        ("2024-07-26T00:00:00Z".into(), "2024-07-26T12:00:00Z".into())
    );
}

#[test]
fn a_query_agent_longer_than_the_stored_agents_matches_their_cut() {
    let (svc, _) = service(Settings::default());
    let long = format!("Bot/{}", "x".repeat(400));
    svc.ingest(&line("f", &long, "", "now")).unwrap();
    let now = svc.now();
    assert_eq!(svc.usage(&long, now, now, None).unwrap()[0].count, 1);
}

#[test]
fn a_replayed_log_is_limited_by_when_its_events_happened() {
    let (svc, _) = service(Settings::default());
    // One IP, a new agent every 10 s over an hour: 6 new rows a minute, under the limit.
    let lines: Vec<String> = (0..360)
        .map(|i| {
            let at = parse("2024-07-26T10:00:00Z", 0).unwrap() + i * 10;
            line("f", &format!("Agent/{i:03}"), "198.51.100.9", &at.to_string())
        })
        .collect();
    let report = svc.ingest(&lines.join("\n")).unwrap();
    assert_eq!((report.counted, report.refused_total()), (360, 0));
}

/// The reference store, counting its writes and taking its time over each, so that ingests
/// arriving meanwhile wait and are written together; with `fail`, every write fails.
struct SlowStore {
    inner: MemoryCounters,
    writes: std::sync::atomic::AtomicUsize,
    fail: bool,
}

impl aqs_core::feature_usage::FeatureUsageStore for SlowStore {
    fn record(
        &self,
        batch: &aqs_core::feature_usage::CountBatch,
        admit: &mut aqs_core::feature_usage::Admit<'_>,
        prune: aqs_core::feature_usage::Prune,
    ) -> aqs_core::error::StoreResult<aqs_core::feature_usage::Recorded> {
        self.inner.record(batch, admit, prune)
    }

    fn record_all(
        &self,
        batches: &[aqs_core::feature_usage::CountBatch],
        admit: &mut aqs_core::feature_usage::Admit<'_>,
        prune: aqs_core::feature_usage::Prune,
    ) -> aqs_core::error::StoreResult<Vec<aqs_core::feature_usage::Recorded>> {
        self.writes.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(std::time::Duration::from_millis(20));
        if self.fail {
            return Err(aqs_core::error::StoreError::Engine("the disk is full".into()));
        }
        batches.iter().map(|b| self.inner.record(b, admit, prune)).collect()
    }

    fn usage(
        &self,
        query: &aqs_core::feature_usage::UsageQuery,
    ) -> aqs_core::error::StoreResult<Vec<aqs_core::feature_usage::UsageRow>> {
        self.inner.usage(query)
    }

    fn earliest_day(
        &self,
        from: aqs_core::dates::Day,
    ) -> aqs_core::error::StoreResult<Option<aqs_core::dates::Day>> {
        self.inner.earliest_day(from)
    }

    fn row_count(&self) -> aqs_core::error::StoreResult<u64> {
        self.inner.row_count()
    }
}

fn slow_service(fail: bool) -> (Arc<SlowStore>, Arc<FeatureUsage>, i64) {
    let inner = MemoryCounters::new();
    let store = Arc::new(SlowStore { inner, writes: Default::default(), fail });
    let now = parse("2024-07-26T12:00:00Z", 0).unwrap() * 1000;
    let svc = Arc::new(FeatureUsage::with_clock(
        Arc::clone(&store) as Arc<dyn aqs_core::feature_usage::FeatureUsageStore>,
        Settings::default(),
        Box::new(move || now),
    ));
    (store, svc, now)
}

#[test]
fn a_failed_shared_write_fails_every_ingest_in_it() {
    let (store, svc, _) = slow_service(true);
    let threads: Vec<_> = (0..8)
        .map(|i| {
            let svc = Arc::clone(&svc);
            std::thread::spawn(move || {
                svc.ingest(&line("f", &format!("Bot/{i}"), "", "20240726100000"))
            })
        })
        .collect();
    for thread in threads {
        let error = thread.join().unwrap().unwrap_err();
        assert!(error.to_string().contains("the disk is full"), "{error}");
    }
    assert!(store.writes.load(Ordering::SeqCst) <= 8);
    assert_eq!(svc.stats.counted.load(Ordering::Relaxed), 0);
}

#[test]
fn concurrent_ingests_share_writes_and_each_gets_its_own_numbers() {
    let (store, svc, now) = slow_service(false);
    let clients = 16;
    let threads: Vec<_> = (0..clients)
        .map(|i| {
            let svc = Arc::clone(&svc);
            std::thread::spawn(move || {
                // Client i sends i + 1 events of its own agent and one bad line.
                let mut body: Vec<String> =
                    (0..=i).map(|_| line("f", &format!("Bot/{i}"), "", "20240726100000")).collect();
                body.push("garbage".into());
                (i, svc.ingest(&body.join("\n")).unwrap())
            })
        })
        .collect();
    for thread in threads {
        let (i, report) = thread.join().unwrap();
        assert_eq!((report.counted, report.new_rows), (i as u64 + 1, 1), "client {i}");
        assert_eq!(report.refused, [(Refusal::BadJson, 1)], "client {i}");
    }
    let writes = store.writes.load(Ordering::SeqCst);
    assert!(writes < clients, "{clients} ingests took {writes} writes: none shared");
    let rows = svc.usage("Bot/", now / 1000 - 86_400, now / 1000, None).unwrap();
    assert_eq!(rows[0].count, (1..=clients as u64).sum::<u64>());
}
