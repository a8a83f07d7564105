//! Geoeditors dumps (`other/geoeditors/geoeditors-monthly-YYYY-MM.tsv`, data-formats §2.8)
//! into editors by country (§5.9), and the rows of its AQS export.
//!
//! A line: `wiki_db, country_name, activity_level, editors_floor, editors_ceil`. The wiki
//! database becomes the project (`enwiki` → `en.wikipedia`, `zh_yuewiki` →
//! `zh-yue.wikipedia`), the country name its ISO code (the shipped `data/countries.tsv`), the
//! activity level the route's (`5 to 99` → `5..99-edits`, `100 or more` → `100..-edits`).
//! Each (project, activity level) list is sorted by editors descending, then country; a file
//! is one batch that replaces its month.

use crate::import::{counter, list_column, text, year_month};
use crate::load::Progress;
use crate::load::lines::for_each_file_line;
use crate::report::LoadReport;
use anyhow::{Result, anyhow};
use aqs_core::dates::{Period, YearMonth};
use aqs_core::editors_by_country::{ActivityLevel, CountryEditors, EDITORS, rows};
use aqs_core::project::Project;
use aqs_core::table::{SeriesBatch, SeriesChanges, SeriesRow, TableDef};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::OnceLock;

/// The shipped country names: ISO 3166-1 alpha-2 code and English name, several names a code.
const COUNTRIES: &str = include_str!("../data/countries.tsv");

/// The ISO code of a country name as geoeditors files write it.
pub fn country_code(name: &str) -> Option<&'static str> {
    static BY_NAME: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    let map = BY_NAME.get_or_init(|| {
        COUNTRIES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .map(|(code, name)| (name, code))
            .collect()
    });
    map.get(name).copied()
}

/// The project of a Wikipedia's database name; `None` for other wikis.
pub fn project_of(wiki_db: &str) -> Option<String> {
    let language = wiki_db.strip_suffix("wiki")?;
    let valid = !language.is_empty()
        && language.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !valid || language.starts_with("test") {
        return None;
    }
    Some(match language {
        "be_x_old" => "be-tarask.wikipedia".to_string(),
        _ => format!("{}.wikipedia", language.replace('_', "-")),
    })
}

/// The month of `geoeditors-monthly-YYYY-MM[.tsv]`.
pub fn parse_file_name(base: &str) -> Option<YearMonth> {
    let rest = base.strip_prefix("geoeditors-monthly-")?;
    let rest = rest.strip_suffix(".tsv").unwrap_or(rest);
    let (y, m) = rest.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    YearMonth::new(y.parse().ok()?, m.parse().ok()?)
}

fn activity_level(text: &str) -> Option<ActivityLevel> {
    match text {
        "5 to 99" => Some(ActivityLevel::FiveTo99),
        "100 or more" => Some(ActivityLevel::HundredOrMore),
        _ => None,
    }
}

/// Reads one month's file into the batch that publishes it.
pub fn read_file(
    path: &Path,
    month: YearMonth,
    progress: &dyn Progress,
    report: &mut LoadReport,
) -> Result<SeriesBatch> {
    let mut lists: BTreeMap<(String, ActivityLevel), BTreeMap<&'static str, u64>> = BTreeMap::new();
    for_each_file_line(path, progress, report, |number, line, report| {
        let where_ = || format!("{}:{number}", path.display());
        let fields: Vec<&str> = line.trim_end_matches('\r').split('\t').collect();
        let [wiki_db, country, level, _floor, ceil] = fields[..] else {
            report.skip("expected 5 tab-separated fields", where_);
            return Ok(());
        };
        let Some(project) = project_of(wiki_db) else {
            report.skip("not a Wikipedia database name", where_);
            return Ok(());
        };
        let Some(code) = country_code(country) else {
            report.skip("unknown country name", where_);
            return Ok(());
        };
        let Some(level) = activity_level(level) else {
            report.skip("unknown activity level", where_);
            return Ok(());
        };
        let Ok(ceil) = ceil.parse::<u64>() else {
            report.skip("editors_ceil is not a number", where_);
            return Ok(());
        };
        *lists.entry((project, level)).or_default().entry(code).or_default() += ceil;
        Ok(())
    })?;
    let mut all = Vec::new();
    for ((project, level), countries) in lists {
        let mut list: Vec<CountryEditors> = countries
            .into_iter()
            .map(|(country, editors_ceil)| CountryEditors { country: country.into(), editors_ceil })
            .collect();
        list.sort_by(|a, b| b.editors_ceil.cmp(&a.editors_ceil).then(a.country.cmp(&b.country)));
        all.extend(rows(&project, level.as_str(), month, &list));
    }
    let period = Period::Month(month);
    Ok(SeriesBatch {
        dataset: EDITORS.dataset,
        changes: vec![SeriesChanges {
            table: &EDITORS,
            replace: vec![(period, period)],
            rows: all,
        }],
    })
}

/// An exported `editors.bycountry` row (`aqs import`): one month's list of a project and
/// activity level, `countriesJSON` kept in its order.
pub(crate) fn import_rows(project: &Project, row: &Map<String, Value>) -> Result<Vec<SeriesRow>> {
    let level = ActivityLevel::parse(text(row, "activity-level")?)
        .map_err(|_| anyhow!("unknown activity-level {:?}", row["activity-level"]))?;
    let ym = year_month(row)?;
    let list = list_column(row, "countriesJSON", |item| {
        Ok(CountryEditors {
            country: text(item, "country")?.to_string(),
            editors_ceil: counter(item, "editors-ceil")?.unwrap_or(0),
        })
    })?;
    Ok(rows(project.as_str(), level.as_str(), ym, &list))
}

/// The table of [`import_rows`].
pub(crate) fn import_table() -> &'static TableDef {
    &EDITORS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_names_map_to_codes() {
        assert_eq!(country_code("United States"), Some("US"));
        assert_eq!(country_code("Germany"), Some("DE"));
        assert_eq!(country_code("Russia"), Some("RU"));
        assert_eq!(country_code("South Korea"), Some("KR"));
        assert_eq!(country_code("Korea, Republic of"), Some("KR"));
        assert_eq!(country_code("Atlantis"), None);
    }

    #[test]
    fn wikipedia_databases_map_to_projects() {
        assert_eq!(project_of("enwiki").as_deref(), Some("en.wikipedia"));
        assert_eq!(project_of("zh_yuewiki").as_deref(), Some("zh-yue.wikipedia"));
        assert_eq!(project_of("be_x_oldwiki").as_deref(), Some("be-tarask.wikipedia"));
        assert_eq!(project_of("enwiktionary"), None);
        assert_eq!(project_of("testwiki"), None);
        assert_eq!(project_of("wiki"), None);
    }

    #[test]
    fn file_names_say_the_month() {
        assert_eq!(parse_file_name("geoeditors-monthly-2024-01.tsv"), YearMonth::new(2024, 1));
        assert_eq!(parse_file_name("geoeditors-monthly-2024-13.tsv"), None);
        assert_eq!(parse_file_name("geoeditors-2024-01.tsv"), None);
    }
}
