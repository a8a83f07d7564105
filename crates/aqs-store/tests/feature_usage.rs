//! The embedded feature usage counters: the conformance suite, durability across reopening,
//! and their place beside the analytics store.

use aqs_core::feature_usage::FeatureUsageStore;
use aqs_store::EmbeddedCounters;

struct TempCounters {
    counters: EmbeddedCounters,
    _dir: tempfile::TempDir,
}

impl std::ops::Deref for TempCounters {
    type Target = EmbeddedCounters;
    fn deref(&self) -> &EmbeddedCounters {
        &self.counters
    }
}

fn temp_counters() -> TempCounters {
    let dir = tempfile::tempdir().unwrap();
    TempCounters { counters: EmbeddedCounters::open(dir.path()).unwrap(), _dir: dir }
}

fn temp_counters_sealing_every_write() -> TempCounters {
    let TempCounters { counters, _dir } = temp_counters();
    TempCounters { counters: counters.sealing_at(1), _dir }
}

/// Few keys: every day's counts stay fresh (plain keys).
mod conformance {
    use super::*;
    aqs_core::feature_usage_conformance!(temp_counters());
}

/// Every write seals its days into runs: the same answers from runs and fresh keys together.
mod conformance_sealed {
    use super::*;
    aqs_core::feature_usage_conformance!(temp_counters_sealing_every_write());
}

#[test]
fn counters_live_beside_the_store_and_survive_reopening() {
    use aqs_core::dates::Day;
    use aqs_core::feature_usage::events::Event;
    use aqs_core::feature_usage::{CountBatch, CountKey, Prune, UsageQuery};
    let dir = tempfile::tempdir().unwrap();
    let store = aqs_store::EmbeddedStore::open(dir.path()).unwrap();
    let day = Day::from_ymd(2024, 7, 25).unwrap();
    {
        let counters = EmbeddedCounters::open(dir.path()).unwrap();
        let mut batch = CountBatch::default();
        let key = CountKey { day, agent: "A".into(), feature: "f".into() };
        batch.add(Event { key, ip: None, at: 0 });
        let prune = Prune { before: day, limit: 10 };
        assert_eq!(counters.record(&batch, &mut |_| true, prune).unwrap().counted, 1);
        assert!(counters.used_bytes().unwrap() > 0);
    }
    assert!(dir.path().join("feature_usage/data.mdb").exists());
    let again = EmbeddedCounters::open(dir.path()).unwrap();
    let query = UsageQuery { agent_prefix: "A".into(), first: day, last: day, features: None };
    assert_eq!(again.usage(&query).unwrap()[0].count, 1);
    // The analytics store in the same directory opens again beside them.
    drop(store);
    aqs_store::EmbeddedStore::open(dir.path()).unwrap();
}

#[test]
fn embedded_counters_prune_whole_days_oldest_first_until_the_limit() {
    use aqs_core::dates::Day;
    use aqs_core::feature_usage::{CountBatch, Prune};
    let counters = temp_counters_sealing_every_write();
    let day = |d| Day::from_ymd(2024, 7, d).unwrap();
    for d in 1..=5 {
        let rows: Vec<(Day, String, String)> =
            ["A", "B"].iter().map(|a| (day(d), a.to_string(), "f".to_string())).collect();
        counters.record(&batch_of(&rows), &mut |_| true, keep_all()).unwrap();
    }
    let prune = Prune { before: day(4), limit: 3 };
    // Day 1 (2 rows) is under the limit, so day 2 goes too; day 3 waits for the next write.
    let done = counters.record(&CountBatch::default(), &mut |_| true, prune).unwrap();
    assert_eq!(done.pruned, 4);
    assert_eq!(counters.row_count().unwrap(), 6);
    assert_eq!(counters.earliest_day(day(1)).unwrap(), Some(day(3)));
    // A limit of 1 still removes the oldest expired day whole.
    let prune = Prune { before: day(4), limit: 1 };
    let done = counters.record(&CountBatch::default(), &mut |_| true, prune).unwrap();
    assert_eq!((done.pruned, counters.row_count().unwrap()), (2, 4));
    let done = counters.record(&CountBatch::default(), &mut |_| true, prune).unwrap();
    assert_eq!(done.pruned, 0);
}

fn keep_all() -> aqs_core::feature_usage::Prune {
    aqs_core::feature_usage::Prune {
        before: aqs_core::dates::Day::from_ymd(1970, 1, 1).unwrap(),
        limit: 0,
    }
}

fn batch_of(
    rows: &[(aqs_core::dates::Day, String, String)],
) -> aqs_core::feature_usage::CountBatch {
    use aqs_core::feature_usage::CountKey;
    use aqs_core::feature_usage::events::Event;
    let mut batch = aqs_core::feature_usage::CountBatch::default();
    for (i, (day, agent, feature)) in rows.iter().enumerate() {
        let key = CountKey { day: *day, agent: agent.clone(), feature: feature.clone() };
        let ip = Some(std::net::IpAddr::from([192, 0, 2, (i % 7) as u8]));
        batch.add(Event { key, ip, at: i as i64 });
    }
    batch
}

mod against_memory {
    use super::*;
    use aqs_core::dates::Day;
    use aqs_core::feature_usage::{FeatureUsageStore, UsageQuery};
    use aqs_core::memory::MemoryCounters;
    use proptest::prelude::*;

    /// Agents from a small alphabet so that prefixes are shared (and a day has more agents
    /// than a run's checkpoint spacing), features from a few names.
    fn event() -> impl Strategy<Value = (u8, String, String)> {
        (0u8..2, "[ab/é]{0,5}", prop::sample::select(vec!["f", "g", "action=x", "ü"]))
            .prop_map(|(d, a, f)| (d, a, f.to_string()))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// Batches written through runs (sealed at 1, 3 or never) answer every prefix query
        /// as the reference store does, with the same stored and refused numbers.
        #[test]
        fn runs_and_fresh_keys_answer_as_the_reference(
            batches in prop::collection::vec(prop::collection::vec(event(), 0..400), 1..5),
            seal in prop::sample::select(vec![1usize, 3, 1_000_000]),
            limit in prop_oneof![0usize..40, Just(usize::MAX)],
            prefixes in prop::collection::vec("[ab/é]{0,3}", 1..6),
        ) {
            let embedded = temp_counters();
            let embedded = embedded.counters.clone().sealing_at(seal);
            let reference = MemoryCounters::new();
            let day = |d: u8| Day::from_ymd(2024, 7, 1 + d).unwrap();
            for events in &batches {
                let rows: Vec<(Day, String, String)> =
                    events.iter().map(|(d, a, f)| (day(*d), a.clone(), f.clone())).collect();
                let batch = batch_of(&rows);
                // Both admit the same first `limit` asks.
                let (mut left, mut right) = (limit, limit);
                let mut a = |_: &_| { let ok = left > 0; left = left.saturating_sub(1); ok };
                let mut b = |_: &_| { let ok = right > 0; right = right.saturating_sub(1); ok };
                let got = embedded.record(&batch, &mut a, keep_all()).unwrap();
                let want = reference.record(&batch, &mut b, keep_all()).unwrap();
                prop_assert_eq!(got, want);
            }
            prop_assert_eq!(embedded.row_count().unwrap(), reference.row_count().unwrap());
            for prefix in prefixes {
                let query = UsageQuery { agent_prefix: prefix, first: day(0), last: day(3), features: None };
                prop_assert_eq!(embedded.usage(&query).unwrap(), reference.usage(&query).unwrap());
            }
        }
    }
}
