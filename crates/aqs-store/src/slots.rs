//! Segment slots: every segment's entries live in an LMDB database of their own,
//! `segment-<slot>`, in blocks of articles keyed by their first id (`blocks.rs`).
//!
//! A merge replaces several segments by one. With every segment in one table, the merged-away
//! entries had to be deleted one by one, which for a full-size month is billions of deletes
//! (and as many rewritten pages). With a table per segment, the merge empties the old tables
//! (LMDB frees their pages without reading them) in the same transaction that publishes the
//! new segment. An emptied table is a free slot, reused by the next new segment, so the number
//! of tables stays the number of segments that live at once (a few per month of data).
//!
//! Handles: LMDB closes a table handle first opened in a write transaction that aborts, so
//! writers never cache handles; readers open every slot once through a read transaction and
//! keep the handles ([`Slots`]).

use crate::write::WriteState;
use crate::{Table, engine, u32_value};
use aqs_core::error::{StoreError, StoreResult};
use heed::{Env, RoTxn, RwTxn, WithoutTls};
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// `meta` key: how many slot tables exist (u32 BE).
pub(crate) const META_SLOTS: &[u8] = b"slots";
/// The most slot tables a store may have (LMDB's table limit, less the fixed tables): a
/// complete month keeps one segment, so 240 hold nineteen years beside the current month.
/// Every read transaction allocates and zeroes room for each possible table, so this stays
/// small: at 1,000 the per-article read bench took 5.95 µs instead of 4.2.
pub(crate) const MAX_SLOTS: u32 = 240;

fn name(slot: u32) -> String {
    format!("segment-{slot}")
}

/// Slot table handles opened through read transactions, by slot number.
#[derive(Default)]
pub(crate) struct Slots {
    open: RwLock<Vec<Table>>,
    /// Bumped whenever tables are opened: a read transaction begun before that cannot use the
    /// new handles (LMDB answers EINVAL), so readers compare it (see `read_snapshot`).
    epoch: AtomicU64,
}

impl Slots {
    /// Handles of every slot `txn` knows of, opening the ones this process has not opened yet
    /// (in a read transaction of their own, committed so that LMDB keeps the handles). Call it
    /// only while this process has no write transaction open (LMDB's rule for opening tables).
    pub fn refresh(
        &self,
        env: &Env<WithoutTls>,
        meta: Table,
        txn: &RoTxn<'_, WithoutTls>,
    ) -> StoreResult<Vec<Table>> {
        let count = slot_count(meta, txn)? as usize;
        {
            let open = self.open.read().unwrap_or_else(|p| p.into_inner());
            if open.len() >= count {
                return Ok(open.clone());
            }
        }
        let mut open = self.open.write().unwrap_or_else(|p| p.into_inner());
        // A newer transaction than `txn`: it knows at least the same slots.
        let opener = env.read_txn().map_err(engine)?;
        while open.len() < count {
            let slot = open.len() as u32;
            let table = env
                .open_database(&opener, Some(&name(slot)))
                .map_err(engine)?
                .ok_or_else(|| StoreError::Corrupt(format!("table {} is missing", name(slot))))?;
            open.push(table);
        }
        opener.commit().map_err(engine)?;
        self.epoch.fetch_add(1, Ordering::SeqCst);
        Ok(open.clone())
    }

    /// How many times tables were opened so far.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::SeqCst)
    }

    /// The handles opened so far (a writer falls back to [`write_table`] past them).
    pub fn opened(&self) -> Vec<Table> {
        self.open.read().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

fn slot_count(meta: Table, txn: &RoTxn<'_, WithoutTls>) -> StoreResult<u32> {
    match meta.get(txn, META_SLOTS).map_err(engine)? {
        Some(bytes) => u32_value(bytes, "slot count"),
        None => Ok(0),
    }
}

/// The table of `slot` inside a write transaction: the reader's handle when this process has
/// one, else opened (or created) for this transaction only.
pub(crate) fn write_table(
    env: &Env<WithoutTls>,
    opened: &[Table],
    wtxn: &mut RwTxn,
    slot: u32,
) -> StoreResult<Table> {
    match opened.get(slot as usize) {
        Some(table) => Ok(*table),
        None => env.create_database(wtxn, Some(&name(slot))).map_err(engine),
    }
}

/// A free slot for a new segment, creating a table when every slot is taken; the slot is
/// marked taken in `state` until the transaction ends.
pub(crate) fn allocate(
    env: &Env<WithoutTls>,
    opened: &[Table],
    wtxn: &mut RwTxn,
    state: &mut WriteState,
) -> StoreResult<(u32, Table)> {
    let taken = |slot: u32| {
        state.manifest.segments.iter().any(|s| s.slot == slot) || state.reserved.contains(&slot)
    };
    let slot = match (0..state.slots).find(|s| !taken(*s)) {
        Some(slot) => slot,
        None => {
            if state.slots >= MAX_SLOTS {
                return Err(StoreError::Limit(format!(
                    "more than {MAX_SLOTS} segments at once; run `aqs compact`"
                )));
            }
            state.slots += 1;
            state.slots - 1
        }
    };
    state.reserved.push(slot);
    Ok((slot, write_table(env, opened, wtxn, slot)?))
}

/// Empties the table of a segment merged away; its slot is free for the next transaction.
pub(crate) fn release(
    env: &Env<WithoutTls>,
    opened: &[Table],
    wtxn: &mut RwTxn,
    slot: u32,
) -> StoreResult<()> {
    write_table(env, opened, wtxn, slot)?.clear(wtxn).map_err(engine)
}

#[cfg(test)]
mod tests {
    use crate::{EmbeddedStore, StoreOptions};
    use aqs_core::dates::{Day, YearMonth};
    use aqs_core::error::StoreResult;
    use aqs_core::pageviews::{ArticleDay, ArticleViews, PageviewsBatch, PageviewsWrite};
    use aqs_core::params::{Access, Agent};
    use aqs_core::project::Project;

    /// A store in a new directory.
    fn store() -> (tempfile::TempDir, EmbeddedStore) {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions { map_size: 1 << 28, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        (dir, store)
    }

    /// Writes `articles` articles of project `x` on `day`, replacing the day.
    fn write_day(store: &EmbeddedStore, day: Day, articles: u32) -> StoreResult<()> {
        let mut views = ArticleViews::default();
        views.add(Access::Desktop, Agent::User, 3);
        let rows = (0..articles).map(|a| (format!("A{a:02}"), views)).collect();
        let article_days = vec![ArticleDay { day, project: Project::from_stored("x"), rows }];
        let batch =
            PageviewsBatch { replace_article_days: vec![day], article_days, ..Default::default() };
        store.write(&batch).map(|_| ())
    }

    #[test]
    fn merged_segments_free_their_tables_for_the_next_ones() {
        let (_dir, store) = store();
        let months = [YearMonth::new(2024, 1).unwrap(), YearMonth::new(2024, 2).unwrap()];
        for month in months {
            for day in month.days() {
                write_day(&store, day, 40).unwrap();
            }
        }
        let (rtxn, snapshot) = store.read_snapshot().unwrap();
        assert_eq!(snapshot.manifest.segments.len(), 2, "each complete month is one segment");
        assert!(snapshot.slots.len() <= 8, "{} tables for 60 daily loads", snapshot.slots.len());
        let entries: u64 = snapshot
            .slots
            .iter()
            .map(|t| crate::blocks::articles(t, &rtxn, crate::blocks::ARTICLE_SHIFT))
            .sum();
        assert_eq!(entries, 2 * 40, "merged-away tables are empty");
        assert_eq!(store.article_day_count().unwrap(), 60 * 40);
    }

    #[test]
    fn past_the_slot_limit_a_write_fails_clearly_and_keeps_what_was_stored() {
        let (_dir, store) = store();
        // One day in each month: a segment per month, none merged.
        let mut month = YearMonth::new(2000, 1).unwrap();
        for _ in 0..super::MAX_SLOTS {
            write_day(&store, month.first_day(), 1).unwrap();
            month = month.next();
        }
        let err = write_day(&store, month.first_day(), 1).unwrap_err().to_string();
        assert!(err.contains("more than 240 segments"), "{err}");
        assert_eq!(store.article_day_count().unwrap(), u64::from(super::MAX_SLOTS));
    }
}
