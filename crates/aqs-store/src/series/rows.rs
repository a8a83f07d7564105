//! Reading and writing the values of `series`: a row's own, a month's days of a series table
//! (`days.rs`), or a ranked table's list (`ranked.rs`).

use super::days::{self, MonthDays, Slot};
use super::index_period;
use super::keys::{decode_values, encode_values, period_range};
use super::texts::{KeyTexts, main_key_of};
use crate::{Tables, engine};
use aqs_core::dates::{Day, Period};
use aqs_core::error::StoreResult;
use aqs_core::table::{SeriesEntry, SeriesRow, Shape, TableDef};
use heed::{RoTxn, RwTxn};
use rustc_hash::FxHashMap;
use std::ops::Bound;

/// Appends to `out` the entries a stored value of `table` holds from `first` to `last`.
#[allow(clippy::too_many_arguments)]
pub(super) fn entries_of(
    tables: &Tables,
    txn: &RoTxn,
    table: &TableDef,
    (slot, sub): (Slot, String),
    value: &[u8],
    first: Period,
    last: Period,
    out: &mut Vec<SeriesEntry>,
) -> StoreResult<()> {
    match slot {
        Slot::Days(month) => {
            let (Period::Day(first), Period::Day(last)) = (first, last) else { return Ok(()) };
            let days = days::decode(table.values.len(), value)?;
            for (day, values) in days::within(month, &days, first, last) {
                out.push(SeriesEntry { period: Period::Day(day), sub: sub.clone(), values });
            }
        }
        // A ranked table's list of a period is one value, under an empty sub.
        Slot::Row(period) if table.shape == Shape::Ranked => {
            let list = crate::ranked::decode(tables, txn, table, value)?;
            out.extend(crate::ranked::entries(period, list));
        }
        Slot::Row(period) => out.push(SeriesEntry { period, sub, values: decode_values(value)? }),
    }
    Ok(())
}

/// Writes rows of a series table: a day into its month's value (read, changed and written
/// whole once for all the rows of that month, key and sub), any other period as its own
/// value; the last of equal rows wins.
pub(super) fn write_rows(
    tables: &Tables,
    texts: &mut KeyTexts,
    wtxn: &mut RwTxn,
    table: &TableDef,
    rows: &[SeriesRow],
) -> StoreResult<()> {
    let width = table.values.len();
    let mut months: FxHashMap<Vec<u8>, (Vec<u8>, MonthDays)> = FxHashMap::default();
    for row in rows {
        let (main, by_period) = texts.row_keys(wtxn, table, row)?;
        let Period::Day(day) = row.period else {
            tables.series.put(wtxn, &main, &encode_values(table, &row.values)).map_err(engine)?;
            index_period(tables, wtxn, table, &by_period)?;
            continue;
        };
        let days = match months.get_mut(&main) {
            Some((_, days)) => days,
            None => {
                let days = match tables.series.get(wtxn, &main).map_err(engine)? {
                    Some(value) => days::decode(width, value)?,
                    None => [None; 31],
                };
                &mut months.entry(main).or_insert((by_period, days)).1
            }
        };
        days[usize::from(day.day()) - 1] = Some(row.values);
    }
    let mut months: Vec<_> = months.into_iter().collect();
    months.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    for (main, (by_period, days)) in months {
        tables.series.put(wtxn, &main, &days::encode(width, &days)).map_err(engine)?;
        index_period(tables, wtxn, table, &by_period)?;
    }
    Ok(())
}

/// Drops the rows of `table` from `first` to `last` through the period index (`prefix`: the
/// table's): whole values of other periods, the days of the range from a month's days (the
/// value goes when no day is left).
pub(super) fn replace_range(
    tables: &Tables,
    texts: &mut KeyTexts,
    wtxn: &mut RwTxn,
    table: &TableDef,
    prefix: &[u8],
    (first, last): (Period, Period),
) -> StoreResult<()> {
    let (from, to) = period_range(prefix, table, first, last);
    let bounds = (Bound::Included(from.as_slice()), Bound::Excluded(to.as_slice()));
    let mut dropped = Vec::new();
    for entry in tables.series_periods.range(wtxn, &bounds).map_err(engine)? {
        dropped.push(entry.map_err(engine)?.0.to_vec());
    }
    let width = table.values.len();
    for k in dropped {
        let (slot, _, sub) = texts.split_key(wtxn, table, &k, prefix.len(), true)?;
        let main = main_key_of(&k, prefix.len(), &sub)?;
        if let (Slot::Days(month), Period::Day(a), Period::Day(b)) = (slot, first, last) {
            if let Some(value) = tables.series.get(wtxn, &main).map_err(engine)? {
                let mut days = days::decode(width, value)?;
                for (i, values) in days.iter_mut().enumerate() {
                    let day = Day::from_ymd(month.year(), month.month(), i as u8 + 1);
                    if day.is_some_and(|d| a <= d && d <= b) {
                        *values = None;
                    }
                }
                if days.iter().any(Option::is_some) {
                    tables.series.put(wtxn, &main, &days::encode(width, &days)).map_err(engine)?;
                    continue;
                }
            }
        }
        tables.series.delete(wtxn, &main).map_err(engine)?;
        tables.series_periods.delete(wtxn, &k).map_err(engine)?;
    }
    Ok(())
}

/// How many rows a stored value holds (a ranked table's list counts one).
pub(super) fn row_count(slot: Slot, value: &[u8]) -> StoreResult<u64> {
    match slot {
        Slot::Days(_) => days::count(value),
        Slot::Row(_) => Ok(1),
    }
}
