//! The tables kept per day: a day's numbers (`days`), sealing its fresh keys into a new run,
//! pruning whole expired days, and moving a store of the first layout into runs.

use super::run::{self, Run};
use super::{Inner, count_of, short_key, split_key};
use crate::codec::{Reader, put_varint};
use crate::engine;
use aqs_core::dates::Day;
use aqs_core::error::StoreResult;
use aqs_core::feature_usage::Prune;
use heed::types::Bytes;
use heed::{Database, RwTxn, WithoutTls};
use std::ops::Bound;

pub(super) fn day_bytes(day: Day) -> [u8; 4] {
    ((i64::from(day.epoch_days()) + (1 << 31)) as u32).to_be_bytes()
}

pub(super) fn day_of_key(key: &[u8]) -> StoreResult<Day> {
    let bytes: [u8; 4] = key.get(..4).and_then(|b| b.try_into().ok()).ok_or_else(short_key)?;
    Ok(Day::from_epoch_days((i64::from(u32::from_be_bytes(bytes)) - (1 << 31)) as i32))
}

/// The first key of `day` and of the day after: the keys of one day in `fresh` lie between.
fn day_range(day: Day) -> [[u8; 4]; 2] {
    [day_bytes(day), day_bytes(day.next())]
}

/// [`day_range`] as the bounds LMDB takes.
fn bounds(range: &[[u8; 4]; 2]) -> (Bound<&[u8]>, Bound<&[u8]>) {
    (Bound::Included(&range[0][..]), Bound::Excluded(&range[1][..]))
}

/// A day's numbers in `days`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct DayStats {
    pub(super) rows: u64,
    pub(super) fresh: u64,
}

impl DayStats {
    pub(super) fn read(value: &[u8]) -> StoreResult<DayStats> {
        let mut reader = Reader::new(value);
        Ok(DayStats { rows: reader.varint()?, fresh: reader.varint()? })
    }

    pub(super) fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(10);
        put_varint(&mut out, self.rows);
        put_varint(&mut out, self.fresh);
        out
    }
}

impl Inner {
    pub(super) fn day_stats(
        &self,
        txn: &heed::RoTxn<WithoutTls>,
        day: Day,
    ) -> StoreResult<DayStats> {
        let value = self.days.get(txn, &day_bytes(day)).map_err(engine)?;
        value.map(DayStats::read).transpose().map(Option::unwrap_or_default)
    }

    pub(super) fn run<'t>(
        &self,
        txn: &'t heed::RoTxn<WithoutTls>,
        day: Day,
    ) -> StoreResult<Option<Run<'t>>> {
        self.runs.get(txn, &day_bytes(day)).map_err(engine)?.map(Run::read).transpose()
    }

    /// Merges the day's fresh counts into a new run; returns the day's rows.
    pub(super) fn seal(&self, wtxn: &mut RwTxn, day: Day) -> StoreResult<u64> {
        let range = day_range(day);
        let (bytes, rows) = {
            let mut entries: Vec<(&[u8], &[u8], u64)> = Vec::new();
            if let Some(run) = self.run(wtxn, day)? {
                entries.extend(run.entries());
            }
            for entry in self.fresh.range(wtxn, &bounds(&range)).map_err(engine)? {
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
        self.fresh.delete_range(wtxn, &bounds(&range)).map_err(engine)?;
        self.runs.put(wtxn, &day_bytes(day), &bytes).map_err(engine)?;
        Ok(rows)
    }

    /// Removes whole expired days, oldest first, until `prune.limit` rows have gone (at
    /// least one day when one has expired: a day is one run and at most a seal's worth of
    /// fresh keys, whatever its rows).
    pub(super) fn prune(&self, wtxn: &mut RwTxn, prune: Prune) -> StoreResult<u64> {
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
            self.fresh.delete_range(wtxn, &bounds(&day_range(day))).map_err(engine)?;
            self.runs.delete(wtxn, &day_bytes(day)).map_err(engine)?;
            self.days.delete(wtxn, &day_bytes(day)).map_err(engine)?;
        }
        Ok(rows)
    }

    /// Moves the rows of the first layout (one `rows` table of plain keys, as `fresh`) into
    /// runs, once.
    pub(super) fn adopt_first_layout(&self, wtxn: &mut RwTxn) -> StoreResult<()> {
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
                let range = old.range(wtxn, &bounds(&day_range(day))).map_err(engine)?;
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

#[cfg(test)]
mod tests {
    use super::super::{DIRECTORY, EmbeddedCounters, key_of};
    use super::*;
    use aqs_core::feature_usage::{CountBatch, CountKey, FeatureUsageStore, UsageQuery, UsageRow};
    use heed::EnvOpenOptions;

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
