//! Pageviews top by country (api-contract §2.4, data-formats §5.4): the rows of its AQS export.
//! There is no public dump with countries.

use crate::import::{counter, json_column, text};
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::YearMonth;
use aqs_core::params::Access;
use aqs_core::project::Project;
use aqs_core::table::SeriesRow;
use aqs_core::top_by_country::{CountryViews, Views, bucket_digits, rows};
use serde_json::{Map, Value};

/// An exported `top.bycountry` row (`aqs import`): one month's list of a project and access,
/// `countriesJSON` in its order, `views` a number (ceiled views) or an older bucket string.
pub(crate) fn import_rows(project: &Project, row: &Map<String, Value>) -> Result<Vec<SeriesRow>> {
    let access = Access::parse(text(row, "access")?)
        .map_err(|_| anyhow!("unknown access {:?}", row["access"]))?;
    let (year, month) = (text(row, "year")?, text(row, "month")?);
    let canonical = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    let ym = (canonical(year, 4) && canonical(month, 2))
        .then(|| YearMonth::new(year.parse().ok()?, month.parse().ok()?))
        .flatten()
        .ok_or_else(|| anyhow!("year/month must be YYYY and MM, found {year}/{month}"))?;
    let list = row
        .get("countriesJSON")
        .and_then(json_column)
        .ok_or_else(|| anyhow!("countriesJSON is missing or not JSON"))?;
    let Value::Array(items) = list else { bail!("countriesJSON must be a JSON array") };
    let list: Vec<CountryViews> = items
        .iter()
        .map(|item| {
            let item =
                item.as_object().ok_or_else(|| anyhow!("a country entry must be an object"))?;
            let views = match item.get("views") {
                Some(Value::String(s)) if bucket_digits(s).is_some() => {
                    Views::Bucket(bucket_digits(s).unwrap_or(3))
                }
                Some(Value::String(s)) if s.parse::<u64>().is_err() => {
                    bail!(
                        "views must be a number or a bucket string such as 1000-9999, found {s:?}"
                    )
                }
                _ => Views::Ceiled(counter(item, "views")?.unwrap_or(0)),
            };
            Ok(CountryViews {
                country: text(item, "country")?.to_string(),
                views,
                rank: counter(item, "rank")?
                    .ok_or_else(|| anyhow!("a country entry has no rank"))?,
            })
        })
        .collect::<Result<_>>()?;
    Ok(rows(project.as_str(), access.as_str(), ym, &list))
}
