//! The loads of the series families (unique devices, legacy pagecounts, editors by country, top
//! by country, media requests, MediaWiki history: a wiki's files of a snapshot are one batch):
//! each file (or a day of hourly files) is read into one `SeriesBatch`, its share of bad lines
//! checked, and published; the report counts the rows per dataset and the time spent.

use super::{Interrupted, LoadOptions, lines};
use crate::report::LoadReport;
use anyhow::Result;
use aqs_core::dates::{Day, Hour, YearMonth};
use aqs_core::table::{SeriesBatch, WriteStore};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The series families' files of a load, by format.
#[derive(Default)]
pub(super) struct Inputs {
    pub unique_devices: Vec<(PathBuf, crate::unique_devices::DevicesFile)>,
    /// Hourly projectcounts files by the day of their hour.
    pub projectcounts: BTreeMap<Day, Vec<(Hour, PathBuf)>>,
    pub ez: Vec<(PathBuf, Day)>,
    pub geoeditors: Vec<(PathBuf, YearMonth)>,
    /// `projectview_hourly` exports, summed into one batch of top-by-country months.
    pub projectview_hourly: Vec<PathBuf>,
    pub mediacounts: Vec<(PathBuf, Day)>,
    /// MediaWiki history files, with their snapshot and wiki.
    pub history: Vec<(PathBuf, YearMonth, String)>,
}

/// Reads one batch with `read` (timed; `check`: the file whose share of bad lines to check, if
/// `read` does not check its files itself), publishes it (timed), and adds it to `report`.
fn publish(
    store: &dyn WriteStore,
    options: &LoadOptions<'_>,
    check: Option<&Path>,
    report: &mut LoadReport,
    read: impl FnOnce(&mut LoadReport) -> Result<SeriesBatch>,
) -> Result<()> {
    if options.progress.cancelled() {
        return Err(Interrupted.into());
    }
    let mut batch_report = LoadReport::default();
    let parse_started = Instant::now();
    let batch = read(&mut batch_report)?;
    if let Some(path) = check {
        lines::check_bad_share(path, &batch_report, options.max_bad_share)?;
    }
    batch_report.parse_seconds = parse_started.elapsed().as_secs_f64();
    let write_started = Instant::now();
    // The periods the batch replaces are loaded: recorded with it, in the same publication.
    let (batch, coverage_rows) = aqs_core::coverage::with_coverage(batch);
    let rows = store.publish_series(&batch)?.saturating_sub(coverage_rows);
    batch_report.add_series_rows(batch.dataset, rows);
    batch_report.write_seconds = write_started.elapsed().as_secs_f64();
    report.absorb(batch_report);
    Ok(())
}

/// Loads every series file of a load, one batch each (a day of projectcounts files is one).
pub(super) fn load_all(
    store: &dyn WriteStore,
    inputs: &Inputs,
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let progress = options.progress;
    for (path, file) in &inputs.unique_devices {
        publish(store, options, Some(path), report, |r| {
            crate::unique_devices::read_file(path, *file, progress, r)
        })?;
    }
    for (day, files) in &inputs.projectcounts {
        let check = |path: &Path, file: &LoadReport| {
            lines::check_bad_share(path, file, options.max_bad_share)
        };
        publish(store, options, None, report, |r| {
            crate::legacy_pagecounts::read_day(store, *day, files, progress, &check, r)
        })?;
    }
    for (path, day) in &inputs.ez {
        publish(store, options, Some(path), report, |r| {
            crate::legacy_pagecounts::read_ez_file(store, path, *day, progress, r)
        })?;
    }
    if !inputs.projectview_hourly.is_empty() {
        let check = |path: &Path, file: &LoadReport| {
            lines::check_bad_share(path, file, options.max_bad_share)
        };
        publish(store, options, None, report, |r| {
            let paths = &inputs.projectview_hourly;
            crate::top_by_country::read_projectview_hourly(paths, progress, &check, r)
        })?;
    }
    for (i, (path, day)) in inputs.mediacounts.iter().enumerate() {
        publish(store, options, Some(path), report, |r| {
            crate::mediarequests::read_file(store, path, *day, progress, r)
        })?;
        // After the last day of a month in this load: the month's top files, if it is complete.
        let month = day.year_month();
        if inputs.mediacounts.get(i + 1).is_none_or(|(_, next)| next.year_month() != month) {
            if let Some(batch) = crate::mediarequests::month_tops(store, month)? {
                publish(store, options, None, report, |_| Ok(batch))?;
            }
        }
    }
    let check =
        |path: &Path, file: &LoadReport| lines::check_bad_share(path, file, options.max_bad_share);
    for ((snapshot, wiki), files) in
        crate::mediawiki_history::load::group_files(inputs.history.clone())
    {
        publish(store, options, None, report, |r| {
            let wiki = (snapshot, wiki.as_str());
            crate::mediawiki_history::load::read_wiki(store, wiki, &files, progress, &check, r)
        })?;
    }
    for (path, month) in &inputs.geoeditors {
        publish(store, options, Some(path), report, |r| {
            crate::editors_by_country::read_file(path, *month, progress, r)
        })?;
    }
    Ok(())
}
