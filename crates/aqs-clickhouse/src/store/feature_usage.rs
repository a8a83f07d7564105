//! API feature usage counters on ClickHouse (`schema/0003_feature_usage.sql`): a
//! SummingMergeTree, so that a write is one insert of the batch's counts, from any number of
//! aqs instances at once, and reads sum per (day, feature).
//!
//! The new-row limit needs to know which keys exist: keys this process has written or found
//! are remembered (a bounded set of hashes), and the rest of a batch's keys that a limited IP
//! would create are looked up in one query per few hundred keys.
//!
//! Pruning drops whole days: once per day boundary a write deletes the rows of the days
//! before the retention (a ClickHouse mutation, in the background), and this process's reads
//! stop at that day at once. `Prune::limit` does not apply: the work is one statement.

use super::ClickHouseStore;
use crate::client::{RowReader, RowWriter, quote};
use crate::codes::{date_literal, date_value};
use aqs_core::dates::Day;
use aqs_core::error::StoreResult;
use aqs_core::feature_usage::{
    Admit, CountBatch, CountKey, FeatureUsageStore, Prune, Recorded, UsageQuery, UsageRow,
    admit_in_time_order,
};
use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;

/// Keys remembered as stored before the set is emptied (8 bytes each).
const KNOWN_KEYS: usize = 4_000_000;
/// The most bytes of key tuples in one lookup (ClickHouse's `max_query_size` is 256 KiB).
const LOOKUP_BYTES: usize = 200_000;

/// What this process knows of the counters.
#[derive(Debug, Default)]
pub(crate) struct State {
    known: Mutex<HashSet<u64>>,
    /// Rows of days before this one are pruned (or being pruned).
    pruned_before: Mutex<Option<Day>>,
}

fn key_hash(key: &CountKey) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

fn tuple(key: &CountKey) -> String {
    format!("({}, {}, {})", date_literal(key.day), quote(&key.agent), quote(&key.feature))
}

impl ClickHouseStore {
    fn counters(&self) -> String {
        self.table("feature_usage")
    }

    /// Of `keys`, those stored.
    fn stored_keys(&self, keys: &[&CountKey]) -> StoreResult<HashSet<u64>> {
        let mut found = HashSet::new();
        let mut start = 0;
        while start < keys.len() {
            let (mut list, mut end) = (Vec::new(), start);
            let mut bytes = 0;
            while end < keys.len() && bytes < LOOKUP_BYTES {
                let t = tuple(keys[end]);
                bytes += t.len() + 2;
                list.push(t);
                end += 1;
            }
            let rows = self.select(&format!(
                "SELECT day, agent, feature FROM {} WHERE (day, agent, feature) IN ({}) GROUP BY day, agent, feature FORMAT RowBinary",
                self.counters(),
                list.join(", ")
            ))?;
            let mut r = RowReader::new(&rows);
            while !r.is_empty() {
                let day = Day::from_epoch_days(i32::from(r.u16()?));
                let key = CountKey { day, agent: r.string()?, feature: r.string()? };
                found.insert(key_hash(&key));
            }
            start = end;
        }
        Ok(found)
    }

    /// The first day reads may see: rows before it are pruned.
    fn visible_from(&self, day: Day) -> Day {
        let pruned =
            *self.inner.feature_usage.pruned_before.lock().unwrap_or_else(|p| p.into_inner());
        pruned.map_or(day, |p| p.max(day))
    }

    fn prune(&self, prune: Prune) -> StoreResult<u64> {
        let mut pruned =
            self.inner.feature_usage.pruned_before.lock().unwrap_or_else(|p| p.into_inner());
        if pruned.is_some_and(|p| p >= prune.before) || prune.before.epoch_days() <= 0 {
            return Ok(0);
        }
        let condition = format!("day < {}", date_literal(prune.before));
        let after = pruned.map_or(String::new(), |p| format!(" AND day >= {}", date_literal(p)));
        let rows = self.select(&format!(
            "SELECT count() FROM {} WHERE {condition}{after} FORMAT RowBinary",
            self.counters()
        ))?;
        let count = RowReader::new(&rows).u64()?;
        self.clean_up_where("feature_usage", &condition)?;
        *pruned = Some(prune.before);
        Ok(count)
    }
}

impl FeatureUsageStore for ClickHouseStore {
    fn record(
        &self,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Recorded> {
        let state = &self.inner.feature_usage;
        // Keys not known to exist whose first hits come from a limited IP: look them up.
        let unknown: Vec<&CountKey> = {
            let known = state.known.lock().unwrap_or_else(|p| p.into_inner());
            batch
                .rows
                .iter()
                .filter(|(k, groups)| {
                    groups.first().is_some_and(|g| g.ip.is_some()) && !known.contains(&key_hash(k))
                })
                .map(|(k, _)| k)
                .collect()
        };
        let stored = self.stored_keys(&unknown)?;
        let hashes: Vec<u64> = batch.rows.keys().map(key_hash).collect();
        let exists: Vec<bool> = {
            let known = state.known.lock().unwrap_or_else(|p| p.into_inner());
            hashes.iter().map(|h| known.contains(h) || stored.contains(h)).collect()
        };
        let (hits, mut done) = admit_in_time_order(batch, &exists, admit);
        let mut rows = RowWriter::default();
        let mut written = Vec::new();
        for ((key, hash), hits) in batch.rows.keys().zip(hashes).zip(hits) {
            if hits > 0 {
                rows.u16(date_value(key.day)?);
                rows.string(key.agent.as_bytes());
                rows.string(key.feature.as_bytes());
                rows.u64(hits);
                written.push(hash);
            }
        }
        if !written.is_empty() {
            self.inner.client.insert(&self.counters(), "day, agent, feature, hits", &rows.bytes)?;
            let mut known = state.known.lock().unwrap_or_else(|p| p.into_inner());
            if known.len() + written.len() > KNOWN_KEYS {
                known.clear();
            }
            known.extend(written);
        }
        done.pruned = self.prune(prune)?;
        Ok(done)
    }

    fn usage(&self, query: &UsageQuery) -> StoreResult<Vec<UsageRow>> {
        let first = self.visible_from(query.first).max(Day::from_epoch_days(0));
        let last = query.last.min(Day::from_epoch_days(i32::from(u16::MAX)));
        let features = match &query.features {
            Some(list) if list.is_empty() => return Ok(Vec::new()),
            Some(list) => {
                let quoted: Vec<String> = list.iter().map(|f| quote(f)).collect();
                format!(" AND feature IN ({})", quoted.join(", "))
            }
            None => String::new(),
        };
        if first > last {
            return Ok(Vec::new());
        }
        // substring() counts bytes: a byte prefix, as LIKE on the extension's binary column.
        let rows = self.select(&format!(
            "SELECT day, feature, sum(hits) FROM {} WHERE day >= {} AND day <= {} AND substring(agent, 1, {}) = {}{features} GROUP BY day, feature ORDER BY day, feature FORMAT RowBinary",
            self.counters(),
            date_literal(first),
            date_literal(last),
            query.agent_prefix.len(),
            quote(&query.agent_prefix)
        ))?;
        let mut r = RowReader::new(&rows);
        let mut out = Vec::new();
        while !r.is_empty() {
            let day = Day::from_epoch_days(i32::from(r.u16()?));
            out.push(UsageRow { day, feature: r.string()?, count: r.u64()? });
        }
        Ok(out)
    }

    fn earliest_day(&self, from: Day) -> StoreResult<Option<Day>> {
        let from = self.visible_from(from).max(Day::from_epoch_days(0));
        let rows = self.select(&format!(
            "SELECT min(day), count() FROM {} WHERE day >= {} FORMAT RowBinary",
            self.counters(),
            date_literal(from)
        ))?;
        let mut r = RowReader::new(&rows);
        let (day, count) = (r.u16()?, r.u64()?);
        Ok((count > 0).then(|| Day::from_epoch_days(i32::from(day))))
    }

    fn row_count(&self) -> StoreResult<u64> {
        let from = self.visible_from(Day::from_epoch_days(0));
        let rows = self.select(&format!(
            "SELECT count() FROM (SELECT day, agent, feature FROM {} WHERE day >= {} GROUP BY day, agent, feature) FORMAT RowBinary",
            self.counters(),
            date_literal(from)
        ))?;
        RowReader::new(&rows).u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_tuples_quote_their_text() {
        let key = CountKey {
            day: Day::from_ymd(2024, 7, 25).unwrap(),
            agent: "O'Bot\\1".into(),
            feature: "f".into(),
        };
        assert_eq!(tuple(&key), r"(toDate('2024-07-25'), 'O\'Bot\\1', 'f')");
    }
}
