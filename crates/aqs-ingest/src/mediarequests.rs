//! Mediacounts daily files (`other/mediacounts/daily/YYYY/mediacounts.YYYY-MM-DD.v00.tsv.bz2`,
//! data-formats §2.5) into media requests with the pre-2019 semantics of the original's
//! backfill (§2.6, §5.7): every request is `all-agents` (no spider split), referers are
//! `internal`, `external` and `unknown` (columns 23–25) and `all-referers` (column 3, the
//! total), the media type comes from the file's extension. A file is one batch replacing its
//! day, with its month once every day of the month is loaded: per file (`all-referers` for
//! every file, the other referers when not zero; every request counted as `user`), per
//! referer and media type, and the day's top files; once a month is complete, its top files
//! from the stored per-file days ([`month_tops`]); and the rows of the `mediarequest.*`
//! exports.

use crate::import::{counter, list_column, text};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::pipeline::topk::TopK;
use crate::report::LoadReport;
use crate::rollup::days_with_months;
use crate::top::{TOP_SIZE, rank};
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::mediarequests::per_file::{
    MAX_FILE_PATH_BYTES, PER_FILE, REFERER_GROUPS, per_file_row,
};
use aqs_core::mediarequests::{
    PER_REFERER, TOP_FILES, TopFile, aggregate_row, media_type, top_period, top_rows,
};
use aqs_core::params::{ArticleGranularity, MediaAgent, ProjectGranularity};
use aqs_core::project::Project;
use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow, TableDef, TableWrite};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The day of `mediacounts.YYYY-MM-DD.v00.tsv` (the compression suffix already removed).
pub fn parse_file_name(base: &str) -> Option<Day> {
    let rest = base.strip_prefix("mediacounts.")?;
    let (date, rest) = rest.split_once('.')?;
    (rest == "v00.tsv").then(|| Day::parse_iso(date)).flatten()
}

/// The 25 columns of a mediacounts line: (base name, total, internal, external, unknown).
fn parse_line(line: &str) -> Option<(&str, [u64; 4])> {
    let f: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
    if f.len() != 25 || !f[0].starts_with('/') {
        return None;
    }
    let n = |i: usize| f[i].parse::<u64>().ok();
    Some((f[0], [n(2)?, n(22)?, n(23)?, n(24)?]))
}

/// Reads one day's file into the batch that publishes it.
pub fn read_file(
    store: &dyn TableWrite,
    path: &Path,
    day: Day,
    progress: &dyn Progress,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    let mut sums: BTreeMap<(&'static str, &'static str), u64> = BTreeMap::new();
    let mut tops: BTreeMap<(&'static str, &'static str), TopK> = BTreeMap::new();
    let mut per_file = Vec::new();
    for_each_file_line(path, progress, report, |number, line, report| {
        let Some((file, counts)) = parse_line(line) else {
            report.skip("expected 25 tab-separated columns: a path, then counts", || {
                format!("{}:{number}", path.display())
            });
            return Ok(());
        };
        if file.len() > MAX_FILE_PATH_BYTES {
            report.skip("a file path longer than 1024 bytes", || {
                format!("{}:{number}", path.display())
            });
            return Ok(());
        }
        let kind = media_type(file);
        for (i, (referer, n)) in REFERER_GROUPS.iter().zip(counts).enumerate() {
            if i == 0 || n > 0 {
                per_file.push(per_file_row(referer, file, day, n, 0));
            }
            for media in [kind, "all-media-types"] {
                *sums.entry((referer, media)).or_default() += n;
                if n > 0 {
                    let top =
                        tops.entry((referer, media)).or_insert_with(|| TopK::new(TOP_SIZE + 1));
                    top.offer(n, file);
                }
            }
        }
        Ok(())
    })?;
    let agent = MediaAgent::AllAgents.as_str();
    let rows: Vec<SeriesRow> = sums
        .into_iter()
        .map(|((referer, media), n)| aggregate_row(referer, media, agent, Period::Day(day), n))
        .collect();
    let marker = ["all-referers", "all-media-types", agent];
    let changes = days_with_months(store, &PER_REFERER, &BTreeSet::from([day]), rows, &marker)?;
    let mut top_rows_of_day = Vec::new();
    for ((referer, media), top) in tops {
        top_rows_of_day.extend(top_rows(referer, media, Period::Day(day), &ranked_files(top)));
    }
    let tops = SeriesChanges {
        table: &TOP_FILES,
        replace: vec![(Period::Day(day), Period::Day(day))],
        rows: top_rows_of_day,
    };
    let files = SeriesChanges {
        table: &PER_FILE,
        replace: vec![(Period::Day(day), Period::Day(day))],
        rows: per_file,
    };
    Ok(SeriesBatch { dataset: PER_REFERER.dataset, changes: vec![changes, tops, files] })
}

/// The month's top files per referer and media type, from the stored per-file rows (`user`
/// requests of the mediacounts referers), once the month is complete (its aggregate month
/// rows exist): a batch replacing the month's lists, or `None`.
pub fn month_tops(store: &dyn TableWrite, month: YearMonth) -> Result<Option<SeriesBatch>> {
    let period = Period::Month(month);
    let marker = ["all-referers", "all-media-types", MediaAgent::AllAgents.as_str()];
    let month_rows = store.scan_series(&PER_REFERER, period, period)?;
    if !month_rows.iter().any(|r| r.key.iter().map(String::as_str).eq(marker)) {
        return Ok(None);
    }
    let mut tops: BTreeMap<(&'static str, &'static str), TopK> = BTreeMap::new();
    store.entity_month_sums(&PER_FILE, month, &mut |key, values| {
        let Some(referer) = REFERER_GROUPS.iter().find(|g| **g == key[0]) else { return Ok(()) };
        let requests = values.0[0];
        if requests > 0 {
            for media in [media_type(&key[1]), "all-media-types"] {
                let top = tops.entry((referer, media)).or_insert_with(|| TopK::new(TOP_SIZE + 1));
                top.offer(requests, &key[1]);
            }
        }
        Ok(())
    })?;
    let mut rows = Vec::new();
    for ((referer, media), top) in tops {
        rows.extend(top_rows(referer, media, period, &ranked_files(top)));
    }
    let changes = vec![SeriesChanges { table: &TOP_FILES, replace: vec![(period, period)], rows }];
    Ok(Some(SeriesBatch { dataset: TOP_FILES.dataset, changes }))
}

/// A top list of files from the largest counts offered.
fn ranked_files(top: TopK) -> Vec<TopFile> {
    let entries = top.into_entries();
    rank(entries.iter().map(|(f, n)| (f.as_str(), *n)).collect())
        .into_iter()
        .map(|e| TopFile { file_path: e.article, requests: e.views, rank: u64::from(e.rank) })
        .collect()
}

/// An exported `mediarequest.per.referer` row (`aqs import`): 10-digit timestamps, daily or
/// monthly; `requests` as a number or a string (`parseInt(x) || 0`).
pub(crate) fn import_row(row: &Map<String, Value>) -> Result<(&'static TableDef, SeriesRow)> {
    let referer = Project::from_stored(text(row, "referer")?);
    let agent = MediaAgent::parse(text(row, "agent")?)
        .map_err(|_| anyhow!("unknown agent {:?}", row["agent"]))?;
    let granularity = ArticleGranularity::parse(text(row, "granularity")?)
        .map_err(|_| anyhow!("unknown granularity {:?}", row["granularity"]))?;
    let granularity = match granularity {
        ArticleGranularity::Daily => ProjectGranularity::Daily,
        ArticleGranularity::Monthly => ProjectGranularity::Monthly,
    };
    let ts = text(row, "timestamp")?;
    let period = Period::parse(granularity, ts)
        .ok_or_else(|| anyhow!("timestamp {ts:?} is not a {granularity} YYYYMMDD00 timestamp"))?;
    let requests = counter(row, "requests")?.unwrap_or(0);
    let media = text(row, "media_type")?;
    Ok((&PER_REFERER, aggregate_row(referer.as_str(), media, agent.as_str(), period, requests)))
}

/// An exported `mediarequest.per.file` row (`aqs import`): daily, 10-digit timestamps, the
/// `user` and `spider` columns (`null` or absent: 0; the newer `poster_*`/`plays_*` columns
/// are not served and not kept).
pub(crate) fn import_file_row(row: &Map<String, Value>) -> Result<(&'static TableDef, SeriesRow)> {
    let referer = Project::from_stored(text(row, "referer")?);
    let granularity = text(row, "granularity")?;
    if granularity != "daily" {
        bail!("granularity {granularity:?}: the table holds daily rows only");
    }
    let ts = text(row, "timestamp")?;
    let Some(Period::Day(day)) = Period::parse(ProjectGranularity::Daily, ts) else {
        bail!("timestamp {ts:?} is not a daily YYYYMMDD00 timestamp");
    };
    let (user, spider) = (counter(row, "user")?.unwrap_or(0), counter(row, "spider")?.unwrap_or(0));
    let file = text(row, "file_path")?;
    if file.len() > MAX_FILE_PATH_BYTES {
        bail!("file_path of {} bytes is longer than {MAX_FILE_PATH_BYTES}", file.len());
    }
    Ok((&PER_FILE, per_file_row(referer.as_str(), file, day, user, spider)))
}

/// An exported `mediarequest.top.files` row (`aqs import`): a day's or a month's
/// (`all-days`) list, `filesJSON` in its order (`video_filesJSON` is read and not served).
pub(crate) fn import_top_rows(row: &Map<String, Value>) -> Result<Vec<SeriesRow>> {
    let referer = text(row, "referer")?;
    let media = text(row, "media_type")?;
    let (year, month, day) = (text(row, "year")?, text(row, "month")?, text(row, "day")?);
    let period = match aqs_core::dates::check_year_month_day(year, month, day) {
        Ok(Some(period)) => top_period(period),
        _ => bail!("year/month/day {year}/{month}/{day} is not a zero-padded date (or all-days)"),
    };
    let files = list_column(row, "filesJSON", |item| {
        Ok(TopFile {
            file_path: text(item, "file_path")?.to_string(),
            requests: counter(item, "requests")?.unwrap_or(0),
            rank: counter(item, "rank")?.ok_or_else(|| anyhow!("a file entry has no rank"))?,
        })
    })?;
    Ok(top_rows(referer, media, period, &files))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_say_the_day() {
        assert_eq!(parse_file_name("mediacounts.2015-01-01.v00.tsv"), Day::from_ymd(2015, 1, 1));
        assert_eq!(parse_file_name("mediacounts.top1000.2015-01-01.v00.csv.zip"), None);
        assert_eq!(parse_file_name("mediacounts.2015-02-30.v00.tsv"), None);
    }

    #[test]
    fn lines_give_the_path_and_the_referer_counts() {
        let line = "/wikipedia/commons/a/a9/Example.jpg\t123456789\t1500\t300\t0\t-\t-\t1200\t900\t200\t50\t30\t10\t10\t-\t-\t0\t0\t0\t0\t-\t-\t1400\t80\t20";
        assert_eq!(
            parse_line(line),
            Some(("/wikipedia/commons/a/a9/Example.jpg", [1500, 1400, 80, 20]))
        );
        assert_eq!(parse_line("/x\t1"), None);
        assert_eq!(parse_line(&line.replace("\t1400\t", "\tx\t")), None);
    }
}
