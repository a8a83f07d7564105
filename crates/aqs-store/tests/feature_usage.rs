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

mod conformance {
    use super::*;
    aqs_core::feature_usage_conformance!(temp_counters());
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
fn embedded_counters_prune_at_most_the_limit() {
    aqs_core::conformance::feature_usage::pruning_takes_at_most_the_limit_oldest_first(
        &*temp_counters(),
    );
}
