//! Month values as stored, without turning them into [`ArticleViews`]: what merges and month
//! scans use. A merge only moves days between values, and a month's top lists only need three
//! counters; converting every day to the 16 served columns and back (and checking that the
//! `all-*` columns are sums) was most of a full-size merge's time.

use super::{CONCRETE_ORDER, Reader, corrupt, put_varint, read_header};
use aqs_core::dates::YearMonth;
use aqs_core::error::StoreError;
use aqs_core::pageviews::ArticleViews;

/// One day of a value: the nine concrete counters in storage order (`explicit` false), or the
/// 16 served columns (`explicit` true: an imported row whose `all-*` are not the sums).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawDay {
    /// The day's index in its month (0 for the 1st).
    pub day: u8,
    pub explicit: bool,
    pub values: [u32; 16],
}

/// Storage slots of user views (desktop, mobile-web, mobile-app) in a derived row, and their
/// columns in an explicit one (`du`, `mwu`, `mau`).
const USER_SLOTS: [usize; 3] = [0, 1, 6];
const USER_COLUMNS: [usize; 3] = [7, 15, 11];

impl RawDay {
    /// A day with no counters (a placeholder in fixed arrays).
    pub const EMPTY: RawDay = RawDay { day: 0, explicit: false, values: [0; 16] };

    /// A served row as stored: the nine concrete counters when its `all-*` columns are the
    /// sums, else the 16 columns.
    pub fn from_views(day: u8, views: &ArticleViews) -> RawDay {
        if !views.is_derived() {
            return RawDay { day, explicit: true, values: views.0 };
        }
        let concrete = views.concrete();
        let mut values = [0u32; 16];
        for (slot, &index) in CONCRETE_ORDER.iter().enumerate() {
            values[slot] = concrete[index];
        }
        RawDay { day, explicit: false, values }
    }

    /// User views per access: desktop, mobile-web, mobile-app.
    pub fn user_views(&self) -> [u64; 3] {
        let slots = if self.explicit { USER_COLUMNS } else { USER_SLOTS };
        slots.map(|s| u64::from(self.values[s]))
    }

    /// The row as the 16 served columns.
    pub fn views(&self) -> ArticleViews {
        if self.explicit {
            return ArticleViews(self.values);
        }
        let mut concrete = [0u32; 9];
        for (slot, &index) in CONCRETE_ORDER.iter().enumerate() {
            concrete[index] = self.values[slot];
        }
        ArticleViews::from_concrete(concrete)
    }

    fn width(&self) -> usize {
        if self.explicit { 16 } else { 9 }
    }
}

/// Decodes a month value into `out` (cleared first), days ascending.
pub fn read_raw_month(
    bytes: &[u8],
    month: YearMonth,
    out: &mut Vec<RawDay>,
) -> Result<(), StoreError> {
    out.clear();
    let mut r = Reader::new(bytes);
    let (mask, by_column) = read_header(&mut r, month)?;
    let days = (0..month.len()).filter(|i| mask & (1 << i) != 0);
    if by_column {
        let tag = r.varint()?;
        let (explicit, columns) = (tag & 1 != 0, tag >> 1);
        let width = if explicit { 16 } else { 9 };
        if columns >> width != 0 {
            return Err(corrupt("column mask too wide"));
        }
        out.extend(days.map(|day| RawDay { day, explicit, values: [0; 16] }));
        for i in (0..width).filter(|i| columns & (1 << i) != 0) {
            for row in out.iter_mut() {
                row.values[i] = r.u32()?;
            }
        }
    } else {
        for day in days {
            let tag = r.varint()?;
            let (explicit, columns) = (tag & 1 != 0, tag >> 1);
            let width = if explicit { 16 } else { 9 };
            if columns >> width != 0 {
                return Err(corrupt(if explicit {
                    "column mask over 16 bits"
                } else {
                    "concrete counter mask over 9 bits"
                }));
            }
            let mut values = [0u32; 16];
            for (i, v) in values.iter_mut().enumerate().take(width) {
                if columns & (1 << i) != 0 {
                    *v = r.u32()?;
                }
            }
            out.push(RawDay { day, explicit, values });
        }
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a month of counters"));
    }
    Ok(())
}

#[inline]
fn varint_len(v: u64) -> usize {
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

/// Encodes days (ascending, each once) as a month value, in the shorter of the two layouts
/// (the format: [`super::put_month_entries`]).
pub fn put_raw_month(
    out: &mut Vec<u8>,
    month: YearMonth,
    rows: &[RawDay],
    scratch: &mut Vec<RawDay>,
) {
    let full = (1u64 << month.len()) - 1;
    let mask = rows.iter().fold(0u64, |m, r| m | 1 << r.day);
    let complement = (!mask & full).count_ones() < mask.count_ones() / 2;
    let days = if complement { !mask & full } else { mask };

    // Row by row, each row as it is; column by column, a value is all derived or all explicit,
    // so the derived rows of a mixed value (imports only) are widened.
    let mixed = rows.iter().any(|r| r.explicit) && rows.iter().any(|r| !r.explicit);
    let columns_rows = if mixed {
        scratch.clear();
        scratch.extend(rows.iter().map(|r| RawDay {
            day: r.day,
            explicit: true,
            values: r.views().0,
        }));
        &scratch[..]
    } else {
        rows
    };
    let explicit = columns_rows.first().is_some_and(|r| r.explicit);
    let width = if explicit { 16 } else { 9 };
    // Both layouts' sizes in one pass over the counters.
    let (mut by_row, mut columns) = (0usize, 0u64);
    let mut column_bytes = [0usize; 16];
    for row in rows {
        let mut row_mask = 0u64;
        for (i, &v) in row.values[..row.width()].iter().enumerate() {
            if v != 0 {
                row_mask |= 1 << i;
                by_row += varint_len(u64::from(v));
            }
        }
        by_row += varint_len((row_mask << 1) | u64::from(row.explicit));
        if !mixed {
            columns |= row_mask;
            for (bytes, &v) in column_bytes.iter_mut().zip(&row.values[..width]) {
                *bytes += varint_len(u64::from(v));
            }
        }
    }
    if mixed {
        for row in columns_rows {
            columns |= row_mask(row);
            for (bytes, &v) in column_bytes.iter_mut().zip(&row.values[..width]) {
                *bytes += varint_len(u64::from(v));
            }
        }
    }
    let by_column = varint_len((columns << 1) | u64::from(explicit))
        + (0..width).filter(|i| columns & (1 << i) != 0).map(|i| column_bytes[i]).sum::<usize>();
    let use_columns = by_column < by_row;
    put_varint(out, (days << 2) | (u64::from(complement) << 1) | u64::from(use_columns));
    if use_columns {
        put_varint(out, (columns << 1) | u64::from(explicit));
        for i in (0..width).filter(|i| columns & (1 << i) != 0) {
            for row in columns_rows {
                put_varint(out, u64::from(row.values[i]));
            }
        }
    } else {
        for row in rows {
            let row_mask = row_mask(row);
            put_varint(out, (row_mask << 1) | u64::from(row.explicit));
            for &v in row.values[..row.width()].iter().filter(|v| **v != 0) {
                put_varint(out, u64::from(v));
            }
        }
    }
}

/// Which of a row's counters are not zero.
fn row_mask(row: &RawDay) -> u64 {
    (0..row.width()).fold(0u64, |m, i| if row.values[i] != 0 { m | 1 << i } else { m })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{put_month_entries, read_month_entries};
    use aqs_core::params::{Access, Agent};

    fn views(seed: u32) -> ArticleViews {
        let mut v = ArticleViews::default();
        v.add(Access::Desktop, Agent::User, seed * 7 % 300);
        v.add(Access::MobileWeb, Agent::User, seed % 5);
        v.add(Access::MobileApp, Agent::User, seed % 3);
        v.add(Access::Desktop, Agent::Spider, 1 + seed % 2);
        v
    }

    #[test]
    fn raw_values_are_the_bytes_of_the_served_rows() {
        let month = YearMonth::new(2024, 2).unwrap();
        for days in [
            vec![0u8],
            vec![
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                23, 24, 25, 26, 27,
            ],
            vec![3, 17, 28],
        ] {
            for explicit_at in [None, Some(0usize)] {
                let entries: Vec<_> = days
                    .iter()
                    .enumerate()
                    .map(|(k, &d)| {
                        let mut v = views(u32::from(d) + 1);
                        if explicit_at == Some(k) {
                            v.0[0] += 1; // all-access/all-agents no longer the sum
                        }
                        (month.first_day().add_days(i32::from(d)), v)
                    })
                    .collect();
                let mut bytes = Vec::new();
                put_month_entries(&mut bytes, month, &entries);
                let mut raw = Vec::new();
                read_raw_month(&bytes, month, &mut raw).unwrap();
                let back: Vec<_> = raw
                    .iter()
                    .map(|r| (month.first_day().add_days(i32::from(r.day)), r.views()))
                    .collect();
                assert_eq!(back, read_month_entries(&bytes, month).unwrap());
                assert_eq!(back, entries);
                for (r, (_, v)) in raw.iter().zip(&entries) {
                    let user = [Access::Desktop, Access::MobileWeb, Access::MobileApp]
                        .map(|a| u64::from(v.get(a, Agent::User)));
                    assert_eq!(r.user_views(), user);
                }
                let mut again = Vec::new();
                put_raw_month(&mut again, month, &raw, &mut Vec::new());
                assert_eq!(again, bytes, "days {days:?}, explicit {explicit_at:?}");
            }
        }
    }
}
