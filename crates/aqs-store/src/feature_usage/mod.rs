//! API feature usage counters in an LMDB environment of their own, `<data>/feature_usage/`,
//! beside the analytics store: counters take a durable write per ingest, and a write there
//! never waits for a load's long transaction in the analytics store (LMDB has one writer per
//! environment), nor a load for an ingest.
//!
//! Each day is a sealed [`run`] (its agents sorted, checkpoints of every feature's uses: a
//! prefix query reads a few dozen cache lines whatever the number of matching agents) and the
//! `fresh` counts written since the run was sealed, plain keys scanned by prefix. A write adds
//! to `fresh`;
//! when a day's fresh keys pass [`SEAL_MIN`] and a 64th of its rows, the write merges them
//! into a new run, so a query never reads more than that many plain keys a day; days the
//! writes have moved on from are sealed whole ([`days`]). Pruning drops whole days, oldest
//! first. docs/store-format.md describes the tables.

mod days;
mod run;

use crate::codec::{Reader, put_varint};
use crate::engine;
use aqs_core::dates::Day;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::feature_usage::{
    Admit, CountBatch, CountKey, FeatureUsageStore, Prune, Recorded, UsageQuery, UsageRow,
    admit_in_time_order, sum_rows,
};
use days::{DayStats, day_bytes, day_of_key};
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

impl EmbeddedCounters {
    /// Adds one batch inside `wtxn`, noting the numbers of the days it writes in `days`;
    /// returns what it did.
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
        for (day, _) in idle {
            let rows = self.inner.seal(wtxn, day)?;
            days.insert(day, DayStats { rows, fresh: 0 });
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
