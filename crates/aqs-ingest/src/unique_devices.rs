//! Unique devices dumps (`other/unique_devices/`, data-formats §2.4) into the unique devices
//! tables (§5.6).
//!
//! - Per domain, daily or monthly: the legacy 4-field lines (`domain, underestimate, offset,
//!   estimate`, the mobile site told by the host's `m` label) and the current 5-field lines
//!   (`domain, access_method, ...`). Sums per (project, site) over the file's lines; a row is
//!   kept when its devices are above 1000; `all-sites` is the sum of the kept site rows.
//! - Per project family: `all-<family>-projects`, all sites, above 1000, without the families
//!   `mediawiki`, `wikidata`, `wikimediafoundation` and `wikimedia`.
//!
//! Each file is one batch that replaces its day (or month) of its table.

use crate::import::{counter, text};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::report::LoadReport;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::params::AccessSite;
use aqs_core::project::Project;
use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow, TableDef};
use aqs_core::unique_devices::{DEVICES, Devices, FAMILIES};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::path::Path;

/// What a unique devices file's public name says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DevicesFile {
    /// Per project family (else per domain).
    pub families: bool,
    /// The day, or the month, the file counts.
    pub period: Period,
}

/// Parses `unique_devices_per_domain_daily-YYYY-MM-DD`, `..._monthly-YYYY-MM` and the
/// `per_project_family` names (without the compression suffix).
pub fn parse_file_name(base: &str) -> Option<DevicesFile> {
    let rest = base.strip_prefix("unique_devices_per_")?;
    let (families, rest) = match rest.strip_prefix("domain_") {
        Some(rest) => (false, rest),
        None => (true, rest.strip_prefix("project_family_")?),
    };
    let period = if let Some(date) = rest.strip_prefix("daily-") {
        Period::Day(Day::parse_iso(date)?)
    } else {
        let date = rest.strip_prefix("monthly-")?;
        let (y, m) = date.split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        Period::Month(YearMonth::new(y.parse().ok()?, m.parse().ok()?)?)
    };
    Some(DevicesFile { families, period })
}

/// Devices strictly above this are kept (the Cassandra loader's `devices > 1000`).
const THRESHOLD: u64 = 1000;

/// Project families left out of the family roll-ups.
const EXCLUDED_FAMILIES: [&str; 4] = ["mediawiki", "wikidata", "wikimediafoundation", "wikimedia"];

/// The project and site of a legacy per-domain host: `en.m.wikipedia.org` → (`en.wikipedia`,
/// mobile), `www.wikidata.org` → (`wikidata`, desktop), `m.wikidata.org` → (`wikidata`,
/// mobile). (The original's regular expression made `m.wikidata` a project of its own;
/// docs/compatibility.md.)
fn legacy_host(domain: &str) -> Option<(String, AccessSite)> {
    let base = domain.strip_suffix(".org")?;
    let mut labels: Vec<&str> = base.split('.').collect();
    let mobile = match labels.iter().position(|l| *l == "m") {
        Some(at) if at <= 1 && labels.len() > 1 => {
            labels.remove(at);
            true
        }
        _ => false,
    };
    if labels.first() == Some(&"www") && labels.len() > 1 {
        labels.remove(0);
    }
    if labels.iter().any(|l| l.is_empty()) {
        return None;
    }
    let site = if mobile { AccessSite::MobileSite } else { AccessSite::DesktopSite };
    Some((labels.join("."), site))
}

/// The project of a current per-domain line: the domain without `www.` and `.org`.
fn current_project(domain: &str) -> Option<String> {
    let project = domain.strip_prefix("www.").unwrap_or(domain);
    let project = project.strip_suffix(".org").unwrap_or(project);
    (!project.is_empty()).then(|| project.to_string())
}

fn add(sum: &mut Devices, d: &Devices) {
    sum.devices += d.devices;
    sum.offset += d.offset;
    sum.underestimate += d.underestimate;
}

/// Reads one file into the batch that publishes it.
pub fn read_file(
    path: &Path,
    file: DevicesFile,
    progress: &dyn Progress,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    let mut sums: BTreeMap<(String, AccessSite), Devices> = BTreeMap::new();
    for_each_file_line(path, progress, report, |number, line, report| {
        let fields: Vec<&str> = line.split('\t').collect();
        let where_ = || format!("{}:{number}", path.display());
        let (key, numbers) = match (file.families, fields.len()) {
            (true, 4) => {
                ((format!("all-{}-projects", fields[0]), AccessSite::AllSites), &fields[1..])
            }
            (false, 4) => match legacy_host(fields[0]) {
                Some(key) => (key, &fields[1..]),
                None => {
                    report.skip("not a wiki domain", where_);
                    return Ok(());
                }
            },
            (false, 5) => {
                let site = match fields[1] {
                    "desktop" => AccessSite::DesktopSite,
                    "mobile web" | "mobile app" => AccessSite::MobileSite,
                    _ => {
                        report.skip("unknown access method", where_);
                        return Ok(());
                    }
                };
                match current_project(fields[0]) {
                    Some(project) => ((project, site), &fields[2..]),
                    None => {
                        report.skip("not a wiki domain", where_);
                        return Ok(());
                    }
                }
            }
            _ => {
                report.skip("wrong number of fields", where_);
                return Ok(());
            }
        };
        let parsed: Option<Vec<u64>> = numbers.iter().map(|n| n.parse().ok()).collect();
        let Some(n) = parsed else {
            report.skip("not a count", where_);
            return Ok(());
        };
        let (underestimate, offset, estimate) = (n[0], n[1], n[2]);
        if key.0.is_empty() || underestimate.checked_add(offset) != Some(estimate) {
            report.skip("estimate is not underestimate + offset", where_);
            return Ok(());
        }
        if file.families && EXCLUDED_FAMILIES.iter().any(|f| key.0 == format!("all-{f}-projects")) {
            return Ok(());
        }
        add(sums.entry(key).or_default(), &Devices { devices: estimate, offset, underestimate });
        Ok(())
    })?;
    sums.retain(|_, d| d.devices > THRESHOLD);
    if !file.families {
        let mut all: BTreeMap<String, Devices> = BTreeMap::new();
        for ((project, _), d) in &sums {
            add(all.entry(project.clone()).or_default(), d);
        }
        for (project, d) in all {
            sums.insert((project, AccessSite::AllSites), d);
        }
    }
    let table: &'static TableDef = if file.families { &FAMILIES } else { &DEVICES };
    let rows = sums
        .into_iter()
        .map(|((project, site), d)| SeriesRow {
            key: vec![project, site.as_str().to_string()],
            period: file.period,
            sub: String::new(),
            values: d.numbers(),
        })
        .collect();
    Ok(SeriesBatch {
        dataset: table.dataset,
        changes: vec![SeriesChanges { table, replace: vec![(file.period, file.period)], rows }],
    })
}

/// An exported `unique.devices` row (`aqs import`): 8-character timestamps, `YYYYMMDD` or
/// `YYYYMM01` (api-contract §2.6).
pub(crate) fn import_row(
    project: &Project,
    row: &Map<String, Value>,
) -> Result<(&'static TableDef, SeriesRow)> {
    let project = project.as_str();
    let site = AccessSite::parse(text(row, "access-site")?)
        .map_err(|_| anyhow!("unknown access-site {:?}", row["access-site"]))?;
    let granularity = text(row, "granularity")?;
    let ts = text(row, "timestamp")?;
    let day = (ts.len() == 8).then(|| Day::parse_compact(ts)).flatten();
    let period = match (granularity, day) {
        ("daily", Some(d)) => Period::Day(d),
        ("monthly", Some(d)) if d.day() == 1 => Period::Month(d.year_month()),
        ("daily" | "monthly", _) => bail!(
            "timestamp must be a {granularity} YYYYMMDD timestamp (YYYYMM01 for a month), found {ts:?}"
        ),
        _ => bail!("granularity must be `daily` or `monthly`, found {granularity:?}"),
    };
    let devices = Devices {
        devices: counter(row, "devices")?.unwrap_or(0),
        offset: counter(row, "offset")?.unwrap_or(0),
        underestimate: counter(row, "underestimate")?.unwrap_or(0),
    };
    let series = SeriesRow {
        key: vec![project.to_string(), site.as_str().to_string()],
        period,
        sub: String::new(),
        values: devices.numbers(),
    };
    Ok((aqs_core::unique_devices::table_of(project), series))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_say_kind_and_period() {
        let d = parse_file_name("unique_devices_per_domain_daily-2024-01-31").unwrap();
        assert_eq!(
            d,
            DevicesFile {
                families: false,
                period: Period::Day(Day::from_ymd(2024, 1, 31).unwrap())
            }
        );
        let m = parse_file_name("unique_devices_per_project_family_monthly-2024-02").unwrap();
        assert_eq!(
            m,
            DevicesFile { families: true, period: Period::Month(YearMonth::new(2024, 2).unwrap()) }
        );
        for bad in [
            "unique_devices_per_domain_daily-2024-02-30",
            "unique_devices_per_domain_weekly-2024-02",
            "unique_devices_per_domain_monthly-2024-13",
            "unique_devices_per_wiki_daily-2024-01-01",
            "pageviews-20240101-user",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }

    #[test]
    fn legacy_hosts_give_project_and_site() {
        let site = |d| legacy_host(d).map(|(p, s)| (p, s.as_str()));
        assert_eq!(site("en.wikipedia.org"), Some(("en.wikipedia".into(), "desktop-site")));
        assert_eq!(site("en.m.wikipedia.org"), Some(("en.wikipedia".into(), "mobile-site")));
        assert_eq!(
            site("commons.m.wikimedia.org"),
            Some(("commons.wikimedia".into(), "mobile-site"))
        );
        assert_eq!(site("www.wikidata.org"), Some(("wikidata".into(), "desktop-site")));
        assert_eq!(site("m.wikidata.org"), Some(("wikidata".into(), "mobile-site")));
        assert_eq!(site("www.mediawiki.org"), Some(("mediawiki".into(), "desktop-site")));
        assert_eq!(site("en.wikipedia.com"), None);
        assert_eq!(site("en..org"), None);
    }

    #[test]
    fn current_domains_lose_www_and_org() {
        assert_eq!(current_project("www.wikidata.org").as_deref(), Some("wikidata"));
        assert_eq!(current_project("en.wikipedia.org").as_deref(), Some("en.wikipedia"));
    }
}
