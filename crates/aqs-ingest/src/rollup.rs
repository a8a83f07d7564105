//! A day of a daily series table with its month: the day's rows replace the day, and when the
//! day completes its month (every day of it has a row of a marker key, such as the all-roll-up
//! key) the month's rows, the sums of its days per key, replace the month.

use anyhow::Result;
use aqs_core::dates::{Day, Period};
use aqs_core::table::{Numbers, SeriesChanges, SeriesRow, TableDef, TableWrite};
use std::collections::{BTreeMap, BTreeSet};

/// The changes that publish `day_rows` as `day` of `table`, and its month when complete.
pub fn day_with_month(
    store: &dyn TableWrite,
    table: &'static TableDef,
    day: Day,
    day_rows: Vec<SeriesRow>,
    marker: &[&str],
) -> Result<SeriesChanges> {
    let month = day.year_month();
    let (first, last) = (Period::Day(month.first_day()), Period::Day(month.last_day()));
    let mut days: Vec<SeriesRow> = store
        .scan_series(table, first, last)?
        .into_iter()
        .filter(|r| r.period != Period::Day(day))
        .collect();
    days.extend(day_rows.iter().cloned());
    let present: BTreeSet<Period> = days
        .iter()
        .filter(|r| r.key.iter().map(String::as_str).eq(marker.iter().copied()))
        .map(|r| r.period)
        .collect();
    let mut replace = vec![(Period::Day(day), Period::Day(day))];
    let mut rows = day_rows;
    if present.len() == month.days().count() {
        let mut sums: BTreeMap<(Vec<String>, String), Numbers> = BTreeMap::new();
        for row in days {
            let sum = sums.entry((row.key, row.sub)).or_insert(Numbers([0; 4]));
            for i in 0..table.values.len() {
                sum.0[i] += row.values.0[i];
            }
        }
        let period = Period::Month(month);
        rows.extend(sums.into_iter().map(|((key, sub), values)| SeriesRow {
            key,
            period,
            sub,
            values,
        }));
        replace.push((period, period));
    }
    Ok(SeriesChanges { table, replace, rows })
}
