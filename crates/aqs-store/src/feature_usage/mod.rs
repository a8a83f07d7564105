//! API feature usage counters in an LMDB environment of their own, `<data>/feature_usage/`,
//! beside the analytics store: counters take a durable write per ingest, and a write there
//! never waits for a load's long transaction in the analytics store (LMDB has one writer per
//! environment), nor a load for an ingest.
//!
//! Each day is a sealed [`run`] (its agents sorted, running sums per feature: a prefix query
//! costs a few binary searches whatever the number of matching agents) and the `fresh` counts
//! written since the run was sealed, plain keys scanned by prefix. A write adds to `fresh`;
//! when a day's fresh keys pass [`SEAL_MIN`] and a 64th of its rows, the write merges them
//! into a new run, so a query never reads more than that many plain keys a day. Pruning drops
//! whole days, oldest first. docs/store-format.md describes the tables.

mod run;

use crate::codec::{Reader, put_varint};
use crate::engine;
use aqs_core::dates::Day;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::feature_usage::{
    Admit, CountBatch, CountKey, FeatureUsageStore, Prune, Recorded, UsageQuery, UsageRow,
    admit_in_time_order, sum_rows,
};
use heed::types::Bytes;
use heed::{Database, Env, EnvOpenOptions, RwTxn, WithoutTls};
use run::Run;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// The directory of the counters inside a store directory.
pub const DIRECTORY: &str = "feature_usage";

/// The fewest fresh keys of a day that make a write seal it into a new run.
pub const SEAL_MIN: usize = 1024;

/// The most days a write seals because they have fresh keys and it did not write them.
const IDLE_SEALS: usize = 4;

/// The most the counters' file may grow to (address space only).
const MAP_SIZE: usize = 16 << 30;

struct Inner {
    env: Env<WithoutTls>,
    /// day → the day's run.
    runs: Database<Bytes, Bytes>,
    /// day ‖ agent ‖ 0x00 ‖ feature → count added since the day's run was sealed (varint).
    fresh: Database<Bytes, Bytes>,
    /// day → varint rows of the day, varint fresh keys of the day.
    days: Database<Bytes, Bytes>,
}

/// The counters of one store directory. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedCounters {
    inner: Arc<Inner>,
    seal_min: usize,
}

/// LMDB must not open one environment twice in a process.
static OPEN: LazyLock<Mutex<HashMap<PathBuf, Weak<Inner>>>> = LazyLock::new(Default::default);

impl EmbeddedCounters {
    /// Opens (or creates) the counters of the store in `data` (`data/feature_usage/`).
    pub fn open(data: &Path) -> StoreResult<EmbeddedCounters> {
        let dir = data.join(DIRECTORY);
        std::fs::create_dir_all(&dir)?;
        let path = dir.canonicalize()?;
        let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(inner) = open.get(&path).and_then(Weak::upgrade) {
            return Ok(EmbeddedCounters { inner, seal_min: SEAL_MIN });
        }
        let mut options = EnvOpenOptions::new().read_txn_without_tls();
        options.map_size(MAP_SIZE).max_dbs(4);
        // SAFETY: as for the analytics store (lib.rs): this process maps each environment
        // once (the OPEN registry), and nothing truncates the file outside LMDB.
        #[allow(unsafe_code)]
        let env = unsafe { options.open(&path) }.map_err(engine)?;
        let mut wtxn = env.write_txn().map_err(engine)?;
        let runs = env.create_database(&mut wtxn, Some("runs")).map_err(engine)?;
        let fresh = env.create_database(&mut wtxn, Some("fresh")).map_err(engine)?;
        let days = env.create_database(&mut wtxn, Some("days")).map_err(engine)?;
        let inner = Inner { env: env.clone(), runs, fresh, days };
        inner.adopt_first_layout(&mut wtxn)?;
        wtxn.commit().map_err(engine)?;
        let inner = Arc::new(inner);
        open.insert(path, Arc::downgrade(&inner));
        Ok(EmbeddedCounters { inner, seal_min: SEAL_MIN })
    }

    /// The same counters, sealing a day once it has `min` fresh keys (tests: 1 seals on
    /// every write).
    pub fn sealing_at(mut self, min: usize) -> EmbeddedCounters {
        self.seal_min = min.max(1);
        self
    }

    /// Bytes of the counters' file in use (pages not on LMDB's free list).
    pub fn used_bytes(&self) -> StoreResult<u64> {
        self.inner.env.non_free_pages_size().map_err(engine)
    }
}

fn day_bytes(day: Day) -> [u8; 4] {
    ((i64::from(day.epoch_days()) + (1 << 31)) as u32).to_be_bytes()
}

fn day_of_key(key: &[u8]) -> StoreResult<Day> {
    let bytes: [u8; 4] = key.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(short_key)?;
    Ok(Day::from_epoch_days((i64::from(u32::from_be_bytes(bytes)) - (1 << 31)) as i32))
}

fn short_key() -> StoreError {
    crate::codec::corrupt("feature usage key too short")
}

fn key_of(key: &CountKey) -> Vec<u8> {
    let mut out = Vec::with_capacity(5 + key.agent.len() + key.feature.len());
    out.extend_from_slice(&day_bytes(key.day));
    out.extend_from_slice(key.agent.as_bytes());
    out.push(0);
    out.extend_from_slice(key.feature.as_bytes());
    out
}

/// The agent and the feature of a stored key.
fn split_key(key: &[u8]) -> StoreResult<(&[u8], &[u8])> {
    let rest = key.get(4..).ok_or_else(short_key)?;
    let nul = rest.iter().position(|&b| b == 0);
    let nul = nul.ok_or_else(|| crate::codec::corrupt("feature usage key without NUL"))?;
    Ok((&rest[..nul], &rest[nul + 1..]))
}

fn text(bytes: &[u8]) -> StoreResult<&str> {
    std::str::from_utf8(bytes).map_err(|_| crate::codec::corrupt("feature not UTF-8"))
}

fn count_of(value: &[u8]) -> StoreResult<u64> {
    Reader::new(value).varint()
}

/// The keys of one day in `fresh`.
fn day_range(day: Day) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    (Bound::Included(day_bytes(day).to_vec()), Bound::Excluded(day_bytes(day.next()).to_vec()))
}

fn as_slices(range: &(Bound<Vec<u8>>, Bound<Vec<u8>>)) -> (Bound<&[u8]>, Bound<&[u8]>) {
    (range.0.as_ref().map(Vec::as_slice), range.1.as_ref().map(Vec::as_slice))
}

/// A day's numbers in `days`.
#[derive(Debug, Clone, Copy, Default)]
struct DayStats {
    rows: u64,
    fresh: u64,
}

impl DayStats {
    fn read(value: &[u8]) -> StoreResult<DayStats> {
        let mut reader = Reader::new(value);
        Ok(DayStats { rows: reader.varint()?, fresh: reader.varint()? })
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10);
        put_varint(&mut out, self.rows);
        put_varint(&mut out, self.fresh);
        out
    }
}

impl Inner {
    fn day_stats(&self, txn: &heed::RoTxn<WithoutTls>, day: Day) -> StoreResult<DayStats> {
        let value = self.days.get(txn, &day_bytes(day)).map_err(engine)?;
        value.map(DayStats::read).transpose().map(Option::unwrap_or_default)
    }

    fn run<'t>(&self, txn: &'t heed::RoTxn<WithoutTls>, day: Day) -> StoreResult<Option<Run<'t>>> {
        self.runs.get(txn, &day_bytes(day)).map_err(engine)?.map(Run::read).transpose()
    }

    /// Merges the day's fresh counts into a new run; returns the day's rows.
    fn seal(&self, wtxn: &mut RwTxn, day: Day) -> StoreResult<u64> {
        let range = day_range(day);
        let (bytes, rows) = {
            let mut entries: Vec<(&[u8], &[u8], u64)> = Vec::new();
            if let Some(run) = self.run(wtxn, day)? {
                entries.extend(run.entries());
            }
            for entry in self.fresh.range(wtxn, &as_slices(&range)).map_err(engine)? {
                let (key, value) = entry.map_err(engine)?;
                let (agent, feature) = split_key(key)?;
                entries.push((agent, feature, count_of(value)?));
            }
            entries.sort_unstable_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
            entries.dedup_by(|later, kept| {
                let same = (later.0, later.1) == (kept.0, kept.1);
                if same {
                    kept.2 = kept.2.saturating_add(later.2);
                }
                same
            });
            (run::build(&entries), entries.len() as u64)
        };
        self.fresh.delete_range(wtxn, &as_slices(&range)).map_err(engine)?;
        self.runs.put(wtxn, &day_bytes(day), &bytes).map_err(engine)?;
        Ok(rows)
    }

    /// Removes whole expired days, oldest first, until `prune.limit` rows have gone (at
    /// least one day when one has expired: a day is one run and at most a seal's worth of
    /// fresh keys, whatever its rows).
    fn prune(&self, wtxn: &mut RwTxn, prune: Prune) -> StoreResult<u64> {
        let mut expired = Vec::new();
        let mut rows = 0;
        for entry in self.days.iter(wtxn).map_err(engine)? {
            let (key, value) = entry.map_err(engine)?;
            let day = day_of_key(key)?;
            if day >= prune.before || (rows >= prune.limit as u64 && !expired.is_empty()) {
                break;
            }
            rows += DayStats::read(value)?.rows;
            expired.push(day);
        }
        for day in expired {
            self.fresh.delete_range(wtxn, &as_slices(&day_range(day))).map_err(engine)?;
            self.runs.delete(wtxn, &day_bytes(day)).map_err(engine)?;
            self.days.delete(wtxn, &day_bytes(day)).map_err(engine)?;
        }
        Ok(rows)
    }

    /// Moves the rows of the first layout (one `rows` table of plain keys, as `fresh`) into
    /// runs, once.
    fn adopt_first_layout(&self, wtxn: &mut RwTxn) -> StoreResult<()> {
        let old: Option<Database<Bytes, Bytes>> =
            self.env.open_database(wtxn, Some("rows")).map_err(engine)?;
        let Some(old) = old else { return Ok(()) };
        let mut days = Vec::new();
        for entry in old.iter(wtxn).map_err(engine)? {
            let (key, _) = entry.map_err(engine)?;
            let day = day_of_key(key)?;
            if days.last() != Some(&day) {
                days.push(day);
            }
        }
        // A day at a time, so that memory holds one day's rows.
        for day in days {
            let copied: Vec<(Vec<u8>, Vec<u8>)> = {
                let range = old.range(wtxn, &as_slices(&day_range(day))).map_err(engine)?;
                range
                    .map(|e| e.map(|(k, v)| (k.to_vec(), v.to_vec())).map_err(engine))
                    .collect::<StoreResult<_>>()?
            };
            for (key, value) in &copied {
                self.fresh.put(wtxn, key, value).map_err(engine)?;
            }
            let rows = self.seal(wtxn, day)?;
            let stats = DayStats { rows, fresh: 0 }.bytes();
            self.days.put(wtxn, &day_bytes(day), &stats).map_err(engine)?;
        }
        old.clear(wtxn).map_err(engine)
    }
}

impl EmbeddedCounters {
    /// Adds one batch inside `wtxn`; returns what it did and the days it wrote.
    fn add(
        &self,
        wtxn: &mut RwTxn,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        days: &mut BTreeMap<Day, DayStats>,
    ) -> StoreResult<Recorded> {
        let inner = &*self.inner;
        let keys: Vec<(&CountKey, Vec<u8>)> = batch.rows.keys().map(|k| (k, key_of(k))).collect();
        let mut fresh = Vec::with_capacity(keys.len());
        let mut stored = Vec::with_capacity(keys.len());
        {
            let mut run: Option<(Day, Option<Run>)> = None;
            for (key, bytes) in &keys {
                let count = inner.fresh.get(wtxn, bytes).map_err(engine)?;
                fresh.push(count.map(count_of).transpose()?);
                if run.as_ref().is_none_or(|(day, _)| *day != key.day) {
                    run = Some((key.day, inner.run(wtxn, key.day)?));
                }
                let in_run = run
                    .as_ref()
                    .and_then(|(_, r)| r.as_ref())
                    .is_some_and(|r| r.contains(key.agent.as_bytes(), key.feature.as_bytes()));
                stored.push(in_run || fresh.last().is_some_and(Option::is_some));
            }
        }
        let (hits, done) = admit_in_time_order(batch, &stored, admit);
        let mut value = Vec::with_capacity(10);
        for (i, ((key, bytes), hits)) in keys.iter().zip(hits).enumerate() {
            if hits == 0 {
                continue;
            }
            let stats = match days.get_mut(&key.day) {
                Some(stats) => stats,
                None => days.entry(key.day).or_insert(inner.day_stats(wtxn, key.day)?),
            };
            stats.fresh += u64::from(fresh[i].is_none());
            stats.rows += u64::from(!stored[i]);
            value.clear();
            put_varint(&mut value, fresh[i].unwrap_or(0).saturating_add(hits));
            inner.fresh.put(wtxn, bytes, &value).map_err(engine)?;
        }
        Ok(done)
    }

    /// Writes the days' numbers, sealing the days with enough fresh keys, and up to
    /// [`IDLE_SEALS`] days with fresh keys that this write left alone: a day whose writes
    /// have moved on (yesterday, once events are today's; each day of a log replayed in
    /// order) is sealed whole, so that queries of past days read runs only.
    fn settle(&self, wtxn: &mut RwTxn, mut days: BTreeMap<Day, DayStats>) -> StoreResult<()> {
        let mut idle = Vec::new();
        for entry in self.inner.days.iter(wtxn).map_err(engine)? {
            let (key, value) = entry.map_err(engine)?;
            let day = day_of_key(key)?;
            let stats = DayStats::read(value)?;
            if stats.fresh > 0 && !days.contains_key(&day) && idle.len() < IDLE_SEALS {
                idle.push((day, stats));
            }
        }
        for (day, stats) in idle {
            self.inner.seal(wtxn, day)?;
            days.insert(day, DayStats { fresh: 0, ..stats });
        }
        for (day, mut stats) in days {
            if stats.fresh >= (self.seal_min as u64).max(stats.rows / 64) {
                stats.rows = self.inner.seal(wtxn, day)?;
                stats.fresh = 0;
            }
            self.inner.days.put(wtxn, &day_bytes(day), &stats.bytes()).map_err(engine)?;
        }
        Ok(())
    }
}

impl FeatureUsageStore for EmbeddedCounters {
    fn record(
        &self,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Recorded> {
        let batches = std::slice::from_ref(batch);
        Ok(self.record_all(batches, admit, prune)?.pop().unwrap_or_default())
    }

    /// The batches in one transaction: one sync for all.
    fn record_all(
        &self,
        batches: &[CountBatch],
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Vec<Recorded>> {
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let mut days = BTreeMap::new();
        let mut done = Vec::with_capacity(batches.len());
        for batch in batches {
            done.push(self.add(&mut wtxn, batch, admit, &mut days)?);
        }
        self.settle(&mut wtxn, days)?;
        if let Some(first) = done.first_mut() {
            first.pruned = self.inner.prune(&mut wtxn, prune)?;
        }
        wtxn.commit().map_err(engine)?;
        Ok(done)
    }

    fn usage(&self, query: &UsageQuery) -> StoreResult<Vec<UsageRow>> {
        let inner = &*self.inner;
        let rtxn = inner.env.read_txn().map_err(engine)?;
        let prefix = query.agent_prefix.as_bytes();
        // Names and counts borrow from the transaction: nothing is copied before summing.
        let mut found: Vec<(Day, &str, u64)> = Vec::new();
        let (first, last) = (day_bytes(query.first), day_bytes(query.last));
        let bounds = (Bound::Included(&first[..]), Bound::Included(&last[..]));
        for entry in inner.days.range(&rtxn, &bounds).map_err(engine)? {
            let day = day_of_key(entry.map_err(engine)?.0)?;
            if let Some(run) = inner.run(&rtxn, day)? {
                let agents = run.agents_with_prefix(prefix);
                for (j, uses) in run.uses(&agents).into_iter().enumerate() {
                    let feature = text(run.feature(j))?;
                    if uses > 0 && query.wants(feature) {
                        found.push((day, feature, uses));
                    }
                }
            }
            let mut start = day_bytes(day).to_vec();
            start.extend_from_slice(prefix);
            for entry in inner.fresh.prefix_iter(&rtxn, &start).map_err(engine)? {
                let (key, value) = entry.map_err(engine)?;
                found.push((day, text(split_key(key)?.1)?, count_of(value)?));
            }
        }
        Ok(sum_rows(query, found))
    }

    fn earliest_day(&self, from: Day) -> StoreResult<Option<Day>> {
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let start = day_bytes(from);
        let bounds = (Bound::Included(&start[..]), Bound::Unbounded);
        let mut range = self.inner.days.range(&rtxn, &bounds).map_err(engine)?;
        match range.next() {
            Some(entry) => Ok(Some(day_of_key(entry.map_err(engine)?.0)?)),
            None => Ok(None),
        }
    }

    fn row_count(&self) -> StoreResult<u64> {
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let mut rows = 0;
        for entry in self.inner.days.iter(&rtxn).map_err(engine)? {
            rows += DayStats::read(entry.map_err(engine)?.1)?.rows;
        }
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(day: Day, agents: &[&str]) -> CountBatch {
        let mut batch = CountBatch::default();
        for agent in agents {
            let key = CountKey { day, agent: agent.to_string(), feature: "f".into() };
            batch.add(aqs_core::feature_usage::events::Event { key, ip: None, at: 0 });
        }
        batch
    }

    /// Keys of a day stay plain while writes come to it, and are sealed into a run by the
    /// first write that leaves the day alone.
    #[test]
    fn a_day_the_writes_moved_on_from_is_sealed() {
        let data = tempfile::tempdir().unwrap();
        let counters = EmbeddedCounters::open(data.path()).unwrap();
        let day = Day::from_ymd(2024, 7, 25).unwrap();
        let keep = Prune { before: Day::from_ymd(1970, 1, 1).unwrap(), limit: 0 };
        let fresh_of = |day: Day| {
            let rtxn = counters.inner.env.read_txn().unwrap();
            let runs = counters.inner.run(&rtxn, day).unwrap().map(|r| r.rows());
            (counters.inner.day_stats(&rtxn, day).unwrap().fresh, runs)
        };
        counters.record(&batch(day, &["A", "B"]), &mut |_| true, keep).unwrap();
        counters.record(&batch(day, &["B", "C"]), &mut |_| true, keep).unwrap();
        assert_eq!(fresh_of(day), (3, None));
        counters.record(&batch(day.next(), &["A"]), &mut |_| true, keep).unwrap();
        assert_eq!(fresh_of(day), (0, Some(3)));
        assert_eq!(fresh_of(day.next()), (1, None));
        assert_eq!(counters.row_count().unwrap(), 4);
    }

    /// A store of the first layout (one `rows` table of plain keys) opens with its counts in
    /// runs.
    #[test]
    fn the_first_layout_is_adopted_when_opened() {
        let data = tempfile::tempdir().unwrap();
        let dir = data.path().join(DIRECTORY);
        std::fs::create_dir_all(&dir).unwrap();
        let day = Day::from_ymd(2024, 7, 25).unwrap();
        {
            let mut options = EnvOpenOptions::new().read_txn_without_tls();
            options.max_dbs(2);
            #[allow(unsafe_code)]
            let env = unsafe { options.open(&dir) }.unwrap();
            let mut wtxn = env.write_txn().unwrap();
            let rows: Database<Bytes, Bytes> =
                env.create_database(&mut wtxn, Some("rows")).unwrap();
            for (d, agent, feature, count) in
                [(day, "Bot/1", "a", 3), (day, "Bot/2", "a", 4), (day.next(), "X", "b", 1)]
            {
                let key =
                    key_of(&CountKey { day: d, agent: agent.into(), feature: feature.into() });
                let mut value = Vec::new();
                put_varint(&mut value, count);
                rows.put(&mut wtxn, &key, &value).unwrap();
            }
            wtxn.commit().unwrap();
            env.prepare_for_closing().wait();
        }
        let counters = EmbeddedCounters::open(data.path()).unwrap();
        assert_eq!(counters.row_count().unwrap(), 3);
        let query =
            UsageQuery { agent_prefix: "Bot".into(), first: day, last: day.next(), features: None };
        let usage = counters.usage(&query).unwrap();
        assert_eq!(usage, vec![UsageRow { day, feature: "a".into(), count: 7 }]);
        let rtxn = counters.inner.env.read_txn().unwrap();
        assert!(counters.inner.run(&rtxn, day).unwrap().is_some(), "sealed into a run");
        assert_eq!(counters.inner.fresh.len(&rtxn).unwrap(), 0);
    }
}
