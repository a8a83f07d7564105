//! Finding the dump files of a load and telling what each is from its public name.

use super::DumpFormat;
use crate::input::base_name;
use crate::{pageview_complete, projectviews};
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// A file with what its name says.
pub(super) enum Input {
    Daily {
        path: PathBuf,
        file: pageview_complete::DailyFile,
    },
    Hourly {
        path: PathBuf,
        hour: aqs_core::dates::Hour,
    },
    UniqueDevices {
        path: PathBuf,
        file: crate::unique_devices::DevicesFile,
    },
    Projectcounts {
        path: PathBuf,
        hour: aqs_core::dates::Hour,
    },
    Geoeditors {
        path: PathBuf,
        month: aqs_core::dates::YearMonth,
    },
    PagecountsEz {
        path: PathBuf,
        day: aqs_core::dates::Day,
    },
    Mediacounts {
        path: PathBuf,
        day: aqs_core::dates::Day,
    },
    History {
        path: PathBuf,
        snapshot: aqs_core::dates::YearMonth,
        wiki: String,
    },
    /// Only with `--format projectview-hourly`: exports have no public name.
    ProjectviewHourly {
        path: PathBuf,
    },
}

/// The files named, with directories replaced by the files in them (sorted, recursively).
pub(super) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .with_context(|| format!("cannot list {}", path.display()))?
                .map(|e| e.map(|e| e.path()))
                .collect::<std::io::Result<_>>()?;
            entries.sort();
            out.extend(expand(&entries)?);
        } else if std::fs::metadata(path).is_ok() {
            out.push(path.clone());
        } else {
            bail!("{}: no such file or directory", path.display());
        }
    }
    Ok(out)
}

/// What a file of `format` must be called, for the error when it is not.
fn name_rule(format: DumpFormat) -> &'static str {
    match format {
        DumpFormat::PageviewComplete => {
            "a pageview_complete file must keep its public name, pageviews-YYYYMMDD-{user|spider|automated}[.bz2|.gz], which says its day and agent type"
        }
        DumpFormat::UniqueDevices => {
            "a unique devices file must keep its public name, unique_devices_per_{domain|project_family}_{daily-YYYY-MM-DD|monthly-YYYY-MM}[.gz], which says its kind and period"
        }
        DumpFormat::Projectcounts => {
            "a legacy projectcounts file must keep its public name, projectcounts-YYYYMMDD-HHMMSS[.gz|.bz2], which says its hour"
        }
        DumpFormat::Mediacounts => {
            "a mediacounts file must keep its public name, mediacounts.YYYY-MM-DD.v00.tsv[.bz2], which says its day"
        }
        DumpFormat::PagecountsEz => {
            "a pagecounts-ez daily file must keep its public name, pagecounts-YYYY-MM-DD[.bz2|.gz], which says its day"
        }
        DumpFormat::MediawikiHistory => {
            "a MediaWiki history file must keep its public name, SNAPSHOT.WIKI_DB.TIME_BUCKET.tsv.bz2 (2026-05.enwiki.2024-03.tsv.bz2), which says its snapshot and wiki"
        }
        DumpFormat::Geoeditors => {
            "a geoeditors file must keep its public name, geoeditors-monthly-YYYY-MM.tsv, which says its month"
        }
        DumpFormat::Projectviews => {
            "a projectviews file must keep its public name, projectviews-YYYYMMDD-HH0000[.gz|.bz2], which says its hour"
        }
        // Exports have no public name: the flag alone says what they are.
        DumpFormat::ProjectviewHourly => "",
    }
}

/// The input a file's public name says it is, among the formats `format` allows (all when
/// `None`).
fn recognise(path: &Path, format: Option<DumpFormat>) -> Option<Input> {
    let base = base_name(path);
    let wanted = |f: DumpFormat| format.is_none_or(|g| g == f);
    let path = path.to_path_buf();
    if wanted(DumpFormat::UniqueDevices) {
        if let Some(file) = crate::unique_devices::parse_file_name(base) {
            return Some(Input::UniqueDevices { path, file });
        }
    }
    if wanted(DumpFormat::Projectcounts) {
        if let Some(hour) = crate::legacy_pagecounts::parse_file_name(base) {
            return Some(Input::Projectcounts { path, hour });
        }
    }
    if wanted(DumpFormat::Geoeditors) {
        if let Some(month) = crate::editors_by_country::parse_file_name(base) {
            return Some(Input::Geoeditors { path, month });
        }
    }
    if wanted(DumpFormat::PagecountsEz) {
        if let Some(day) = crate::legacy_pagecounts::parse_ez_file_name(base) {
            return Some(Input::PagecountsEz { path, day });
        }
    }
    if wanted(DumpFormat::Mediacounts) {
        if let Some(day) = crate::mediarequests::parse_file_name(base) {
            return Some(Input::Mediacounts { path, day });
        }
    }
    if wanted(DumpFormat::MediawikiHistory) {
        if let Some((snapshot, wiki)) = crate::mediawiki_history::parse_file_name(base) {
            let wiki = wiki.to_string();
            return Some(Input::History { path, snapshot, wiki });
        }
    }
    if wanted(DumpFormat::PageviewComplete) {
        if let Some(file) = pageview_complete::parse_file_name(base) {
            return Some(Input::Daily { path, file });
        }
    }
    if wanted(DumpFormat::Projectviews) {
        if let Some(hour) = projectviews::parse_file_name(base) {
            return Some(Input::Hourly { path, hour });
        }
    }
    (format == Some(DumpFormat::ProjectviewHourly)).then_some(Input::ProjectviewHourly { path })
}

/// Tells each file's kind from its name (or `format`). Inside a directory, files of other
/// kinds are passed over; a file named on the command line must be of a known kind.
pub(super) fn classify(
    paths: &[PathBuf],
    format: Option<DumpFormat>,
    from_dirs: bool,
) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        match (recognise(path, format), format) {
            (Some(input), _) => inputs.push(input),
            (None, None) if from_dirs => {}
            (None, Some(format)) => bail!("{}: {}", path.display(), name_rule(format)),
            (None, None) => bail!(
                "{}: not a known dump file name (expected pageviews-YYYYMMDD-AGENT.bz2, projectviews-YYYYMMDD-HH0000, unique_devices_per_domain_daily-YYYY-MM-DD.gz, projectcounts-YYYYMMDD-HH0000, pagecounts-YYYY-MM-DD.bz2, mediacounts.YYYY-MM-DD.v00.tsv.bz2, geoeditors-monthly-YYYY-MM.tsv or SNAPSHOT.WIKI_DB.TIME_BUCKET.tsv.bz2); pass --format to read it anyway",
                path.display()
            ),
        }
    }
    Ok(inputs)
}
