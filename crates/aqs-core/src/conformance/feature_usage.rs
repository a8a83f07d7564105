//! Conformance of feature usage counters ([`crate::feature_usage::FeatureUsageStore`]): what
//! every backend's counters do.

use crate::dates::Day;
use crate::feature_usage::events::Event;
use crate::feature_usage::{CountBatch, CountKey, FeatureUsageStore, Prune, UsageQuery};
use std::net::IpAddr;

/// Expands to one test per case, each on a fresh store from `$make` (a value that derefs to
/// the store).
#[macro_export]
macro_rules! feature_usage_conformance {
    ($make:expr) => {
        $crate::feature_usage_conformance!(@cases $make;
            counts_add_up_per_day_and_feature_over_agents_with_the_prefix,
            queries_keep_to_their_days_and_features,
            new_rows_need_an_admitted_ip_and_existing_rows_always_count,
            pruning_removes_expired_rows_over_writes_and_no_others,
            batches_written_together_count_as_written_one_after_another,
            long_and_non_ascii_agents_and_features_round_trip);
    };
    (@cases $make:expr; $($case:ident),+) => {
        $(
            #[test]
            fn $case() {
                let store = $make;
                $crate::conformance::feature_usage::$case(&*store);
            }
        )+
    };
}

fn day(d: u8) -> Day {
    Day::from_ymd(2024, 7, d).unwrap()
}

fn ip(last: u8) -> Option<IpAddr> {
    Some(IpAddr::from([192, 0, 2, last]))
}

/// A batch of `(day, agent, feature, ip, hits)`.
fn batch(events: &[(Day, &str, &str, Option<IpAddr>, u64)]) -> CountBatch {
    let mut batch = CountBatch::default();
    for &(day, agent, feature, ip, hits) in events {
        for _ in 0..hits {
            let key = CountKey { day, agent: agent.into(), feature: feature.into() };
            batch.add(Event { key, ip, at: 0 });
        }
    }
    batch
}

fn keep_all() -> Prune {
    Prune { before: Day::from_ymd(1970, 1, 1).unwrap(), limit: 1000 }
}

fn add(store: &dyn FeatureUsageStore, events: &[(Day, &str, &str, Option<IpAddr>, u64)]) {
    let recorded = store.record(&batch(events), &mut |_| true, keep_all()).unwrap();
    assert_eq!(recorded.counted, events.iter().map(|e| e.4).sum::<u64>());
}

fn usage(
    store: &dyn FeatureUsageStore,
    prefix: &str,
    first: Day,
    last: Day,
    features: Option<&[&str]>,
) -> Vec<(String, String, u64)> {
    let features = features.map(|f| f.iter().map(|s| s.to_string()).collect());
    let query = UsageQuery { agent_prefix: prefix.into(), first, last, features };
    let rows = store.usage(&query).unwrap();
    rows.into_iter().map(|r| (r.day.to_string(), r.feature, r.count)).collect()
}

fn rows(expected: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    expected.iter().map(|&(d, f, n)| (d.to_string(), f.to_string(), n)).collect()
}

pub fn counts_add_up_per_day_and_feature_over_agents_with_the_prefix(
    store: &dyn FeatureUsageStore,
) {
    add(
        store,
        &[
            (day(25), "Bot/1.0", "b-feature", ip(1), 3),
            (day(25), "Bot/2.0 (x)", "b-feature", None, 2),
            (day(25), "Botany", "a-feature", ip(2), 1),
            (day(25), "bot/1.0", "b-feature", ip(3), 7),
            (day(26), "Bot/1.0", "b-feature", ip(1), 1),
        ],
    );
    add(store, &[(day(25), "Bot/1.0", "b-feature", ip(9), 10)]);
    assert_eq!(store.row_count().unwrap(), 5);
    let all = usage(store, "Bot", day(1), day(31), None);
    assert_eq!(
        all,
        rows(&[
            ("2024-07-25", "a-feature", 1),
            ("2024-07-25", "b-feature", 15),
            ("2024-07-26", "b-feature", 1)
        ])
    );
    assert_eq!(
        usage(store, "Bot/", day(25), day(25), None),
        rows(&[("2024-07-25", "b-feature", 15)])
    );
    assert_eq!(usage(store, "Bot/1.0", day(25), day(26), None).len(), 2);
    assert_eq!(
        usage(store, "bot", day(25), day(25), None),
        rows(&[("2024-07-25", "b-feature", 7)]),
        "case matters"
    );
    // SQL LIKE's wildcards are plain characters of a prefix.
    assert!(usage(store, "Bot_", day(25), day(25), None).is_empty());
    assert!(usage(store, "B%", day(25), day(25), None).is_empty());
    assert!(usage(store, "Bot/1.0 ", day(25), day(25), None).is_empty());
}

pub fn queries_keep_to_their_days_and_features(store: &dyn FeatureUsageStore) {
    for d in 20..=28 {
        add(store, &[(day(d), "A", "f1", None, u64::from(d)), (day(d), "A", "f2", None, 1)]);
    }
    let got = usage(store, "A", day(22), day(24), Some(&["f1"]));
    assert_eq!(
        got,
        rows(&[("2024-07-22", "f1", 22), ("2024-07-23", "f1", 23), ("2024-07-24", "f1", 24)])
    );
    assert_eq!(usage(store, "A", day(28), day(31), None).len(), 2);
    assert!(usage(store, "A", day(29), day(31), None).is_empty());
    assert!(usage(store, "A", day(24), day(23), None).is_empty(), "an empty range");
    assert!(usage(store, "A", day(20), day(28), Some(&[])).is_empty(), "no features asked");
    assert!(usage(store, "A", day(20), day(28), Some(&["f3"])).is_empty());
    assert_eq!(store.earliest_day(day(1)).unwrap(), Some(day(20)));
    assert_eq!(store.earliest_day(day(23)).unwrap(), Some(day(23)));
    assert_eq!(store.earliest_day(day(29)).unwrap(), None);
}

pub fn new_rows_need_an_admitted_ip_and_existing_rows_always_count(store: &dyn FeatureUsageStore) {
    add(store, &[(day(25), "Old", "f", ip(1), 1)]);
    // IP 1 may create no row; IP 2 may; events without an IP always may.
    let events = [
        (day(25), "Old", "f", ip(1), 4),
        (day(25), "New1", "f", ip(1), 2),
        (day(25), "New2", "f", ip(1), 3),
        (day(25), "New2", "f", ip(2), 5),
        (day(25), "New3", "f", None, 1),
    ];
    let mut asked = Vec::new();
    let mut admit = |group: &crate::feature_usage::events::IpHits| {
        asked.push(group.ip);
        group.ip != self::ip(1)
    };
    let done = store.record(&batch(&events), &mut admit, keep_all()).unwrap();
    assert_eq!((done.counted, done.refused_new_rows, done.new_rows), (4 + 5 + 1, 2 + 3, 2));
    // A new key asks for its IPs in first-seen order until one is admitted; an existing one
    // (Old) never asks.
    assert_eq!(asked, [ip(1), ip(1), ip(2), None]);
    assert_eq!(usage(store, "New2", day(25), day(25), None), rows(&[("2024-07-25", "f", 5)]));
    assert!(usage(store, "New1", day(25), day(25), None).is_empty());
    assert_eq!(usage(store, "Old", day(25), day(25), None), rows(&[("2024-07-25", "f", 5)]));
    assert_eq!(store.row_count().unwrap(), 3);
    // Once created, any IP counts on it.
    let done = store
        .record(&batch(&[(day(25), "New2", "f", ip(1), 1)]), &mut |_| false, keep_all())
        .unwrap();
    assert_eq!((done.counted, done.refused_new_rows, done.new_rows), (1, 0, 0));
}

/// Pruning: every expired row goes within a few writes and no other does; a backend may
/// remove fewer rows per write than there are (the embedded store: at most `limit`, oldest
/// first) or whole days at once (ClickHouse).
pub fn pruning_removes_expired_rows_over_writes_and_no_others(store: &dyn FeatureUsageStore) {
    for d in 1..=5 {
        add(store, &[(day(d), "A", "f", None, 1), (day(d), "B", "f", None, 1)]);
    }
    let prune = Prune { before: day(4), limit: 3 };
    let mut pruned = 0;
    for _ in 0..10 {
        let done = store.record(&batch(&[(day(5), "A", "f", None, 1)]), &mut |_| true, prune);
        pruned += done.unwrap().pruned;
    }
    assert_eq!(pruned, 6);
    assert_eq!(store.row_count().unwrap(), 4);
    assert_eq!(store.earliest_day(day(1)).unwrap(), Some(day(4)));
    let expected = rows(&[("2024-07-04", "f", 1), ("2024-07-05", "f", 11)]);
    assert_eq!(usage(store, "A", day(1), day(31), None), expected);
}

/// The embedded stores' bound: at most `limit` rows per write, oldest first.
pub fn pruning_takes_at_most_the_limit_oldest_first(store: &dyn FeatureUsageStore) {
    for d in 1..=5 {
        add(store, &[(day(d), "A", "f", None, 1), (day(d), "B", "f", None, 1)]);
    }
    let prune = Prune { before: day(4), limit: 3 };
    let done = store.record(&CountBatch::default(), &mut |_| true, prune).unwrap();
    assert_eq!(done.pruned, 3);
    assert_eq!(store.row_count().unwrap(), 7);
    assert_eq!(store.earliest_day(day(1)).unwrap(), Some(day(2)), "day 1 went first");
}

/// `record_all`: each batch sees the rows the batches before it created (a row a batch makes
/// is an existing row for the next, whatever its IP), each gets its own numbers, and pruning
/// is reported once, in the first.
pub fn batches_written_together_count_as_written_one_after_another(store: &dyn FeatureUsageStore) {
    add(store, &[(day(1), "Gone", "f", None, 1)]);
    let batches = [
        batch(&[(day(25), "A", "f", ip(1), 2), (day(25), "B", "f", ip(1), 1)]),
        batch(&[(day(25), "A", "f", ip(2), 3), (day(25), "C", "f", ip(2), 1)]),
    ];
    // IP 1 may create rows, IP 2 may not: C is refused, A counts on the row batch 1 made.
    let mut admit = |group: &crate::feature_usage::events::IpHits| group.ip == self::ip(1);
    let prune = Prune { before: day(2), limit: 1000 };
    let done = store.record_all(&batches, &mut admit, prune).unwrap();
    let numbers: Vec<_> =
        done.iter().map(|d| (d.counted, d.new_rows, d.refused_new_rows, d.pruned)).collect();
    assert_eq!(numbers, [(3, 2, 0, 1), (3, 0, 1, 0)]);
    assert_eq!(usage(store, "A", day(25), day(25), None), rows(&[("2024-07-25", "f", 5)]));
    assert!(usage(store, "C", day(25), day(25), None).is_empty());
    assert_eq!(store.row_count().unwrap(), 2);
}

pub fn long_and_non_ascii_agents_and_features_round_trip(store: &dyn FeatureUsageStore) {
    let agent = format!("Ünïcode-bot/{}", "ä".repeat(120));
    let feature = "action=query&prop=revisions&rvprop=content|ids/ü".to_string();
    add(store, &[(day(25), &agent, &feature, None, 2), (day(25), "Ü", "f", None, 1)]);
    assert_eq!(
        usage(store, "Ünïcode-bot/ää", day(25), day(25), None),
        rows(&[("2024-07-25", &feature, 2)])
    );
    assert_eq!(usage(store, &agent, day(25), day(25), None).len(), 1);
    let both = rows(&[("2024-07-25", &feature, 2), ("2024-07-25", "f", 1)]);
    assert_eq!(usage(store, "Ü", day(25), day(25), None), both);
    // A prefix ending inside a character matches by bytes, as SQL on a binary column does.
    let half = String::from_utf8_lossy(&"Ü".as_bytes()[..1]).to_string();
    assert!(
        usage(store, &half, day(25), day(25), None).is_empty(),
        "a replacement character matches nothing"
    );
}
