//! Loading dump files into a store: find the files, tell their format, day and agent type from
//! their public names, group them by day, and load day after day through the family's day
//! loader ([`crate::pageviews::day::load_day`], built on [`crate::pipeline`]); then roll up
//! the months the load completed.
//!
//! A day is published atomically, whatever its size: its rows stream into the store's day
//! publication and become visible together, or not at all. Memory is bounded by
//! [`LoadOptions::memory_bytes`] (plus fixed buffers), not by the size of a day: what does not
//! fit spills to disk under [`LoadOptions::spill_dir`] and is removed afterwards.

mod files;
pub(crate) mod lines;
mod series;

use crate::lists::{Allowlist, Disallowed};
use crate::pageviews::day::load_day;
use crate::pageviews::projectviews_day::load_projectviews_day;
use crate::pageviews::rollup::roll_up_complete_months;
use crate::report::LoadReport;
use anyhow::{Result, bail};
use aqs_core::dates::{Day, Hour, YearMonth};
use aqs_core::params::Agent;
use aqs_core::table::WriteStore;
use files::{Input, classify, expand};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The dump formats `aqs load` reads (in the order of [`DumpFormat::NAMES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpFormat {
    PageviewComplete,
    Projectviews,
    UniqueDevices,
    Projectcounts,
    PagecountsEz,
    Geoeditors,
    ProjectviewHourly,
    Mediacounts,
    MediawikiHistory,
}

impl DumpFormat {
    /// The names `--format` takes.
    pub const NAMES: [&'static str; 9] = [
        "pageview-complete",
        "projectviews",
        "unique-devices",
        "projectcounts",
        "pagecounts-ez",
        "geoeditors",
        "projectview-hourly",
        "mediacounts",
        "mediawiki-history",
    ];
    const ALL: [DumpFormat; 9] = [
        DumpFormat::PageviewComplete,
        DumpFormat::Projectviews,
        DumpFormat::UniqueDevices,
        DumpFormat::Projectcounts,
        DumpFormat::PagecountsEz,
        DumpFormat::Geoeditors,
        DumpFormat::ProjectviewHourly,
        DumpFormat::Mediacounts,
        DumpFormat::MediawikiHistory,
    ];

    pub fn parse(name: &str) -> Option<DumpFormat> {
        DumpFormat::NAMES.iter().position(|n| *n == name).map(|i| DumpFormat::ALL[i])
    }
}

/// Receives progress while files are read.
pub trait Progress: Sync {
    fn file_started(&self, _path: &Path, _total_bytes: u64) {}
    fn file_advanced(&self, _path: &Path, _bytes_read: u64) {}
    fn file_finished(&self, _path: &Path) {}
    /// A day is read and about to be published.
    fn day_publishing(&self, _day: Day) {}
    fn day_published(&self, _day: Day) {}
    /// Whether the load should stop (an operator's Ctrl-C): the day being read or stored is
    /// abandoned, unpublished, and its spill files removed; a day already committing ends.
    fn cancelled(&self) -> bool {
        false
    }
}

/// Where tests kill a process: when the environment variable `var` says `at`, it logs `test
/// pause: AT` and stops for a minute.
pub fn test_pause(var: &str, at: &str) {
    if std::env::var(var).is_ok_and(|v| v == at) {
        tracing::info!("test pause: {at}");
        std::thread::sleep(std::time::Duration::from_secs(60));
    }
}

/// The error a load stops with when [`Progress::cancelled`] says so.
#[derive(Debug)]
pub struct Interrupted;

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the load was interrupted: the day being loaded was not published")
    }
}

impl std::error::Error for Interrupted {}

/// Progress that goes nowhere.
pub struct NoProgress;
impl Progress for NoProgress {}

/// The default memory budget of a load: with the store's own write buffers and the files'
/// streams, a full-size day stays under 2 GB of resident memory.
pub const DEFAULT_MEMORY_BYTES: usize = 1 << 30;

/// How a load treats its input.
pub struct LoadOptions<'a> {
    pub allowlist: &'a Allowlist,
    pub disallowed: &'a Disallowed,
    /// The largest share of malformed lines a file may have before the load fails.
    pub max_bad_share: f64,
    /// Read only files of this format (`ProjectviewHourly`: every file, it has no public name).
    pub format: Option<DumpFormat>,
    pub progress: &'a dyn Progress,
    /// Bytes the load may hold for sorting and for the store's day buffers; past that they
    /// spill to disk ([`DEFAULT_MEMORY_BYTES`]).
    pub memory_bytes: usize,
    /// Where spill directories are made (the embedded store's directory, or a temporary one).
    pub spill_dir: PathBuf,
    /// The time a pageviews day's load aims at, counted from the start of its reading: the
    /// merges after its publication stop then (though each day still merges for
    /// `aqs_store`'s `MIN_MERGE`); `None` leaves only the store's merge budget.
    pub day_seconds: Option<std::time::Duration>,
    /// The snapshot mediawiki_history files go into, whatever their names say.
    pub snapshot: Option<YearMonth>,
}

/// Loads dump files into a store and reports what it did.
pub fn load_files(
    store: &dyn WriteStore,
    paths: &[PathBuf],
    options: &LoadOptions<'_>,
) -> Result<LoadReport> {
    let started = Instant::now();
    let from_dirs = paths.iter().any(|p| p.is_dir());
    let inputs = classify(&expand(paths)?, options.format, from_dirs)?;
    if inputs.is_empty() {
        bail!(
            "no dump files found in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let mut daily: BTreeMap<Day, Vec<(Agent, PathBuf)>> = BTreeMap::new();
    let mut hourly: BTreeMap<Day, Vec<(Hour, PathBuf)>> = BTreeMap::new();
    let mut families = series::Inputs::default();
    for input in inputs {
        match input {
            Input::Daily { path, file } => {
                daily.entry(file.day).or_default().push((file.agent, path))
            }
            Input::Hourly { path, hour } => hourly.entry(hour.day).or_default().push((hour, path)),
            Input::UniqueDevices { path, file } => families.unique_devices.push((path, file)),
            Input::Geoeditors { path, month } => families.geoeditors.push((path, month)),
            Input::PagecountsEz { path, day } => families.ez.push((path, day)),
            Input::ProjectviewHourly { path } => families.projectview_hourly.push(path),
            Input::Mediacounts { path, day } => families.mediacounts.push((path, day)),
            Input::History { path, snapshot, wiki } => {
                families.history.push((path, options.snapshot.unwrap_or(snapshot), wiki))
            }
            Input::Projectcounts { path, hour } => {
                families.projectcounts.entry(hour.day).or_default().push((hour, path))
            }
        }
    }
    for (day, files) in &daily {
        let agents: BTreeSet<Agent> = files.iter().map(|(a, _)| *a).collect();
        if agents.len() != files.len() {
            bail!("{day}: two files of the same agent type were given");
        }
    }
    let mut report = LoadReport::default();
    for (day, files) in &daily {
        if options.progress.cancelled() {
            return Err(Interrupted.into());
        }
        load_day(store, *day, files, options, &mut report)?;
    }
    for (day, files) in &hourly {
        load_projectviews_day(store, *day, files, options, &mut report)?;
    }
    series::load_all(store, &families, options, &mut report)?;
    let months: BTreeSet<YearMonth> = daily.keys().map(|d| d.year_month()).collect();
    let rollup_started = Instant::now();
    roll_up_complete_months(store, &months, options.disallowed, &mut report)?;
    report.rollup_seconds = rollup_started.elapsed().as_secs_f64();
    report.seconds = started.elapsed().as_secs_f64();
    Ok(report)
}
