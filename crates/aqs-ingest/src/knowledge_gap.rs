//! Knowledge gap rows (`knowledge.gap.by.category`, api-contract §2.16): there is no public
//! dump, so `aqs import` is the only way in. A row: `dt` (`YYYYMM01`), `project`,
//! `content_gap`, `category`, `metric`, `value` (a double: a JSON number, a string holding one,
//! or null for 0).

use crate::import::text;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::{Day, Period};
use aqs_core::knowledge_gap::GAPS;
use aqs_core::project::Project;
use aqs_core::table::{Numbers, SeriesRow, TableDef};
use serde_json::{Map, Value};

fn value(row: &Map<String, Value>) -> Result<f64> {
    match row.get("value") {
        None | Some(Value::Null) => Ok(0.0),
        Some(Value::Number(n)) => {
            n.as_f64().ok_or_else(|| anyhow!("column `value` is not a double"))
        }
        Some(Value::String(s)) => {
            s.parse().map_err(|_| anyhow!("column `value` must be a number, found {s:?}"))
        }
        Some(other) => bail!("column `value` must be a number, found {other}"),
    }
}

/// An exported `knowledge.gap.by.category` row (`aqs import`).
pub(crate) fn import_row(
    project: &Project,
    row: &Map<String, Value>,
) -> Result<(&'static TableDef, SeriesRow)> {
    let dt = text(row, "dt")?;
    let month = match (dt.len(), Day::parse_compact(dt)) {
        (8, Some(day)) if day.day() == 1 => day.year_month(),
        _ => bail!("dt must be the first day of a month, YYYYMM01, found {dt:?}"),
    };
    let series = SeriesRow {
        key: vec![
            project.as_str().to_string(),
            text(row, "content_gap")?.to_string(),
            text(row, "category")?.to_string(),
        ],
        period: Period::Month(month),
        sub: text(row, "metric")?.to_string(),
        values: Numbers::float(value(row)?),
    };
    Ok((&GAPS, series))
}
