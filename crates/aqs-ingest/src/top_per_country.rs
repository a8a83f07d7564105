//! Pageviews top per country (api-contract §2.5, data-formats §5.5): the rows of its AQS export,
//! the only source (the original computed the lists from private actor data).

use crate::import::{counter, list_column, text};
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Day, TopPeriod, check_year_month_day};
use aqs_core::params::Access;
use aqs_core::table::SeriesRow;
use aqs_core::top_per_country::{ArticleEntry, rows};
use serde_json::{Map, Value};

/// An exported `top.percountry` row (`aqs import`): one day's list of a country and access,
/// `articles` (JSON) in its order.
pub(crate) fn import_rows(row: &Map<String, Value>) -> Result<Vec<SeriesRow>> {
    let country = text(row, "country")?;
    let access = Access::parse(text(row, "access")?)
        .map_err(|_| anyhow!("unknown access {:?}", row["access"]))?;
    let (year, month, day) = (text(row, "year")?, text(row, "month")?, text(row, "day")?);
    let day: Day = match check_year_month_day(year, month, day) {
        Ok(Some(TopPeriod::Day(d))) => d,
        _ => bail!("year/month/day must be a zero-padded day, found {year}/{month}/{day}"),
    };
    let list = list_column(row, "articles", |item| {
        let project = text(item, "project")?;
        if project.is_empty() || project.contains(' ') {
            bail!("an article entry's project must be a project name, found {project:?}");
        }
        Ok(ArticleEntry {
            article: text(item, "article")?.to_string(),
            project: project.to_string(),
            views_ceil: counter(item, "views_ceil")?.unwrap_or(0),
            rank: counter(item, "rank")?.ok_or_else(|| anyhow!("an article entry has no rank"))?,
        })
    })?;
    Ok(rows(country, access.as_str(), day, &list))
}
