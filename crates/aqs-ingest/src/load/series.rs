//! The loads of the series families (unique devices, legacy pagecounts, editors by country, top
//! by country, media requests, MediaWiki history: a wiki's files of a snapshot are one batch):
//! each file (or a day of hourly files) is read into one `SeriesBatch`, its share of bad lines
//! checked, and published; the report counts the rows per dataset and the time spent. A
//! history wiki's batch is published while the next wiki is read.

use super::{Interrupted, LoadOptions, lines};
use crate::report::LoadReport;
use anyhow::{Context, Result};
use aqs_core::dates::{Day, Hour, YearMonth};
use aqs_core::history::attempts::{self, Process};
use aqs_core::history::snapshots;
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
    report.absorb(write(store, batch, batch_report)?);
    Ok(())
}

/// Publishes a batch read into `batch_report` (timed): the report with its rows.
fn write(
    store: &dyn WriteStore,
    batch: SeriesBatch,
    mut batch_report: LoadReport,
) -> Result<LoadReport> {
    let write_started = Instant::now();
    // The periods the batch replaces are loaded: recorded with it, in the same publication.
    let (batch, coverage_rows) = aqs_core::coverage::with_coverage(batch);
    let rows = store.publish_series(&batch)?.saturating_sub(coverage_rows);
    batch_report.add_series_rows(batch.dataset, rows);
    batch_report.write_seconds = write_started.elapsed().as_secs_f64();
    Ok(batch_report)
}

/// Loads each wiki's MediaWiki history files, one batch a wiki: a wiki's last batch (the
/// one that makes readers read it) is published by a thread of its own while the next wiki
/// is read.
fn load_history(
    store: &dyn WriteStore,
    history: &[(PathBuf, YearMonth, String)],
    options: &LoadOptions<'_>,
    report: &mut LoadReport,
) -> Result<()> {
    let progress = options.progress;
    let check =
        |path: &Path, file: &LoadReport| lines::check_bad_share(path, file, options.max_bad_share);
    let wikis = crate::mediawiki_history::load::group_files(history.to_vec());
    if !wikis.is_empty() {
        clean_abandoned(store);
    }
    std::thread::scope(|scope| -> Result<()> {
        let mut writing: Option<std::thread::ScopedJoinHandle<Result<LoadReport>>> = None;
        let mut written = |writing: Option<std::thread::ScopedJoinHandle<_>>| match writing {
            Some(thread) => match thread.join() {
                Ok(batch_report) => {
                    report.absorb(batch_report?);
                    Ok(())
                }
                Err(_) => anyhow::bail!("the history load's writer panicked"),
            },
            None => Ok(()),
        };
        for ((snapshot, wiki), files) in wikis {
            if progress.cancelled() {
                written(writing.take())?;
                return Err(Interrupted.into());
            }
            let mut batch_report = LoadReport::default();
            let parse_started = Instant::now();
            let wiki = (snapshot, wiki.as_str());
            let read = crate::mediawiki_history::load::read_wiki(
                store,
                wiki,
                &files,
                progress,
                &check,
                &mut batch_report,
            );
            // The wiki before is written first: its error, if any, is the load's.
            written(writing.take())?;
            let crate::mediawiki_history::load::WikiBatch { batch, replaced, attempt_loads } =
                read?;
            batch_report.parse_seconds = parse_started.elapsed().as_secs_f64();
            writing = Some(scope.spawn(move || {
                // The loads it replaces are recorded as this process's first: if it dies
                // once readers read the new load, the next load deletes them.
                attempts::record(store, &replaced, Process::current())?;
                test_pause("before-last-batch");
                let report = write(store, batch, batch_report)?;
                test_pause("after-last-batch");
                // The loads it replaces are read no more: their rows go, their ids come back.
                for load in &replaced {
                    snapshots::forget_load(store, load).with_context(|| {
                        format!(
                            "the wiki is loaded, but deleting the load it replaced ({load}) failed"
                        )
                    })?;
                }
                attempts::settle(store, &[replaced, attempt_loads].concat())?;
                Ok(report)
            }));
        }
        written(writing.take())
    })
}

/// Tests kill a history load where `AQS_TEST_PAUSE_HISTORY` says (`before-last-batch`:
/// with its early rows written; `after-last-batch`: readers switched to it, the load it
/// replaced not yet deleted).
fn test_pause(at: &str) {
    super::test_pause("AQS_TEST_PAUSE_HISTORY", at);
}

/// Deletes what history loads of processes that have ended left (killed before they were
/// done: [`attempts`]). A failure is logged, not the load's: what is left stays recorded for
/// the next load.
fn clean_abandoned(store: &dyn WriteStore) {
    let cleaned = match attempts::clean(store, &Process::running) {
        Ok(cleaned) => cleaned,
        Err(e) => {
            tracing::warn!(
                "deleting the rows of history loads killed before they ended failed ({e}): the next load tries again"
            );
            return;
        }
    };
    if !cleaned.deleted.is_empty() {
        tracing::info!(
            "deleted {} rows of {} history loads killed before they ended ({})",
            cleaned.rows,
            cleaned.deleted.len(),
            cleaned.deleted.join(", ")
        );
    }
    for month in &cleaned.dropped {
        tracing::info!("finished the drop of snapshot {month}, killed before it ended");
    }
    if cleaned.unknown > 0 {
        tracing::info!(
            "{} history loads under way on other hosts, or left there (aqs snapshot drop deletes them with their snapshot)",
            cleaned.unknown
        );
    }
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
    load_history(store, &inputs.history, options, report)?;
    for (path, month) in &inputs.geoeditors {
        publish(store, options, Some(path), report, |r| {
            crate::editors_by_country::read_file(path, *month, progress, r)
        })?;
    }
    Ok(())
}
