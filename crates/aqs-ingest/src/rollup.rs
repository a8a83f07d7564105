//! Days of a daily series table with their months: the days' rows replace those days, and
//! each month they complete (every day of it has a row of a marker key, such as the all-roll-up
//! key) gets its rows, the sums of its days per key, replacing the month. Legacy pagecounts
//! and media requests publish this way.

use anyhow::Result;
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::table::{Numbers, SeriesChanges, SeriesRow, TableDef, TableWrite};
use std::collections::{BTreeMap, BTreeSet};

/// The sums of `rows` per (key, sub), stamped `period`; `values` value columns are added.
pub fn sum_rows(
    rows: impl IntoIterator<Item = SeriesRow>,
    period: Period,
    values: usize,
) -> Vec<SeriesRow> {
    let mut sums: BTreeMap<(Vec<String>, String), Numbers> = BTreeMap::new();
    for row in rows {
        let sum = sums.entry((row.key, row.sub)).or_insert(Numbers([0; 4]));
        for i in 0..values {
            sum.0[i] += row.values.0[i];
        }
    }
    sums.into_iter().map(|((key, sub), values)| SeriesRow { key, period, sub, values }).collect()
}

/// The changes that publish `day_rows` as the `days` of `table` (each replaced whole), and
/// each month of them that is complete once they are in.
pub fn days_with_months(
    store: &dyn TableWrite,
    table: &'static TableDef,
    days: &BTreeSet<Day>,
    day_rows: Vec<SeriesRow>,
    marker: &[&str],
) -> Result<SeriesChanges> {
    let mut replace: Vec<(Period, Period)> =
        days.iter().map(|d| (Period::Day(*d), Period::Day(*d))).collect();
    let mut rows = Vec::new();
    let months: BTreeSet<YearMonth> = days.iter().map(|d| d.year_month()).collect();
    for month in months {
        let (first, last) = (Period::Day(month.first_day()), Period::Day(month.last_day()));
        let mut month_days: Vec<SeriesRow> = store
            .scan_series(table, first, last)?
            .into_iter()
            .filter(|r| !days.contains(&r.period.day()))
            .collect();
        month_days
            .extend(day_rows.iter().filter(|r| r.period.day().year_month() == month).cloned());
        let present: BTreeSet<Period> = month_days
            .iter()
            .filter(|r| r.key.iter().map(String::as_str).eq(marker.iter().copied()))
            .map(|r| r.period)
            .collect();
        if present.len() == month.days().count() {
            let period = Period::Month(month);
            rows.extend(sum_rows(month_days, period, table.values.len()));
            replace.push((period, period));
        }
    }
    rows.extend(day_rows);
    Ok(SeriesChanges { table, replace, rows })
}
