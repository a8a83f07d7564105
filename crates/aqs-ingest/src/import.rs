//! Importing rows exported from an existing AQS deployment: JSON Lines, one object per row,
//! keys = the Cassandra column names of the AQS table (api-contract §2, §3). Rows are stored
//! as they are (no recomputation, no lists applied). JSON-typed columns accept a JSON value or
//! a string holding JSON; `null` counters mean 0. Keys starting with `_` (`_domain`, `_tid`)
//! are ignored; any other unknown key is an error, as is any malformed row: an import either
//! stores every row or none.

use anyhow::{Context, Result, anyhow, bail};
use aqs_core::dates::{Day, TopPeriod, YearMonth};
use aqs_core::pageviews::{
    ARTICLE_COLUMNS, ArticleDay, ArticleViews, PageviewsBatch, Period, ProjectRow, TopArticles,
    TopEntry, TopRow, WriteSummary,
};
use aqs_core::params::{Access, Agent, ProjectGranularity};
use aqs_core::project::Project;
use aqs_core::table::{
    Dataset, SeriesBatch, SeriesChanges, SeriesRow, TableDef, TableWrite, WriteStore,
};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::path::PathBuf;

/// The AQS tables `aqs import` accepts, by their AQS logical names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTable {
    PerArticleFlat,
    PerProjectV2,
    TopPageviews,
    UniqueDevices,
    LegacyPagecounts,
    KnowledgeGap,
    EditorsByCountry,
    TopByCountry,
    TopPerCountry,
    MediaRequestsPerReferer,
    MediaRequestsTopFiles,
}

impl ImportTable {
    pub const NAMES: [&'static str; 11] = [
        "pageviews.per.article.flat",
        "pageviews.per.project.v2",
        "top.pageviews",
        "unique.devices",
        "lgc.pagecounts.per.project",
        "knowledge.gap.by.category",
        "editors.bycountry",
        "top.bycountry",
        "top.percountry",
        "mediarequest.per.referer",
        "mediarequest.top.files",
    ];

    pub fn parse(name: &str) -> Option<ImportTable> {
        match name {
            "pageviews.per.article.flat" => Some(ImportTable::PerArticleFlat),
            "pageviews.per.project.v2" => Some(ImportTable::PerProjectV2),
            "top.pageviews" => Some(ImportTable::TopPageviews),
            "unique.devices" => Some(ImportTable::UniqueDevices),
            "lgc.pagecounts.per.project" => Some(ImportTable::LegacyPagecounts),
            "knowledge.gap.by.category" => Some(ImportTable::KnowledgeGap),
            "editors.bycountry" => Some(ImportTable::EditorsByCountry),
            "top.bycountry" => Some(ImportTable::TopByCountry),
            "top.percountry" => Some(ImportTable::TopPerCountry),
            "mediarequest.per.referer" => Some(ImportTable::MediaRequestsPerReferer),
            "mediarequest.top.files" => Some(ImportTable::MediaRequestsTopFiles),
            _ => None,
        }
    }

    /// The dataset the table's rows are published in.
    pub fn dataset(self) -> Dataset {
        match self {
            ImportTable::PerArticleFlat | ImportTable::PerProjectV2 | ImportTable::TopPageviews => {
                Dataset::Pageviews
            }
            ImportTable::UniqueDevices => Dataset::UniqueDevices,
            ImportTable::LegacyPagecounts => Dataset::LegacyPagecounts,
            ImportTable::KnowledgeGap => Dataset::KnowledgeGap,
            ImportTable::EditorsByCountry => Dataset::EditorsByCountry,
            ImportTable::TopByCountry => Dataset::TopByCountry,
            ImportTable::TopPerCountry => Dataset::TopPerCountry,
            ImportTable::MediaRequestsPerReferer | ImportTable::MediaRequestsTopFiles => {
                Dataset::MediaRequests
            }
        }
    }

    fn columns(self) -> &'static [&'static str] {
        match self {
            ImportTable::PerArticleFlat => &["project", "article", "granularity", "timestamp"],
            ImportTable::PerProjectV2 => {
                &["project", "access", "agent", "granularity", "timestamp", "views", "v"]
            }
            ImportTable::TopPageviews => {
                &["project", "access", "year", "month", "day", "articles", "articlesJSON"]
            }
            ImportTable::UniqueDevices => &[
                "project",
                "access-site",
                "granularity",
                "timestamp",
                "devices",
                "offset",
                "underestimate",
            ],
            ImportTable::LegacyPagecounts => {
                &["project", "access-site", "granularity", "timestamp", "count"]
            }
            ImportTable::KnowledgeGap => {
                &["dt", "project", "content_gap", "category", "metric", "value"]
            }
            ImportTable::EditorsByCountry => {
                &["project", "activity-level", "year", "month", "countriesJSON"]
            }
            ImportTable::TopByCountry => &["project", "access", "year", "month", "countriesJSON"],
            ImportTable::TopPerCountry => {
                &["country", "access", "year", "month", "day", "articles"]
            }
            // `poster_requests` and `play_requests` (newer loaders) are read and not served,
            // as AQS 1.0 did not serve them.
            ImportTable::MediaRequestsPerReferer => &[
                "referer",
                "media_type",
                "agent",
                "granularity",
                "timestamp",
                "requests",
                "poster_requests",
                "play_requests",
            ],
            ImportTable::MediaRequestsTopFiles => {
                &["referer", "media_type", "year", "month", "day", "filesJSON", "video_filesJSON"]
            }
        }
    }
}

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

fn top_entries(value: &Value) -> Result<Vec<TopEntry>> {
    let Value::Array(items) = value else { bail!("a top list must be a JSON array") };
    items
        .iter()
        .map(|item| {
            let item =
                item.as_object().ok_or_else(|| anyhow!("a top list entry must be an object"))?;
            let article = text(item, "article")?.to_string();
            let views = counter(item, "views")?.unwrap_or(0);
            let rank =
                counter(item, "rank")?.ok_or_else(|| anyhow!("a top list entry has no rank"))?;
            Ok(TopEntry {
                article,
                views,
                rank: u32::try_from(rank).map_err(|_| anyhow!("rank {rank} is too large"))?,
            })
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
    if table == ImportTable::MediaRequestsTopFiles {
        let table = &aqs_core::mediarequests::TOP_FILES;
        let list = crate::mediarequests::import_top_rows(row)?;
        rows.series.entry(table.name).or_insert_with(|| (table, Vec::new())).1.extend(list);
        return Ok(());
    }
    if table == ImportTable::MediaRequestsPerReferer {
        // Keyed by referer: no project column.
        let (table, series) = crate::mediarequests::import_row(row)?;
        rows.series.entry(table.name).or_insert_with(|| (table, Vec::new())).1.push(series);
        return Ok(());
    }
    if table == ImportTable::TopPerCountry {
        // Keyed by country: the one table without a project column.
        let table = &aqs_core::top_per_country::TOP_PER_COUNTRY;
        let list = crate::top_per_country::import_rows(row)?;
        rows.series.entry(table.name).or_insert_with(|| (table, Vec::new())).1.extend(list);
        return Ok(());
    }
    let project = Project::from_stored(text(row, "project")?);
    match table {
        ImportTable::PerArticleFlat => {
            let granularity = text(row, "granularity")?;
            if granularity != "daily" {
                bail!(
                    "granularity must be `daily` (per-article rows are daily), found {granularity:?}"
                );
            }
            let ts = text(row, "timestamp")?;
            let Some(Period::Day(day)) = Period::parse(ProjectGranularity::Daily, ts) else {
                bail!("timestamp must be YYYYMMDD00, found {ts:?}");
            };
            let mut views = ArticleViews::default();
            for (i, column) in ARTICLE_COLUMNS.iter().enumerate() {
                let n = counter(row, column)?.unwrap_or(0);
                views.0[i] = u32::try_from(n)
                    .map_err(|_| anyhow!("column `{column}` = {n} does not fit a 32-bit int"))?;
            }
            let article = text(row, "article")?.to_string();
            rows.articles
                .entry((day, project.as_str().to_string()))
                .or_default()
                .insert(article, views);
        }
        ImportTable::PerProjectV2 => {
            let access = Access::parse(text(row, "access")?)
                .map_err(|_| anyhow!("unknown access {:?}", row["access"]))?;
            let agent = Agent::parse(text(row, "agent")?)
                .map_err(|_| anyhow!("unknown agent {:?}", row["agent"]))?;
            let granularity = ProjectGranularity::parse(text(row, "granularity")?)
                .map_err(|_| anyhow!("unknown granularity {:?}", row["granularity"]))?;
            let ts = text(row, "timestamp")?;
            let period = Period::parse(granularity, ts)
                .ok_or_else(|| anyhow!("timestamp {ts:?} is not a {granularity} timestamp"))?;
            // AQS serves `v` when it is set, else the legacy `views`.
            let views = match counter(row, "v")? {
                Some(v) => v,
                None => counter(row, "views")?.unwrap_or(0),
            };
            rows.projects.push(ProjectRow { project, access, agent, period, views });
        }
        ImportTable::TopPageviews => {
            let access = Access::parse(text(row, "access")?)
                .map_err(|_| anyhow!("unknown access {:?}", row["access"]))?;
            let (year, month, day) = (text(row, "year")?, text(row, "month")?, text(row, "day")?);
            let period = match aqs_core::dates::check_year_month_day(year, month, day) {
                Ok(Some(p)) => p,
                _ => bail!(
                    "year/month/day {year}/{month}/{day} is not a zero-padded date (or all-days)"
                ),
            };
            let articles = match row.get("articlesJSON").filter(|v| !v.is_null()) {
                Some(value) => TopArticles::List(top_entries(
                    &json_column(value).ok_or_else(|| anyhow!("articlesJSON is not JSON"))?,
                )?),
                None => match row.get("articles").and_then(json_column) {
                    Some(value) => TopArticles::List(top_entries(&value)?),
                    None => TopArticles::InvalidLegacyJson,
                },
            };
            let period = match period {
                TopPeriod::Day(d) => TopPeriod::Day(d),
                TopPeriod::Month(m) => {
                    TopPeriod::Month(YearMonth::new(m.year(), m.month()).unwrap_or(m))
                }
            };
            rows.tops.push(TopRow { project, access, period, articles });
        }
        ImportTable::EditorsByCountry
        | ImportTable::TopByCountry
        | ImportTable::TopPerCountry
        | ImportTable::MediaRequestsPerReferer
        | ImportTable::MediaRequestsTopFiles => {
            let (table, list) = match table {
                ImportTable::EditorsByCountry => (
                    crate::editors_by_country::import_table(),
                    crate::editors_by_country::import_rows(&project, row)?,
                ),
                _ => (
                    &aqs_core::top_by_country::TOP_BY_COUNTRY,
                    crate::top_by_country::import_rows(&project, row)?,
                ),
            };
            rows.series.entry(table.name).or_insert_with(|| (table, Vec::new())).1.extend(list);
        }
        ImportTable::UniqueDevices | ImportTable::LegacyPagecounts | ImportTable::KnowledgeGap => {
            let (table, series) = match table {
                ImportTable::UniqueDevices => crate::unique_devices::import_row(&project, row)?,
                ImportTable::LegacyPagecounts => {
                    crate::legacy_pagecounts::import_row(&project, row)?
                }
                _ => crate::knowledge_gap::import_row(&project, row)?,
            };
            rows.series.entry(table.name).or_insert_with(|| (table, Vec::new())).1.push(series);
        }
    }
    Ok(())
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
        let batch = SeriesBatch { dataset: table.dataset(), changes };
        report.series_rows =
            store.publish_series(&batch).context("cannot store the imported rows")?;
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
