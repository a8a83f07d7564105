//! The conformance suite against the in-memory reference store.
#![cfg(feature = "testsuite")]

aqs_core::pageviews_conformance!(aqs_core::memory::MemoryStore::new());
aqs_core::series_conformance!(Box::new(aqs_core::memory::MemoryStore::new()));

mod feature_usage {
    aqs_core::feature_usage_conformance!(Box::new(aqs_core::memory::MemoryCounters::new()));
}

#[test]
fn memory_counters_prune_at_most_the_limit() {
    aqs_core::conformance::feature_usage::pruning_takes_at_most_the_limit_oldest_first(
        &aqs_core::memory::MemoryCounters::new(),
    );
}
