//! API feature usage counters in an LMDB environment of their own, `<data>/feature_usage/`,
//! beside the analytics store: counters take a durable write per ingest, and a write there
//! never waits for a load's long transaction in the analytics store (LMDB has one writer per
//! environment), nor a load for an ingest.
//!
//! One table, `rows`: key `day ‖ agent ‖ 0x00 ‖ feature` (the day as days since 1970 plus
//! 2^31, u32 big-endian; agent and feature as UTF-8, neither holding NUL), value the count as a
//! LEB128 varint. The one query, agents starting with a prefix over a range of days, reads one
//! key range per day; pruning deletes from the front, where the oldest days are.
//! docs/store-format.md describes it.

use crate::codec::{Reader, put_varint};
use crate::engine;
use aqs_core::dates::Day;
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::feature_usage::{
    Admit, CountBatch, CountKey, FeatureUsageStore, Prune, Recorded, UsageQuery, UsageRow,
    admit_in_time_order, sum_rows,
};
use heed::types::Bytes;
use heed::{Database, Env, EnvOpenOptions, WithoutTls};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

/// The directory of the counters inside a store directory.
pub const DIRECTORY: &str = "feature_usage";

/// The most the counters' file may grow to (address space only).
const MAP_SIZE: usize = 16 << 30;

struct Inner {
    env: Env<WithoutTls>,
    rows: Database<Bytes, Bytes>,
}

/// The counters of one store directory. Cheap to clone.
#[derive(Clone)]
pub struct EmbeddedCounters {
    inner: Arc<Inner>,
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
            return Ok(EmbeddedCounters { inner });
        }
        let mut options = EnvOpenOptions::new().read_txn_without_tls();
        options.map_size(MAP_SIZE).max_dbs(2);
        // SAFETY: as for the analytics store (lib.rs): this process maps each environment
        // once (the OPEN registry), and nothing truncates the file outside LMDB.
        #[allow(unsafe_code)]
        let env = unsafe { options.open(&path) }.map_err(engine)?;
        let mut wtxn = env.write_txn().map_err(engine)?;
        let rows = env.create_database(&mut wtxn, Some("rows")).map_err(engine)?;
        wtxn.commit().map_err(engine)?;
        let inner = Arc::new(Inner { env, rows });
        open.insert(path, Arc::downgrade(&inner));
        Ok(EmbeddedCounters { inner })
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

/// The feature of a stored key: what follows the agent's NUL.
fn feature_of(key: &[u8]) -> StoreResult<&str> {
    let rest = key.get(4..).ok_or_else(short_key)?;
    let nul = rest.iter().position(|&b| b == 0);
    let nul = nul.ok_or_else(|| crate::codec::corrupt("feature usage key without NUL"))?;
    std::str::from_utf8(&rest[nul + 1..]).map_err(|_| crate::codec::corrupt("feature not UTF-8"))
}

fn count_of(value: &[u8]) -> StoreResult<u64> {
    Reader::new(value).varint()
}

impl FeatureUsageStore for EmbeddedCounters {
    fn record(
        &self,
        batch: &CountBatch,
        admit: &mut Admit<'_>,
        prune: Prune,
    ) -> StoreResult<Recorded> {
        let (env, rows) = (&self.inner.env, self.inner.rows);
        let mut wtxn = env.write_txn().map_err(engine)?;
        let keys: Vec<Vec<u8>> = batch.rows.keys().map(key_of).collect();
        let mut counts = Vec::with_capacity(keys.len());
        for key in &keys {
            counts.push(rows.get(&wtxn, key).map_err(engine)?.map(count_of).transpose()?);
        }
        let stored: Vec<bool> = counts.iter().map(Option::is_some).collect();
        let (hits, mut done) = admit_in_time_order(batch, &stored, admit);
        let mut value = Vec::with_capacity(10);
        for ((key, count), hits) in keys.iter().zip(counts).zip(hits) {
            if hits > 0 {
                value.clear();
                put_varint(&mut value, count.unwrap_or(0).saturating_add(hits));
                rows.put(&mut wtxn, key, &value).map_err(engine)?;
            }
        }
        let before = day_bytes(prune.before);
        let mut expired = Vec::new();
        for entry in rows.iter(&wtxn).map_err(engine)?.take(prune.limit) {
            let (key, _) = entry.map_err(engine)?;
            if key.get(..4).is_none_or(|d| d >= &before[..]) {
                break;
            }
            expired.push(key.to_vec());
        }
        for key in &expired {
            rows.delete(&mut wtxn, key).map_err(engine)?;
        }
        done.pruned = expired.len() as u64;
        wtxn.commit().map_err(engine)?;
        Ok(done)
    }

    fn usage(&self, query: &UsageQuery) -> StoreResult<Vec<UsageRow>> {
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let rows = self.inner.rows;
        // Keys and values borrow from the transaction: nothing is copied before summing.
        let mut found: Vec<(Day, &str, u64)> = Vec::new();
        let mut day = query.first;
        while day <= query.last {
            let mut prefix = day_bytes(day).to_vec();
            prefix.extend_from_slice(query.agent_prefix.as_bytes());
            for entry in rows.prefix_iter(&rtxn, &prefix).map_err(engine)? {
                let (key, value) = entry.map_err(engine)?;
                let feature = feature_of(key)?;
                if query.wants(feature) {
                    found.push((day, feature, count_of(value)?));
                }
            }
            day = day.next();
        }
        Ok(sum_rows(query, found))
    }

    fn earliest_day(&self, from: Day) -> StoreResult<Option<Day>> {
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        let start = day_bytes(from);
        let bounds = (std::ops::Bound::Included(&start[..]), std::ops::Bound::Unbounded);
        let mut range = self.inner.rows.range(&rtxn, &bounds).map_err(engine)?;
        match range.next() {
            Some(entry) => Ok(Some(day_of_key(entry.map_err(engine)?.0)?)),
            None => Ok(None),
        }
    }

    fn row_count(&self) -> StoreResult<u64> {
        let rtxn = self.inner.env.read_txn().map_err(engine)?;
        self.inner.rows.len(&rtxn).map_err(engine)
    }
}
