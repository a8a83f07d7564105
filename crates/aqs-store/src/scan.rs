//! Scans of per-article data in article-id order, through a read transaction: every segment of
//! a month is read with its own cursor, in parallel, and each article's rows are resolved as a
//! read resolves them (newest segment first; a segment that replaces a day hides older
//! segments' rows of that day). Used for the kept agents of a day's publication, for
//! monthly top lists and by merges (one scan per block of article ids).

use crate::blocks;
use crate::codec::{RawDay, read_raw_month};
use crate::segments::{EntityTable, Manifest, Segment, day_bit};
use crate::{Table, engine};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::StoreResult;
use aqs_core::pageviews::ArticleViews;
use heed::types::Bytes;
use heed::{RoRange, RoTxn, WithoutTls};

/// One segment's articles in id order from a first id, and the current one.
struct Cursor<'r> {
    segment: Segment,
    range: RoRange<'r, Bytes, Bytes>,
    /// The articles of the current entry (one, or a block), and the head's place in it.
    block: Vec<(u32, &'r [u8])>,
    at: usize,
    head: Option<(u32, &'r [u8])>,
    /// The first article id of the scan, and the first past it.
    start: u64,
    end: u64,
}

impl<'r> Cursor<'r> {
    /// The articles of `segment` (in `table`) with ids in `ids`, positioned on the first.
    fn open(
        table: &Table,
        txn: &'r RoTxn<'_, WithoutTls>,
        segment: Segment,
        ids: std::ops::Range<u64>,
    ) -> StoreResult<Cursor<'r>> {
        let first = u32::try_from(ids.start).unwrap_or(u32::MAX);
        let from = blocks::start_key(first, segment.shift);
        let bounds = (std::ops::Bound::Included(&from[..]), std::ops::Bound::Unbounded);
        let range = table.range(txn, &bounds).map_err(engine)?;
        let mut cursor = Cursor {
            segment,
            range,
            block: Vec::new(),
            at: 0,
            head: None,
            start: ids.start,
            end: ids.end,
        };
        cursor.advance()?;
        Ok(cursor)
    }

    fn advance(&mut self) -> StoreResult<()> {
        loop {
            self.at += 1;
            if self.at >= self.block.len() {
                let Some((key, value)) = self.range.next().transpose().map_err(engine)? else {
                    self.head = None;
                    return Ok(());
                };
                blocks::entries(key, value, self.segment.shift, &mut self.block)?;
                self.at = 0;
            }
            let (article, value) = self.block[self.at];
            if u64::from(article) < self.start {
                continue;
            }
            self.head = (u64::from(article) < self.end).then_some((article, value));
            return Ok(());
        }
    }
}

/// Articles of some of a month's segments, in id order, each with its resolved rows.
pub(crate) struct SegmentScan<'r> {
    month: YearMonth,
    /// Newest segment first.
    cursors: Vec<Cursor<'r>>,
    decoded: Vec<RawDay>,
    raw: Vec<RawDay>,
}

impl<'r> SegmentScan<'r> {
    /// Scans the articles `ids` of `segments` (newest first) of `month`; `slots` are the
    /// segment tables.
    pub fn open<'a>(
        slots: &[Table],
        txn: &'r RoTxn<'_, WithoutTls>,
        month: YearMonth,
        segments: impl Iterator<Item = &'a Segment>,
        ids: std::ops::Range<u64>,
    ) -> StoreResult<SegmentScan<'r>> {
        let mut cursors = Vec::new();
        for segment in segments {
            let table = slots.get(segment.slot as usize).ok_or_else(|| {
                aqs_core::error::StoreError::Corrupt(format!("no table for slot {}", segment.slot))
            })?;
            cursors.push(Cursor::open(table, txn, *segment, ids.clone())?);
        }
        Ok(SegmentScan { month, cursors, decoded: Vec::new(), raw: Vec::new() })
    }

    /// Every segment of a month.
    pub fn month(
        slots: &[Table],
        txn: &'r RoTxn<'_, WithoutTls>,
        manifest: &Manifest,
        table: EntityTable,
        month: YearMonth,
    ) -> StoreResult<SegmentScan<'r>> {
        SegmentScan::open(slots, txn, month, manifest.newest_first(table, month), 0..u64::MAX)
    }

    /// The segments that can hold rows of one day: newest first, down to the newest one that
    /// replaces the day.
    pub fn day(
        slots: &[Table],
        txn: &'r RoTxn<'_, WithoutTls>,
        manifest: &Manifest,
        table: EntityTable,
        day: Day,
    ) -> StoreResult<SegmentScan<'r>> {
        let bit = day_bit(day);
        let mut segments = Vec::new();
        for segment in manifest.newest_first(table, day.year_month()) {
            if segment.days & bit != 0 {
                segments.push(*segment);
            }
            // A segment of some articles only (a merge under way) hides nothing for the rest.
            if segment.covers & bit != 0 && segment.is_whole() {
                break;
            }
        }
        SegmentScan::open(slots, txn, day.year_month(), segments.iter(), 0..u64::MAX)
    }

    /// The next article with rows, and its rows (in no particular order), or `None` at the end.
    pub fn next(&mut self, rows: &mut Vec<(Day, ArticleViews)>) -> StoreResult<Option<u32>> {
        let mut raw = std::mem::take(&mut self.raw);
        let next = self.next_raw(&mut raw);
        let first = self.month.first_day();
        rows.clear();
        rows.extend(raw.iter().map(|r| (first.add_days(i32::from(r.day)), r.views())));
        self.raw = raw;
        next
    }

    /// [`SegmentScan::next`] with the rows as stored (no conversion to the served columns).
    pub fn next_raw(&mut self, rows: &mut Vec<RawDay>) -> StoreResult<Option<u32>> {
        loop {
            rows.clear();
            let Some(id) = self.cursors.iter().filter_map(|c| c.head.map(|h| h.0)).min() else {
                return Ok(None);
            };
            let mut resolved = 0u64;
            for cursor in &mut self.cursors {
                if !cursor.segment.applies(id) {
                    if cursor.head.is_some_and(|(head, _)| head == id) {
                        cursor.advance()?;
                    }
                    continue;
                }
                if let Some((_, value)) = cursor.head.filter(|(head, _)| *head == id) {
                    read_raw_month(value, self.month, &mut self.decoded)?;
                    for row in &self.decoded {
                        let bit = 1u64 << row.day;
                        if resolved & bit == 0 {
                            rows.push(*row);
                        }
                        resolved |= bit;
                    }
                    cursor.advance()?;
                }
                resolved |= cursor.segment.covers;
            }
            if !rows.is_empty() {
                return Ok(Some(id));
            }
        }
    }
}
