//! Importing rows exported from an existing AQS deployment: JSON Lines, one object per row,
//! keys = the Cassandra column names of the AQS table (api-contract §2, §3). Rows are stored
//! as they are (no recomputation, no lists applied). JSON-typed columns accept a JSON value or
//! a string holding JSON; `null` counters mean 0. Keys starting with `_` (`_domain`, `_tid`)
//! are ignored; any other unknown key is an error, as is any malformed row: an import either
//! stores every row or none.

use anyhow::{Context, Result, anyhow, bail};
use aqs_core::dates::{Day, YearMonth};
use aqs_core::pageviews::{
    ARTICLE_COLUMNS, ArticleDay, ArticleViews, PageviewsBatch, Period, ProjectRow, TopRow,
    WriteSummary,
};
use aqs_core::project::Project;
use aqs_core::table::{
    Dataset, SeriesBatch, SeriesChanges, SeriesRow, TableDef, TableWrite, WriteStore,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::PathBuf;

mod pageviews;
mod tables;
pub use tables::ImportTable;

/// What an import read and stored.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    pub rows_read: u64,
    pub stored: WriteSummary,
    /// Rows stored in the other families' series tables.
    pub series_rows: u64,
}

pub(crate) fn text<'a>(row: &'a Map<String, Value>, key: &str) -> Result<&'a str> {
    match row.get(key) {
        Some(Value::String(s)) => Ok(s),
        Some(other) => bail!("column `{key}` must be a string, found {other}"),
        None => bail!("column `{key}` is missing"),
    }
}

pub(crate) fn counter(row: &Map<String, Value>, key: &str) -> Result<Option<u64>> {
    match row.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| anyhow!("column `{key}` must be a non-negative integer, found {n}")),
        Some(Value::String(s)) => s
            .parse()
            .map(Some)
            .map_err(|_| anyhow!("column `{key}` must be a non-negative integer, found {s:?}")),
        Some(other) => bail!("column `{key}` must be a number, found {other}"),
    }
}

/// A JSON column: a JSON value, or a string holding JSON (`None` if it does not parse).
pub(crate) fn json_column(value: &Value) -> Option<Value> {
    match value {
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

/// `year` and `month` of a monthly list's row: zero-padded, a valid month.
pub(crate) fn year_month(row: &Map<String, Value>) -> Result<YearMonth> {
    let (year, month) = (text(row, "year")?, text(row, "month")?);
    match aqs_core::dates::check_year_month(year, month) {
        Ok(Some(month)) => Ok(month),
        _ => bail!("year/month must be YYYY and MM, found {year}/{month}"),
    }
}

/// The entries of a list column (a JSON array, or a string holding one, of objects), each read
/// by `entry`, in their order.
pub(crate) fn list_column<T>(
    row: &Map<String, Value>,
    column: &str,
    entry: impl Fn(&Map<String, Value>) -> Result<T>,
) -> Result<Vec<T>> {
    let list = row
        .get(column)
        .and_then(json_column)
        .ok_or_else(|| anyhow!("{column} is missing or not JSON"))?;
    let Value::Array(items) = list else { bail!("{column} must be a JSON array") };
    items
        .iter()
        .map(|item| {
            entry(
                item.as_object()
                    .ok_or_else(|| anyhow!("an entry of {column} must be an object"))?,
            )
        })
        .collect()
}

#[derive(Default)]
struct Rows {
    articles: BTreeMap<(Day, String), BTreeMap<String, ArticleViews>>,
    projects: Vec<ProjectRow>,
    tops: Vec<TopRow>,
    /// Rows of the other families' series tables, by table.
    series: BTreeMap<&'static str, (&'static TableDef, Vec<SeriesRow>)>,
}

fn parse_row(table: ImportTable, row: &Map<String, Value>, rows: &mut Rows) -> Result<()> {
    for key in row.keys() {
        let known = key.starts_with('_')
            || table.columns().contains(&key.as_str())
            || (table == ImportTable::PerArticleFlat && ARTICLE_COLUMNS.contains(&key.as_str()));
        if !known {
            bail!("unknown column `{key}` for table {}", ImportTable::NAMES[table as usize]);
        }
    }
    if table.dataset() == Dataset::Pageviews {
        return pageviews::parse_row(table, row, rows);
    }
    let (series_table, list) = series_rows(table, row)?;
    rows.series
        .entry(series_table.name)
        .or_insert_with(|| (series_table, Vec::new()))
        .1
        .extend(list);
    Ok(())
}

/// A row of a series family's table: its family module reads it (the project, if the table has
/// one, first).
fn series_rows(
    table: ImportTable,
    row: &Map<String, Value>,
) -> Result<(&'static TableDef, Vec<SeriesRow>)> {
    let one = |(t, r): (&'static TableDef, SeriesRow)| (t, vec![r]);
    Ok(match table {
        ImportTable::MediaRequestsPerFile => one(crate::mediarequests::import_file_row(row)?),
        ImportTable::MediaRequestsPerReferer => one(crate::mediarequests::import_row(row)?),
        ImportTable::MediaRequestsTopFiles => {
            (&aqs_core::mediarequests::TOP_FILES, crate::mediarequests::import_top_rows(row)?)
        }
        ImportTable::TopPerCountry => {
            (&aqs_core::top_per_country::TOP_PER_COUNTRY, crate::top_per_country::import_rows(row)?)
        }
        _ => {
            let project = Project::from_stored(text(row, "project")?);
            match table {
                ImportTable::UniqueDevices => {
                    one(crate::unique_devices::import_row(&project, row)?)
                }
                ImportTable::LegacyPagecounts => {
                    one(crate::legacy_pagecounts::import_row(&project, row)?)
                }
                ImportTable::KnowledgeGap => one(crate::knowledge_gap::import_row(&project, row)?),
                ImportTable::EditorsByCountry => (
                    crate::editors_by_country::import_table(),
                    crate::editors_by_country::import_rows(&project, row)?,
                ),
                _ => (
                    &aqs_core::top_by_country::TOP_BY_COUNTRY,
                    crate::top_by_country::import_rows(&project, row)?,
                ),
            }
        }
    })
}

/// One exported row, a JSON object, into `rows`.
fn read_line(table: ImportTable, line: &str, rows: &mut Rows) -> Result<()> {
    let value: Value = serde_json::from_str(line).context("not a JSON object")?;
    let object = value.as_object().ok_or_else(|| anyhow!("not a JSON object"))?;
    parse_row(table, object, rows)
}

/// Checks one exported row as `aqs import` reads it (for fuzzing): `Ok` if it would be
/// imported, the error `aqs import` would report otherwise.
pub fn check_line(table: ImportTable, line: &str) -> Result<()> {
    read_line(table, line, &mut Rows::default())
}

/// Makes imported lists (a row per entry: editors by country, the country and media top lists)
/// replace the stored lists of their key and period whole (a shorter list must not keep the old
/// extra entries): each period the import touches is rewritten with its other lists as stored
/// and the imported ones in their place.
fn whole_lists(store: &dyn TableWrite, imported: SeriesChanges) -> Result<SeriesChanges> {
    let periods: BTreeSet<Period> = imported.rows.iter().map(|r| r.period).collect();
    let lists: BTreeSet<(&[String], Period)> =
        imported.rows.iter().map(|r| (r.key.as_slice(), r.period)).collect();
    let mut rows = Vec::new();
    for period in &periods {
        let stored = store.scan_series(imported.table, *period, *period)?;
        rows.extend(stored.into_iter().filter(|r| !lists.contains(&(r.key.as_slice(), r.period))));
    }
    rows.extend(imported.rows.iter().cloned());
    Ok(SeriesChanges {
        table: imported.table,
        replace: periods.iter().map(|m| (*m, *m)).collect(),
        rows,
    })
}

/// Reads every file, then stores all rows in one atomic batch.
pub fn import_files(
    store: &dyn WriteStore,
    table: ImportTable,
    paths: &[PathBuf],
) -> Result<ImportReport> {
    let mut rows = Rows::default();
    let mut report = ImportReport::default();
    for path in paths {
        let (reader, _) = crate::input::open_dump(path)?;
        for (number, line) in reader.lines().enumerate() {
            let line =
                line.with_context(|| format!("{}:{}: cannot read", path.display(), number + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = || format!("{}:{}", path.display(), number + 1);
            read_line(table, &line, &mut rows).with_context(at)?;
            report.rows_read += 1;
        }
    }
    if table.dataset() != Dataset::Pageviews {
        let mut changes: Vec<SeriesChanges> = rows
            .series
            .into_values()
            .map(|(table, rows)| SeriesChanges { table, replace: Vec::new(), rows })
            .collect();
        if matches!(
            table,
            ImportTable::EditorsByCountry
                | ImportTable::TopByCountry
                | ImportTable::TopPerCountry
                | ImportTable::MediaRequestsTopFiles
        ) {
            changes = changes.into_iter().map(|c| whole_lists(store, c)).collect::<Result<_>>()?;
        }
        // An export holds whole periods: each period it has rows of is loaded.
        let periods: BTreeMap<(&str, Period), &'static TableDef> = changes
            .iter()
            .flat_map(|c| c.rows.iter().map(|r| ((c.table.name, r.period), c.table)))
            .collect();
        let periods = periods.into_iter().map(|((_, period), table)| (table, period));
        let coverage = aqs_core::coverage::covering(table.dataset(), periods);
        let coverage_rows = coverage.as_ref().map_or(0, |c| c.rows.len() as u64);
        changes.extend(coverage);
        let batch = SeriesBatch { dataset: table.dataset(), changes };
        report.series_rows = store
            .publish_series(&batch)
            .context("cannot store the imported rows")?
            .saturating_sub(coverage_rows);
        return Ok(report);
    }
    let batch = PageviewsBatch {
        article_days: rows
            .articles
            .into_iter()
            .map(|((day, project), titles)| ArticleDay {
                day,
                project: Project::from_stored(project),
                rows: titles.into_iter().collect(),
            })
            .collect(),
        project_rows: rows.projects,
        top_rows: rows.tops,
        ..Default::default()
    };
    report.stored = store.write(&batch).context("cannot store the imported rows")?;
    Ok(report)
}
