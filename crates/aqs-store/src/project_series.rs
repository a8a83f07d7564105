//! Per-project series (the `project_series` table; docs/store-format.md): key `project id (u16)
//! ‖ access (u8) ‖ agent (u8) ‖ kind (u8) ‖ period (u32 BE)`.
//!
//! Daily (kind 1) and monthly (kind 2) rows are one varint each. Hours are kept a day per
//! value (kind 3, under the day's code): a varint mask of the hours present (bit `h`: hour
//! `h`), then one varint per present hour in order; one key per hour (kind 0), as stores wrote
//! them before, is still read, and folded into its day's value when the day is written again.

use crate::codec::{Reader, corrupt, put_varint};
use crate::pageviews::{access_code, agent_code, decode_period, inclusive};
use crate::{Tables, engine, u32_value};
use aqs_core::dates::{Day, Hour};
use aqs_core::error::StoreResult;
use aqs_core::pageviews::{Period, ProjectRow};
use aqs_core::params::{Access, Agent};
use heed::{RoTxn, RwTxn};
use std::collections::BTreeMap;

/// The kind of a day's hours.
const HOURS: u8 = 3;

fn key(project: u16, (access, agent): (Access, Agent), (kind, value): (u8, u32)) -> [u8; 9] {
    let mut key = [0u8; 9];
    key[..2].copy_from_slice(&project.to_be_bytes());
    key[2] = access_code(access);
    key[3] = agent_code(agent);
    key[4] = kind;
    key[5..].copy_from_slice(&value.to_be_bytes());
    key
}

fn period_key(project: u16, series: (Access, Agent), period: Period) -> [u8; 9] {
    key(project, series, period.code())
}

fn hours_key(project: u16, series: (Access, Agent), day: Day) -> [u8; 9] {
    key(project, series, (HOURS, Period::Day(day).code().1))
}

type DayHours = [Option<u64>; 24];
type HourViews = (u8, u64);

fn decode_hours(bytes: &[u8], hours: &mut DayHours) -> StoreResult<()> {
    let mut r = Reader::new(bytes);
    let mask = r.varint()?;
    if mask >> 24 != 0 {
        return Err(corrupt("hours past the day's 24"));
    }
    for (h, slot) in hours.iter_mut().enumerate() {
        if mask & 1 << h != 0 {
            *slot = Some(r.varint()?);
        }
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a day's hours"));
    }
    Ok(())
}

fn encode_hours(hours: &DayHours) -> Vec<u8> {
    let mask = hours.iter().enumerate().fold(0u64, |m, (h, v)| m | u64::from(v.is_some()) << h);
    let mut out = Vec::with_capacity(2 + 3 * 24);
    put_varint(&mut out, mask);
    hours.iter().flatten().for_each(|v| put_varint(&mut out, *v));
    out
}

/// A day's hours as stored: its value, with hour-per-key rows of older stores laid over.
fn stored_hours(
    tables: &Tables,
    txn: &RoTxn,
    project: u16,
    series: (Access, Agent),
    day: Day,
) -> StoreResult<DayHours> {
    let mut hours = [None; 24];
    if let Some(bytes) =
        tables.project_series.get(txn, &hours_key(project, series, day)).map_err(engine)?
    {
        decode_hours(bytes, &mut hours)?;
    }
    let (first, last) = hour_keys(project, series, day);
    for entry in tables.project_series.range(txn, &inclusive(&first, &last)).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        if let Period::Hour(h) = decode_period(key[4], u32_value(&key[5..], "period")?)? {
            hours[usize::from(h.hour)] = Some(Reader::new(value).varint()?);
        }
    }
    Ok(hours)
}

/// The keys of a day's first and last hour-per-key rows.
fn hour_keys(project: u16, series: (Access, Agent), day: Day) -> ([u8; 9], [u8; 9]) {
    let hour = |hour| Period::Hour(Hour { day, hour });
    (period_key(project, series, hour(0)), period_key(project, series, hour(23)))
}

/// Writes rows (`project id`, row): each row replaces the stored value of its period.
pub(crate) fn put_rows(
    tables: &Tables,
    wtxn: &mut RwTxn,
    rows: &[(u16, &ProjectRow)],
) -> StoreResult<()> {
    // (project, access, agent, day) → (hour, views) to write.
    let mut days: BTreeMap<(u16, u8, u8, Day), Vec<HourViews>> = BTreeMap::new();
    for &(project, row) in rows {
        match row.period {
            Period::Hour(h) => {
                let at = (project, access_code(row.access), agent_code(row.agent), h.day);
                days.entry(at).or_default().push((h.hour, row.views));
            }
            period => {
                let mut value = Vec::new();
                put_varint(&mut value, row.views);
                let key = period_key(project, (row.access, row.agent), period);
                tables.project_series.put(wtxn, &key, &value).map_err(engine)?;
            }
        }
    }
    for ((project, access, agent, day), new) in days {
        let series = (Access::ALL[usize::from(access)], Agent::ALL[usize::from(agent)]);
        let mut hours = stored_hours(tables, wtxn, project, series, day)?;
        for (hour, views) in new {
            if let Some(slot) = hours.get_mut(usize::from(hour)) {
                *slot = Some(views);
            }
        }
        let (first, last) = hour_keys(project, series, day);
        tables.project_series.delete_range(wtxn, &inclusive(&first, &last)).map_err(engine)?;
        let key = hours_key(project, series, day);
        tables.project_series.put(wtxn, &key, &encode_hours(&hours)).map_err(engine)?;
    }
    Ok(())
}

/// One series from `first` to `last` (one granularity), in period order.
pub(crate) fn read(
    tables: &Tables,
    txn: &RoTxn,
    project: u16,
    series: (Access, Agent),
    (first, last): (Period, Period),
) -> StoreResult<Vec<(Period, u64)>> {
    let mut out = Vec::new();
    let (start, end) = (period_key(project, series, first), period_key(project, series, last));
    for entry in tables.project_series.range(txn, &inclusive(&start, &end)).map_err(engine)? {
        let (key, value) = entry.map_err(engine)?;
        let period = decode_period(key[4], u32_value(&key[5..], "period")?)?;
        out.push((period, Reader::new(value).varint()?));
    }
    if let (Period::Hour(a), Period::Hour(b)) = (first, last) {
        let (start, end) = (hours_key(project, series, a.day), hours_key(project, series, b.day));
        for entry in tables.project_series.range(txn, &inclusive(&start, &end)).map_err(engine)? {
            let (key, value) = entry.map_err(engine)?;
            let Period::Day(day) = decode_period(1, u32_value(&key[5..], "period")?)? else {
                return Err(corrupt("a day's hours under another period"));
            };
            let mut hours = [None; 24];
            decode_hours(value, &mut hours)?;
            for (hour, views) in hours.iter().enumerate() {
                let period = Period::Hour(Hour { day, hour: hour as u8 });
                if let Some(views) = views.filter(|_| first <= period && period <= last) {
                    out.push((period, views));
                }
            }
        }
        out.sort_by_key(|(p, _)| *p);
    }
    Ok(out)
}

/// Every row of a project on `day` (hours and the day) as (access, agent, period, views).
pub(crate) fn day_rows(
    tables: &Tables,
    txn: &RoTxn,
    project: u16,
    day: Day,
) -> StoreResult<Vec<(Access, Agent, Period, u64)>> {
    let mut out = Vec::new();
    for &access in Access::ALL {
        for &agent in Agent::ALL {
            let series = (access, agent);
            let hours = stored_hours(tables, txn, project, series, day)?;
            for (hour, views) in hours.iter().enumerate() {
                if let Some(views) = views {
                    out.push((access, agent, Period::Hour(Hour { day, hour: hour as u8 }), *views));
                }
            }
            let daily = period_key(project, series, Period::Day(day));
            if let Some(value) = tables.project_series.get(txn, &daily).map_err(engine)? {
                out.push((access, agent, Period::Day(day), Reader::new(value).varint()?));
            }
        }
    }
    Ok(out)
}

/// Deletes a project's rows of `day` (hours and the day).
pub(crate) fn delete_day(
    tables: &Tables,
    wtxn: &mut RwTxn,
    project: u16,
    day: Day,
) -> StoreResult<()> {
    for &access in Access::ALL {
        for &agent in Agent::ALL {
            let series = (access, agent);
            let (first, last) = hour_keys(project, series, day);
            tables.project_series.delete_range(wtxn, &inclusive(&first, &last)).map_err(engine)?;
            for key in
                [hours_key(project, series, day), period_key(project, series, Period::Day(day))]
            {
                tables.project_series.delete(wtxn, &key).map_err(engine)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_days_hours_round_trip_and_garbage_is_an_error() {
        let mut hours: DayHours = [None; 24];
        (hours[0], hours[7], hours[23]) = (Some(0), Some(300), Some(u64::from(u32::MAX)));
        let bytes = encode_hours(&hours);
        let mut back = [None; 24];
        decode_hours(&bytes, &mut back).unwrap();
        assert_eq!(back, hours);
        assert!(decode_hours(&bytes[..bytes.len() - 1], &mut back).is_err());
        assert!(decode_hours(&[0x80, 0x80, 0x80, 0x08], &mut back).is_err(), "hour 24");
    }

    #[test]
    fn hours_stored_one_per_key_still_read_and_fold_into_their_day() {
        let dir = tempfile::tempdir().unwrap();
        let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
        let store = crate::EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let tables = &store.inner.tables;
        let series = (Access::Desktop, Agent::User);
        let day = Day::from_ymd(2024, 3, 1).unwrap();
        let hour = |hour| Period::Hour(Hour { day, hour });
        let mut wtxn = store.inner.env.write_txn().unwrap();
        // As older stores wrote them: hours 1 and 5, one key each.
        for (h, views) in [(1u8, 10u64), (5, 50)] {
            let mut value = Vec::new();
            put_varint(&mut value, views);
            tables.project_series.put(&mut wtxn, &period_key(7, series, hour(h)), &value).unwrap();
        }
        let all = (hour(0), hour(23));
        assert_eq!(read(tables, &wtxn, 7, series, all).unwrap(), [(hour(1), 10), (hour(5), 50)]);
        // A write of hour 5 and 6 replaces hour 5 and keeps hour 1, in one value.
        let row = |h, views| ProjectRow {
            project: aqs_core::project::Project::from_stored("x"),
            access: series.0,
            agent: series.1,
            period: hour(h),
            views,
        };
        let (five, six) = (row(5, 55), row(6, 66));
        put_rows(tables, &mut wtxn, &[(7, &five), (7, &six)]).unwrap();
        let expected = [(hour(1), 10), (hour(5), 55), (hour(6), 66)];
        assert_eq!(read(tables, &wtxn, 7, series, all).unwrap(), expected);
        assert_eq!(read(tables, &wtxn, 7, series, (hour(2), hour(5))).unwrap(), [(hour(5), 55)]);
        assert_eq!(tables.project_series.len(&wtxn).unwrap(), 1, "one key for the day");
        let rows = day_rows(tables, &wtxn, 7, day).unwrap();
        assert_eq!(rows.len(), 3);
        delete_day(tables, &mut wtxn, 7, day).unwrap();
        assert_eq!(tables.project_series.len(&wtxn).unwrap(), 0);
    }
}
