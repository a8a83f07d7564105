//! Byte encodings of keys and values (see docs/store-format.md).

use aqs_core::dates::{Day, YearMonth};
use aqs_core::error::StoreError;
use aqs_core::pageviews::ArticleViews;

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

    pub fn varint(&mut self) -> Result<u64, StoreError> {
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

/// Appends one day's counters: a varint tag `(mask << 1) | explicit`, then one varint per set
/// bit of the mask. Derived rows (the usual case) store the nine concrete counters; rows
/// whose `all-*` columns are not the sums (imports) store all 16 columns (`explicit` = 1).
pub fn put_views(out: &mut Vec<u8>, views: &ArticleViews) {
    if views.is_derived() {
        let concrete = views.concrete();
        let mut mask = 0u64;
        for (bit, &index) in CONCRETE_ORDER.iter().enumerate() {
            if concrete[index] != 0 {
                mask |= 1 << bit;
            }
        }
        put_varint(out, mask << 1);
        for &index in &CONCRETE_ORDER {
            if concrete[index] != 0 {
                put_varint(out, concrete[index].into());
            }
        }
    } else {
        let mask =
            views.0.iter().enumerate().fold(0u64, |m, (i, &c)| if c != 0 { m | 1 << i } else { m });
        put_varint(out, (mask << 1) | 1);
        for &c in views.0.iter().filter(|&&c| c != 0) {
            put_varint(out, c.into());
        }
    }
}

pub fn read_views(r: &mut Reader<'_>) -> Result<ArticleViews, StoreError> {
    let tag = r.varint()?;
    let mask = tag >> 1;
    if tag & 1 == 0 {
        if mask >> 9 != 0 {
            return Err(corrupt("concrete counter mask over 9 bits"));
        }
        let mut concrete = [0u32; 9];
        for (bit, &index) in CONCRETE_ORDER.iter().enumerate() {
            if mask & (1 << bit) != 0 {
                concrete[index] = r.u32()?;
            }
        }
        Ok(ArticleViews::from_concrete(concrete))
    } else {
        if mask >> 16 != 0 {
            return Err(corrupt("column mask over 16 bits"));
        }
        let mut views = ArticleViews::default();
        for (i, c) in views.0.iter_mut().enumerate() {
            if mask & (1 << i) != 0 {
                *c = r.u32()?;
            }
        }
        Ok(views)
    }
}

/// The value of one article in one segment: the days of one month that have a row, then each
/// day's counters in day order.
pub fn put_month_entries(out: &mut Vec<u8>, month: YearMonth, entries: &[(Day, ArticleViews)]) {
    let first = month.first_day().epoch_days();
    let mask = entries.iter().fold(0u64, |m, (d, _)| m | 1 << (d.epoch_days() - first));
    put_varint(out, mask);
    for (_, views) in entries {
        put_views(out, views);
    }
}

pub fn read_month_entries(
    bytes: &[u8],
    month: YearMonth,
) -> Result<Vec<(Day, ArticleViews)>, StoreError> {
    let mut r = Reader::new(bytes);
    let mask = r.varint()?;
    if mask >> month.len() != 0 {
        return Err(corrupt("day mask past the end of the month"));
    }
    let first = month.first_day();
    let mut out = Vec::with_capacity(mask.count_ones() as usize);
    for i in 0..i32::from(month.len()) {
        if mask & (1 << i) != 0 {
            out.push((first.add_days(i), read_views(&mut r)?));
        }
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a month of counters"));
    }
    Ok(out)
}

/// `segment_id ‖ article_id`, both big-endian so keys sort by segment, then article.
pub fn series_key(segment: u32, article: u32) -> [u8; 8] {
    let mut key = [0u8; 8];
    key[..4].copy_from_slice(&segment.to_be_bytes());
    key[4..].copy_from_slice(&article.to_be_bytes());
    key
}

pub fn split_series_key(key: &[u8]) -> Result<(u32, u32), StoreError> {
    let key: [u8; 8] = key.try_into().map_err(|_| corrupt("series key is not 8 bytes"))?;
    Ok((
        u32::from_be_bytes(key[..4].try_into().expect("4 bytes")),
        u32::from_be_bytes(key[4..].try_into().expect("4 bytes")),
    ))
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
    fn a_tail_article_day_takes_two_bytes() {
        let mut v = ArticleViews::default();
        v.add(Access::Desktop, Agent::User, 3);
        let mut out = Vec::new();
        put_views(&mut out, &v);
        assert_eq!(out.len(), 2);
        assert_eq!(read_views(&mut Reader::new(&out)).unwrap(), v);
    }

    #[test]
    fn explicit_rows_round_trip() {
        let mut v = ArticleViews::default();
        v.0[0] = 5;
        v.0[15] = 70_000;
        let mut out = Vec::new();
        put_views(&mut out, &v);
        assert_eq!(read_views(&mut Reader::new(&out)).unwrap(), v);
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
        assert!(read_month_entries(&[0x80, 0x80, 0x80, 0x80, 0x02], month).is_err());
    }
}
