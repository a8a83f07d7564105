//! Pageviews top by country (api-contract §2.4, data-formats §5.4): the rows of its AQS export,
//! and the monthly lists computed from a `projectview_hourly` export with countries (no public
//! dump has countries: `aqs load --format projectview-hourly FILE...`).

use crate::import::{counter, list_column, text, year_month};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::report::LoadReport;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Period, YearMonth};
use aqs_core::editors_by_country::DENIED;
use aqs_core::params::Access;
use aqs_core::project::Project;
use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow};
use aqs_core::top_by_country::{CountryViews, TOP_BY_COUNTRY, Views, bucket_digits, rows};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An exported `top.bycountry` row (`aqs import`): one month's list of a project and access,
/// `countriesJSON` in its order, `views` a number (ceiled views) or an older bucket string.
pub(crate) fn import_rows(project: &Project, row: &Map<String, Value>) -> Result<Vec<SeriesRow>> {
    let access = Access::parse(text(row, "access")?)
        .map_err(|_| anyhow!("unknown access {:?}", row["access"]))?;
    let ym = year_month(row)?;
    let list = list_column(row, "countriesJSON", |item| {
        let views = match item.get("views") {
            Some(Value::String(s)) => match (bucket_digits(s), s.parse::<u64>()) {
                (Some(digits), _) => Views::Bucket(digits),
                (None, Ok(views)) => Views::Ceiled(views),
                (None, Err(_)) => bail!(
                    "views must be a number or a bucket string such as 1000-9999, found {s:?}"
                ),
            },
            _ => Views::Ceiled(counter(item, "views")?.unwrap_or(0)),
        };
        Ok(CountryViews {
            country: text(item, "country")?.to_string(),
            views,
            rank: counter(item, "rank")?.ok_or_else(|| anyhow!("a country entry has no rank"))?,
        })
    })?;
    Ok(rows(project.as_str(), access.as_str(), ym, &list))
}

/// `projectview_hourly` exported as TSV (data-formats §4.2), with Hive's `\N` for NULL:
/// `project, access_method, zero_carrier, agent_type, referer_class, continent, country_code,
/// record_version, view_count, year, month, day, hour`.
const FIELDS: usize = 13;

type Sums = BTreeMap<(YearMonth, String, Access, String), u64>;

/// Adds one file's `user` views per (month, project, access, country), with the `all-access`
/// and `all-projects` roll-ups.
fn read_file(
    path: &Path,
    progress: &dyn Progress,
    report: &mut LoadReport,
    sums: &mut Sums,
) -> Result<()> {
    for_each_file_line(path, progress, report, |number, line, report| {
        let where_ = || format!("{}:{number}", path.display());
        let f: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        if f.len() != FIELDS {
            report.skip("expected 13 tab-separated projectview_hourly columns", where_);
            return Ok(());
        }
        if f[3] != "user" {
            return Ok(()); // top by country counts user views only
        }
        let (Some(access), Ok(views)) = (Access::from_dump(f[1]), f[8].parse::<u64>()) else {
            report.skip("access_method or view_count is not valid", where_);
            return Ok(());
        };
        let month =
            f[9].parse().ok().zip(f[10].parse().ok()).and_then(|(y, m)| YearMonth::new(y, m));
        let (Some(month), project, country) = (month, f[0], f[6]) else {
            report.skip("year and month are not a month", where_);
            return Ok(());
        };
        if project == "\\N" || project.is_empty() || country == "\\N" || country.is_empty() {
            report.skip("no project or no country", where_);
            return Ok(());
        }
        for p in [project, "all-projects"] {
            for a in [access, Access::AllAccess] {
                *sums.entry((month, p.to_string(), a, country.to_string())).or_default() += views;
            }
        }
        Ok(())
    })
}

/// The lists of `sums` as the original's monthly job made them (data-formats §5.4): countries
/// with more than 99 views, views ceiled to thousands, `RANK()` by the raw views, protected
/// countries removed after ranking (so ranks keep gaps); ordered by rank, then country.
fn lists(sums: Sums) -> Vec<SeriesRow> {
    let mut groups: BTreeMap<(YearMonth, String, Access), Vec<(String, u64)>> = BTreeMap::new();
    for ((month, project, access, country), views) in sums {
        if views > 99 {
            groups.entry((month, project, access)).or_default().push((country, views));
        }
    }
    let mut out = Vec::new();
    for ((month, project, access), mut countries) in groups {
        countries.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut list = Vec::new();
        let mut rank = 0;
        for (i, (country, views)) in countries.iter().enumerate() {
            if i == 0 || countries[i - 1].1 != *views {
                rank = i as u64 + 1;
            }
            if !DENIED.contains(&country.as_str()) {
                let ceiled = views.div_ceil(1000) * 1000;
                list.push(CountryViews {
                    country: country.clone(),
                    views: Views::Ceiled(ceiled),
                    rank,
                });
            }
        }
        out.extend(rows(&project, access.as_str(), month, &list));
    }
    out
}

/// Reads `projectview_hourly` exports (`aqs load --format projectview-hourly`, each file
/// checked by `check`) into one batch that replaces every month they hold.
pub fn read_projectview_hourly(
    paths: &[PathBuf],
    progress: &dyn Progress,
    check: &dyn Fn(&Path, &LoadReport) -> Result<()>,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    let mut sums = Sums::new();
    for path in paths {
        let mut file_report = LoadReport::default();
        read_file(path, progress, &mut file_report, &mut sums)?;
        check(path, &file_report)?;
        report.absorb(file_report);
    }
    let months: BTreeSet<YearMonth> = sums.keys().map(|k| k.0).collect();
    let replace = months.iter().map(|m| (Period::Month(*m), Period::Month(*m))).collect();
    Ok(SeriesBatch {
        dataset: TOP_BY_COUNTRY.dataset,
        changes: vec![SeriesChanges { table: &TOP_BY_COUNTRY, replace, rows: lists(sums) }],
    })
}
