//! Finding the dump files of a load and telling what each is from its public name.

use super::DumpFormat;
use crate::input::base_name;
use crate::{pageview_complete, projectviews};
use anyhow::{Context, Result, bail};
use std::path::PathBuf;

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

/// Tells each file's kind from its name (or `format`). Inside a directory, files of other
/// kinds are passed over; a file named on the command line must be of a known kind.
pub(super) fn classify(
    paths: &[PathBuf],
    format: Option<DumpFormat>,
    from_dirs: bool,
) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        let base = base_name(path);
        if let Some(file) = crate::unique_devices::parse_file_name(base)
            .filter(|_| matches!(format, None | Some(DumpFormat::UniqueDevices)))
        {
            inputs.push(Input::UniqueDevices { path: path.clone(), file });
            continue;
        }
        if let Some(hour) = crate::legacy_pagecounts::parse_file_name(base)
            .filter(|_| matches!(format, None | Some(DumpFormat::Projectcounts)))
        {
            inputs.push(Input::Projectcounts { path: path.clone(), hour });
            continue;
        }
        if let Some(month) = crate::editors_by_country::parse_file_name(base)
            .filter(|_| matches!(format, None | Some(DumpFormat::Geoeditors)))
        {
            inputs.push(Input::Geoeditors { path: path.clone(), month });
            continue;
        }
        if let Some(day) = crate::legacy_pagecounts::parse_ez_file_name(base)
            .filter(|_| matches!(format, None | Some(DumpFormat::PagecountsEz)))
        {
            inputs.push(Input::PagecountsEz { path: path.clone(), day });
            continue;
        }
        if let Some(day) = crate::mediarequests::parse_file_name(base)
            .filter(|_| matches!(format, None | Some(DumpFormat::Mediacounts)))
        {
            inputs.push(Input::Mediacounts { path: path.clone(), day });
            continue;
        }
        let daily = pageview_complete::parse_file_name(base);
        let hourly = projectviews::parse_file_name(base);
        match (format, daily, hourly) {
            (None | Some(DumpFormat::PageviewComplete), Some(file), _) => {
                inputs.push(Input::Daily { path: path.clone(), file })
            }
            (None | Some(DumpFormat::Projectviews), _, Some(hour)) => {
                inputs.push(Input::Hourly { path: path.clone(), hour })
            }
            _ if from_dirs && format.is_none() => {}
            (Some(DumpFormat::PageviewComplete), ..) => bail!(
                "{}: a pageview_complete file must keep its public name, pageviews-YYYYMMDD-{{user|spider|automated}}[.bz2|.gz], which says its day and agent type",
                path.display()
            ),
            (Some(DumpFormat::UniqueDevices), ..) => bail!(
                "{}: a unique devices file must keep its public name, unique_devices_per_{{domain|project_family}}_{{daily-YYYY-MM-DD|monthly-YYYY-MM}}[.gz], which says its kind and period",
                path.display()
            ),
            (Some(DumpFormat::Projectcounts), ..) => bail!(
                "{}: a legacy projectcounts file must keep its public name, projectcounts-YYYYMMDD-HHMMSS[.gz|.bz2], which says its hour",
                path.display()
            ),
            // Exports have no public name: the flag alone says what they are.
            (Some(DumpFormat::ProjectviewHourly), ..) => {
                inputs.push(Input::ProjectviewHourly { path: path.clone() })
            }
            (Some(DumpFormat::Mediacounts), ..) => bail!(
                "{}: a mediacounts file must keep its public name, mediacounts.YYYY-MM-DD.v00.tsv[.bz2], which says its day",
                path.display()
            ),
            (Some(DumpFormat::PagecountsEz), ..) => bail!(
                "{}: a pagecounts-ez daily file must keep its public name, pagecounts-YYYY-MM-DD[.bz2|.gz], which says its day",
                path.display()
            ),
            (Some(DumpFormat::Geoeditors), ..) => bail!(
                "{}: a geoeditors file must keep its public name, geoeditors-monthly-YYYY-MM.tsv, which says its month",
                path.display()
            ),
            (Some(DumpFormat::Projectviews), ..) => bail!(
                "{}: a projectviews file must keep its public name, projectviews-YYYYMMDD-HH0000[.gz|.bz2], which says its hour",
                path.display()
            ),
            (None, ..) => bail!(
                "{}: not a known dump file name (expected pageviews-YYYYMMDD-AGENT.bz2, projectviews-YYYYMMDD-HH0000, unique_devices_per_domain_daily-YYYY-MM-DD.gz, projectcounts-YYYYMMDD-HH0000, pagecounts-YYYY-MM-DD.bz2, mediacounts.YYYY-MM-DD.v00.tsv.bz2 or geoeditors-monthly-YYYY-MM.tsv); pass --format to read it anyway",
                path.display()
            ),
        }
    }
    Ok(inputs)
}
