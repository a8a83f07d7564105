//! Legacy projectcounts (`other/pagecounts-raw/` and `other/pagecounts-all-sites/`,
//! data-formats §2.9) into the legacy pagecounts table (§5.10), and the rows of its AQS export.
//!
//! An hourly `projectcounts-YYYYMMDD-HHMMSS` file holds `domain_code - count bytes` lines in
//! the webstatscollector code scheme (§3.3, decoded as hourly projectviews codes are). Its name
//! carries the end of the hour (`-010000` holds 00:00–01:00). Per hour: counts summed per
//! (project, site), desktop or mobile (`.m` and `.zero` are mobile); `all-sites` is their sum;
//! `all-projects` sums every project per site. A day's load publishes its hours, the day's
//! rows (the sum of every stored hour of the day), and, once every day of its month is loaded,
//! the month's rows (the sum of its days), in one batch.

use crate::import::{counter, text};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::projectviews::{LineError, parse_line};
use crate::report::LoadReport;
use crate::rollup::{days_with_months, sum_rows};
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Day, Hour, Period};
use aqs_core::legacy_pagecounts::PAGECOUNTS;
use aqs_core::params::{AccessSite, ProjectGranularity};
use aqs_core::project::Project;
use aqs_core::table::{Numbers, SeriesBatch, SeriesRow, TableDef, TableWrite};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod ez;
pub use ez::{parse_file_name as parse_ez_file_name, read_file as read_ez_file};

/// The hour a `projectcounts-YYYYMMDD-HHMMSS` file counts: the hour before the time in its
/// name (pagecounts-raw names sometimes carry a few seconds past the hour).
pub fn parse_file_name(base: &str) -> Option<Hour> {
    let rest = base.strip_prefix("projectcounts-")?;
    let (date, time) = rest.split_once('-')?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let end = Hour::new(Day::parse_compact(date)?, time[..2].parse().ok()?)?;
    Some(Hour::from_epoch_hours(end.epoch_hours() - 1))
}

/// Whether a line of `project` in `hour` is left out as the original's load left it out: it
/// meant to drop `meta` (T162157), but its WHERE clause dropped it only from the raw data of
/// 2014-01 to 2014-09 and the all-sites data from 2015 on (data-formats §5.10).
fn meta_dropped(project: &str, hour: Hour) -> bool {
    let month = (hour.day.year(), hour.day.month());
    project == "meta.wikimedia" && (((2014, 1)..=(2014, 9)).contains(&month) || month >= (2015, 1))
}

/// Counts per (project, site, period).
pub type Counts = BTreeMap<(String, AccessSite, Period), u64>;

/// Reads one hour's file into `counts` (desktop and mobile sites only).
fn read_hour(
    path: &Path,
    hour: Hour,
    progress: &dyn Progress,
    report: &mut LoadReport,
    counts: &mut Counts,
) -> Result<()> {
    for_each_file_line(path, progress, report, |number, line, report| {
        let where_ = || format!("{}:{number}", path.display());
        if line.is_empty() {
            report.skip("empty line", where_);
            return Ok(());
        }
        match parse_line(line) {
            Ok(parsed) => {
                if meta_dropped(&parsed.code.project, hour) {
                    return Ok(());
                }
                let site = if parsed.code.mobile {
                    AccessSite::MobileSite
                } else {
                    AccessSite::DesktopSite
                };
                *counts.entry((parsed.code.project, site, Period::Hour(hour))).or_default() +=
                    parsed.views;
            }
            Err(LineError::DomainCode) => report.skip("not a project code", where_),
            Err(e) => report.skip(&e.to_string(), where_),
        }
        Ok(())
    })
}

/// Adds the `all-sites` and `all-projects` roll-ups of per-site counts.
fn roll_up(counts: &Counts) -> Counts {
    let mut out = counts.clone();
    for ((project, site, period), n) in counts {
        *out.entry((project.clone(), AccessSite::AllSites, *period)).or_default() += n;
        for s in [*site, AccessSite::AllSites] {
            *out.entry(("all-projects".into(), s, *period)).or_default() += n;
        }
    }
    out
}

fn rows(counts: Counts) -> Vec<SeriesRow> {
    counts
        .into_iter()
        .map(|((project, site, period), n)| SeriesRow {
            key: vec![project, site.as_str().to_string()],
            period,
            sub: String::new(),
            values: Numbers::counters(&[n]),
        })
        .collect()
}

/// Reads a day's hour files (each checked by `check` with its own report) and builds the batch
/// that publishes them (see [`publish_hours`]).
pub fn read_day(
    store: &dyn TableWrite,
    day: Day,
    files: &[(Hour, PathBuf)],
    progress: &dyn Progress,
    check: &dyn Fn(&Path, &LoadReport) -> Result<()>,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    let hours: BTreeSet<Hour> = files.iter().map(|(h, _)| *h).collect();
    if hours.len() != files.len() {
        bail!("{day}: two projectcounts files of the same hour were given");
    }
    let mut counts = Counts::new();
    for (hour, path) in files {
        let mut file_report = LoadReport::default();
        read_hour(path, *hour, progress, &mut file_report, &mut counts)?;
        check(path, &file_report)?;
        report.absorb(file_report);
    }
    publish_hours(store, &counts, &hours)
}

/// The batch that publishes per-site counts of `hours` (replacing those hours whole): the
/// hours with their roll-ups, each day they touch (the sum of its stored hours that this batch
/// does not replace and the new ones), and each month they touch once every day of it has rows
/// (the sum of its days).
pub fn publish_hours(
    store: &dyn TableWrite,
    counts: &Counts,
    hours: &BTreeSet<Hour>,
) -> Result<SeriesBatch> {
    let new_hours = rows(roll_up(counts));
    let days: BTreeSet<Day> = hours.iter().map(|h| h.day).collect();
    let mut day_rows = Vec::new();
    for day in &days {
        let (first, last) = (Hour { day: *day, hour: 0 }, Hour { day: *day, hour: 23 });
        let kept = store
            .scan_series(&PAGECOUNTS, Period::Hour(first), Period::Hour(last))?
            .into_iter()
            .filter(|r| !matches!(r.period, Period::Hour(h) if hours.contains(&h)));
        let new = new_hours.iter().filter(|r| r.period.day() == *day).cloned();
        day_rows.extend(sum_rows(kept.chain(new), Period::Day(*day), 1));
    }
    let marker = ["all-projects", AccessSite::AllSites.as_str()];
    let mut changes = days_with_months(store, &PAGECOUNTS, &days, day_rows, &marker)?;
    changes.replace.extend(hours.iter().map(|h| (Period::Hour(*h), Period::Hour(*h))));
    changes.rows.extend(new_hours);
    Ok(SeriesBatch { dataset: PAGECOUNTS.dataset, changes: vec![changes] })
}

/// An exported `lgc.pagecounts.per.project` row (`aqs import`): 10-digit timestamps for every
/// granularity (api-contract §2.7).
pub(crate) fn import_row(
    project: &Project,
    row: &Map<String, Value>,
) -> Result<(&'static TableDef, SeriesRow)> {
    let site = AccessSite::parse(text(row, "access-site")?)
        .map_err(|_| anyhow!("unknown access-site {:?}", row["access-site"]))?;
    let granularity = ProjectGranularity::parse(text(row, "granularity")?)
        .map_err(|_| anyhow!("unknown granularity {:?}", row["granularity"]))?;
    let ts = text(row, "timestamp")?;
    let period = Period::parse(granularity, ts)
        .ok_or_else(|| anyhow!("timestamp {ts:?} is not a {granularity} YYYYMMDDHH timestamp"))?;
    let count = counter(row, "count")?.unwrap_or(0);
    let series = SeriesRow {
        key: vec![project.as_str().to_string(), site.as_str().to_string()],
        period,
        sub: String::new(),
        values: Numbers::counters(&[count]),
    };
    Ok((&PAGECOUNTS, series))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_carry_the_end_of_the_hour() {
        assert_eq!(
            parse_file_name("projectcounts-20140101-010000").unwrap().timestamp(),
            "2014010100"
        );
        assert_eq!(
            parse_file_name("projectcounts-20090430-230001").unwrap().timestamp(),
            "2009043022"
        );
        assert_eq!(
            parse_file_name("projectcounts-20140101-000000").unwrap().timestamp(),
            "2013123123"
        );
        for bad in [
            "projectcounts-20140101",
            "projectcounts-20140132-010000",
            "pagecounts-20140101-010000",
            "projectcounts-20140101-01000x",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn meta_is_dropped_only_where_the_original_dropped_it() {
        let hour = |y, m| Hour::new(Day::from_ymd(y, m, 1).unwrap(), 0).unwrap();
        assert!(!meta_dropped("meta.wikimedia", hour(2013, 12)));
        assert!(meta_dropped("meta.wikimedia", hour(2014, 1)));
        assert!(meta_dropped("meta.wikimedia", hour(2014, 9)));
        assert!(!meta_dropped("meta.wikimedia", hour(2014, 10)));
        assert!(!meta_dropped("meta.wikimedia", hour(2014, 12)));
        assert!(meta_dropped("meta.wikimedia", hour(2015, 1)));
        assert!(!meta_dropped("commons.wikimedia", hour(2015, 1)));
    }
}
