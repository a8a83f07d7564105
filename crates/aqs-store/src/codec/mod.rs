//! Byte encodings of keys and values (see docs/store-format.md).

use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::StoreError;
use aqs_core::pageviews::ArticleViews;

mod raw;
pub use raw::{RawDay, put_raw_month, read_raw_month};

pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over encoded bytes; every read fails cleanly on truncated or malformed input.
pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Reader<'a> {
        Reader { bytes, pos: 0 }
    }

    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// How many bytes were read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    #[inline]
    pub fn varint(&mut self) -> Result<u64, StoreError> {
        // The common case, one byte, without the loop.
        if let Some(&byte) = self.bytes.get(self.pos) {
            if byte < 0x80 {
                self.pos += 1;
                return Ok(u64::from(byte));
            }
        }
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.bytes.get(self.pos).ok_or_else(|| corrupt("truncated varint"))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
        }
        Err(corrupt("varint longer than 64 bits"))
    }

    #[inline]
    pub fn u32(&mut self) -> Result<u32, StoreError> {
        u32::try_from(self.varint()?).map_err(|_| corrupt("counter over 32 bits"))
    }

    pub fn bytes(&mut self, len: usize) -> Result<&'a [u8], StoreError> {
        let end = self.pos.checked_add(len).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| corrupt("truncated bytes"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }
}

pub fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

/// The concrete counters in storage order: the most common first, so that the usual masks
/// fit in one byte. Indexes into [`ArticleViews::concrete`] (access-major: desktop,
/// mobile-app, mobile-web × automated, spider, user).
const CONCRETE_ORDER: [usize; 9] = [
    2, // desktop user
    8, // mobile-web user
    1, // desktop spider
    7, // mobile-web spider
    0, // desktop automated
    6, // mobile-web automated
    5, // mobile-app user
    4, // mobile-app spider
    3, // mobile-app automated
];

/// The value of one article in one segment: which days of the month have a row, then the
/// rows, laid out row by row or column by column, whichever is shorter.
///
/// `varint header = (days << 2) | (complement << 1) | by_column`, where `days` is the day mask
/// (bit i: day i+1), or its complement within the month when that is smaller (a dense month
/// then takes one byte). Row by row: for each day a varint tag `(mask << 1) | explicit`, then
/// one varint per set bit of the mask: derived rows (the usual case) hold the nine concrete
/// counters in [`CONCRETE_ORDER`], rows whose `all-*` columns are not the sums (imports) all
/// 16 columns (`explicit` = 1). Column by column: one tag
/// `(mask << 1) | explicit` over the columns any day uses, then for each such column one
/// varint per day (zeros included).
pub fn put_month_entries(out: &mut Vec<u8>, month: YearMonth, entries: &[(Day, ArticleViews)]) {
    debug_assert!(entries.len() <= usize::from(month.len()), "one entry per day");
    let first = month.first_day();
    let mut rows = [RawDay::EMPTY; 31];
    for (row, (day, views)) in rows.iter_mut().zip(entries) {
        *row = RawDay::from_views((day.epoch_days() - first.epoch_days()) as u8, views);
    }
    put_raw_month(out, month, &rows[..entries.len().min(31)], &mut Vec::new());
}

/// The day mask of an encoded value.
pub fn month_day_mask(bytes: &[u8], month: YearMonth) -> Result<u64, StoreError> {
    Ok(read_header(&mut Reader::new(bytes), month)?.0)
}

fn read_header(r: &mut Reader<'_>, month: YearMonth) -> Result<(u64, bool), StoreError> {
    let header = r.varint()?;
    let full = (1u64 << month.len()) - 1;
    let days = header >> 2;
    if days & !full != 0 {
        return Err(corrupt("day mask past the end of the month"));
    }
    let mask = if header & 2 != 0 { !days & full } else { days };
    Ok((mask, header & 1 != 0))
}

pub fn read_month_entries(
    bytes: &[u8],
    month: YearMonth,
) -> Result<Vec<(Day, ArticleViews)>, StoreError> {
    let mut out = Vec::new();
    read_month_entries_into(bytes, month, &mut out)?;
    Ok(out)
}

/// [`read_month_entries`] into `out` (cleared first).
pub fn read_month_entries_into(
    bytes: &[u8],
    month: YearMonth,
    out: &mut Vec<(Day, ArticleViews)>,
) -> Result<(), StoreError> {
    let mut raw = Vec::with_capacity(usize::from(month.len()));
    read_raw_month(bytes, month, &mut raw)?;
    let first = month.first_day();
    out.clear();
    out.extend(raw.iter().map(|r| (first.add_days(i32::from(r.day)), r.views())));
    Ok(())
}

/// The key of an article in a segment's table: its id, big-endian, so entries sort by id.
pub fn article_id_key(article: u32) -> [u8; 4] {
    article.to_be_bytes()
}

pub fn split_article_id_key(key: &[u8]) -> Result<u32, StoreError> {
    Ok(u32::from_be_bytes(key.try_into().map_err(|_| corrupt("segment key is not 4 bytes"))?))
}

/// `project_id ‖ title`.
pub fn article_key(project: u16, title: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(2 + title.len());
    key.extend_from_slice(&project.to_be_bytes());
    key.extend_from_slice(title.as_bytes());
    key
}

#[cfg(test)]
mod tests {
    use super::*;
    use aqs_core::params::{Access, Agent};

    #[test]
    fn varints_round_trip_and_reject_truncation() {
        for v in [0, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut out = Vec::new();
            put_varint(&mut out, v);
            assert_eq!(Reader::new(&out).varint().unwrap(), v);
            assert!(Reader::new(&out[..out.len() - 1]).varint().is_err());
        }
    }

    #[test]
    fn a_tail_article_day_takes_three_bytes_with_its_month_header() {
        let month = YearMonth::new(2024, 3).unwrap();
        let mut v = ArticleViews::default();
        v.add(Access::Desktop, Agent::User, 3);
        let entries = vec![(month.first_day(), v)];
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &entries);
        // The day mask (day 1, row by row), the row's counter mask, its one counter.
        assert_eq!(out, vec![1 << 2, 1 << 1, 3]);
        assert_eq!(read_month_entries(&out, month).unwrap(), entries);
    }

    #[test]
    fn explicit_rows_round_trip() {
        let month = YearMonth::new(2024, 3).unwrap();
        let mut v = ArticleViews::default();
        v.0[0] = 5;
        v.0[15] = 70_000;
        let entries = vec![(month.last_day(), v)];
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &entries);
        assert_eq!(read_month_entries(&out, month).unwrap(), entries);
    }

    #[test]
    fn month_entries_round_trip_and_reject_garbage() {
        let month = YearMonth::new(2024, 2).unwrap();
        let mut a = ArticleViews::default();
        a.add(Access::MobileApp, Agent::Automated, 1_000_000);
        let entries = vec![(month.first_day(), a), (month.last_day(), ArticleViews::default())];
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &entries);
        assert_eq!(read_month_entries(&out, month).unwrap(), entries);
        assert!(read_month_entries(&out[..out.len() - 1], month).is_err());
        let mut extra = out.clone();
        extra.push(0);
        assert!(read_month_entries(&extra, month).is_err());
        // Day 30 does not exist in February 2024.
        assert!(read_month_entries(&[0x80, 0x80, 0x80, 0x80, 0x08], month).is_err());
    }

    fn month_of(
        days: u8,
        make: impl Fn(u8) -> ArticleViews,
    ) -> (YearMonth, Vec<(Day, ArticleViews)>) {
        let month = YearMonth::new(2024, 1).unwrap();
        (month, (0..days).map(|i| (month.first_day().add_days(i32::from(i)), make(i))).collect())
    }

    #[test]
    fn a_stable_dense_month_is_stored_by_column_with_a_complemented_mask() {
        let (month, entries) = month_of(31, |i| {
            let mut v = ArticleViews::default();
            v.add(Access::Desktop, Agent::User, 5 + u32::from(i));
            v.add(Access::MobileWeb, Agent::User, 9);
            v
        });
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &entries);
        // 1 header byte, 1 column tag, 2 × 31 values.
        assert_eq!(out.len(), 1 + 1 + 62);
        assert_eq!(read_month_entries(&out, month).unwrap(), entries);
        assert_eq!(month_day_mask(&out, month).unwrap(), (1 << 31) - 1);
    }

    #[test]
    fn varying_sparse_days_stay_row_by_row_and_imports_round_trip_by_column() {
        let (month, entries) = month_of(10, |i| {
            let mut v = ArticleViews::default();
            let access =
                [Access::Desktop, Access::MobileWeb, Access::MobileApp][usize::from(i % 3)];
            let agent = [Agent::User, Agent::Spider, Agent::Automated][usize::from(i / 3 % 3)];
            v.add(access, agent, 1);
            v
        });
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &entries);
        assert_eq!(out[0] & 1, 0, "row by row");
        assert_eq!(read_month_entries(&out, month).unwrap(), entries);
        let (month, imported) = month_of(20, |i| {
            let mut v = ArticleViews::default();
            v.0[0] = 100 + u32::from(i);
            v.0[7] = 3;
            v
        });
        let mut out = Vec::new();
        put_month_entries(&mut out, month, &imported);
        assert_eq!(out[0] & 1, 1, "column by column");
        assert_eq!(read_month_entries(&out, month).unwrap(), imported);
    }
}
