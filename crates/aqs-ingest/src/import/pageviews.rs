//! The pageviews tables of `aqs import`: per-article, per-project and top rows.

use super::{Rows, counter, json_column, text};
use crate::import::ImportTable;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{TopPeriod, YearMonth};
use aqs_core::pageviews::{
    ARTICLE_COLUMNS, ArticleViews, Period, ProjectRow, TopArticles, TopEntry, TopRow,
};
use aqs_core::params::{Access, Agent, ProjectGranularity};
use aqs_core::project::Project;
use serde_json::{Map, Value};

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

/// One row of a pageviews table into `rows`.
pub(super) fn parse_row(
    table: ImportTable,
    row: &Map<String, Value>,
    rows: &mut Rows,
) -> Result<()> {
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
        _ => bail!("{} is not a pageviews table", ImportTable::NAMES[table as usize]),
    }
    Ok(())
}
