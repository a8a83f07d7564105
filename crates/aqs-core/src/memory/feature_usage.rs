//! The reference store of feature usage counters: one `BTreeMap` behind a lock.

use crate::dates::Day;
use crate::error::StoreResult;
use crate::feature_usage::{
    Admit, CountBatch, CountKey, FeatureUsageStore, Prune, Recorded, UsageQuery, UsageRow,
    admit_in_time_order, sum_rows,
};
use std::collections::BTreeMap;
use std::sync::RwLock;

#[derive(Default)]
pub struct MemoryCounters {
    rows: RwLock<BTreeMap<CountKey, u64>>,
}

impl MemoryCounters {
    pub fn new() -> MemoryCounters {
        MemoryCounters::default()
    }
}

impl FeatureUsageStore for MemoryCounters {
    fn record(
        &self,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Recorded> {
        let mut rows = self.rows.write().unwrap_or_else(|p| p.into_inner());
        let stored: Vec<bool> = batch.rows.keys().map(|k| rows.contains_key(k)).collect();
        let (hits, mut done) = admit_in_time_order(batch, &stored, admit);
        for (key, hits) in batch.rows.keys().zip(hits) {
            if hits > 0 {
                let count = rows.entry(key.clone()).or_default();
                *count = count.saturating_add(hits);
            }
        }
        let expired: Vec<CountKey> =
            rows.keys().take_while(|k| k.day < prune.before).take(prune.limit).cloned().collect();
        for key in &expired {
            rows.remove(key);
        }
        done.pruned = expired.len() as u64;
        Ok(done)
    }

    fn usage(&self, query: &UsageQuery) -> StoreResult<Vec<UsageRow>> {
        let rows = self.rows.read().unwrap_or_else(|p| p.into_inner());
        let matching = rows.iter().filter(|(k, _)| {
            k.day >= query.first
                && k.day <= query.last
                && k.agent.as_bytes().starts_with(query.agent_prefix.as_bytes())
        });
        Ok(sum_rows(query, matching.map(|(k, &n)| (k.day, k.feature.as_str(), n))))
    }

    fn earliest_day(&self, from: Day) -> StoreResult<Option<Day>> {
        let rows = self.rows.read().unwrap_or_else(|p| p.into_inner());
        Ok(rows.keys().map(|k| k.day).find(|&d| d >= from))
    }

    fn row_count(&self) -> StoreResult<u64> {
        Ok(self.rows.read().unwrap_or_else(|p| p.into_inner()).len() as u64)
    }
}
