//! Month roll-ups that wait for their month's merge (`PageviewsWrite::month_merge_pending`):
//! when a load's merge budget runs out before a complete month is one segment, the roll-up
//! (which needs the month's top-list candidates) waits for the load that finishes the merge,
//! which collects them as it goes (`saved_heaps.rs`), instead of reading the month a second
//! time within the budget of the day that completed it.
//!
//! Meta key `rollups_waiting`: the months, each a varint of `year × 12 + month − 1`.

use super::merge_plan;
use crate::codec::{Reader, put_varint};
use crate::segments::PER_ARTICLE;
use crate::{EmbeddedStore, engine};
use aqs_core::dates::YearMonth;
use aqs_core::error::StoreResult;

const META_ROLLUPS_WAITING: &[u8] = b"rollups_waiting";

impl EmbeddedStore {
    /// Whether the month's per-article segments are still to be merged, or under way.
    pub(crate) fn month_merge_is_pending(&self, month: YearMonth) -> StoreResult<bool> {
        let manifest = self.write_state()?.manifest;
        if manifest.unfinished(PER_ARTICLE, month).is_some() {
            return Ok(true);
        }
        let small = self.is_small(&manifest, PER_ARTICLE, month)?;
        Ok(merge_plan(&manifest, PER_ARTICLE, month, small).is_some())
    }

    pub(crate) fn read_rollups_waiting(&self) -> StoreResult<Vec<YearMonth>> {
        let rtxn = self.read_txn()?;
        let Some(bytes) =
            self.inner.tables.meta.get(&rtxn, META_ROLLUPS_WAITING).map_err(engine)?
        else {
            return Ok(Vec::new());
        };
        let mut reader = Reader::new(bytes);
        let mut months = Vec::new();
        while !reader.is_empty() {
            let n = reader.varint()?;
            let month = i32::try_from(n / 12)
                .ok()
                .and_then(|year| YearMonth::new(year, (n % 12) as u8 + 1))
                .ok_or_else(|| crate::codec::corrupt("a waiting roll-up's month"))?;
            months.push(month);
        }
        Ok(months)
    }

    pub(crate) fn write_rollups_waiting(&self, months: &[YearMonth]) -> StoreResult<()> {
        let mut wtxn = self.inner.env.write_txn().map_err(engine)?;
        let meta = self.inner.tables.meta;
        if months.is_empty() {
            meta.delete(&mut wtxn, META_ROLLUPS_WAITING).map_err(engine)?;
        } else {
            let mut bytes = Vec::new();
            for m in months {
                put_varint(&mut bytes, (m.year().max(0) as u64) * 12 + u64::from(m.month()) - 1);
            }
            meta.put(&mut wtxn, META_ROLLUPS_WAITING, &bytes).map_err(engine)?;
        }
        wtxn.commit().map_err(engine)
    }
}
