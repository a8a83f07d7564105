//! Pageviews top by country (api-contract §2.4): the table, the bucket strings, and the
//! request of `GET /metrics/pageviews/top-by-country/{project}/{access}/{year}/{month}`.
//!
//! Rows are keyed by (project, access) and month; each country is a row of its own (`sub` =
//! the country code) holding its views (ceiled to thousands), its rank, its position in the
//! stored list, and, for rows the original stored with a bucket string instead of a number
//! (older data), that bucket's number of digits.

use crate::dates::{Day, Period, YearMonth, check_year_month};
use crate::error::RequestError;
use crate::params::Access;
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `top.bycountry`: per (project, access), month and country.
pub static TOP_BY_COUNTRY: TableDef = TableDef {
    name: "top_by_country",
    dataset: Dataset::TopByCountry,
    shape: Shape::Ranked,
    period_index: true,
    key: &["project", "access"],
    sub: Some("country"),
    values: &[
        ValueColumn::u64("views"),
        ValueColumn::u64("rank"),
        ValueColumn::u64("position"),
        ValueColumn::u64("bucket_digits"),
    ],
};

/// What a country's stored `views` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Views {
    /// Views ceiled to thousands (served as a bucket string and `views_ceil`).
    Ceiled(u64),
    /// A bucket string stored by older loads, `10^(d-1)-(10^d - 1)`: its number of digits.
    Bucket(u32),
}

/// One country of a month's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryViews {
    pub country: String,
    pub views: Views,
    pub rank: u64,
}

/// The bucket string of `digits` digits: `10^(d-1)-(10^d - 1)` (`1000-9999`).
pub fn bucket_of_digits(digits: u32) -> String {
    let low = 10u128.pow(digits.saturating_sub(1));
    format!("{low}-{}", low * 10 - 1)
}

/// The original's `getBucket`: values under 100 are `100-999`, an exact power of ten goes one
/// bucket down (`1000` → `100-999`), anything else is the bucket of its number of digits.
pub fn bucket(views: u64) -> String {
    if views < 100 {
        return bucket_of_digits(3);
    }
    let digits = views.ilog10() + 1;
    if 10u64.checked_pow(digits - 1) == Some(views) {
        return bucket(views - 1);
    }
    bucket_of_digits(digits)
}

/// The digits of a bucket string, if it is one (`1000-9999` → 4).
pub fn bucket_digits(text: &str) -> Option<u32> {
    let (low, _) = text.split_once('-')?;
    let digits = u32::try_from(low.len()).ok()?;
    (bucket_of_digits(digits) == text && low.starts_with('1')).then_some(digits)
}

/// The rows of one (project, access, month) list, in the list's order.
pub fn rows(
    project: &str,
    access: &str,
    month: YearMonth,
    list: &[CountryViews],
) -> Vec<SeriesRow> {
    list.iter()
        .enumerate()
        .map(|(i, c)| {
            let (views, digits) = match c.views {
                Views::Ceiled(v) => (v, 0),
                Views::Bucket(d) => (0, u64::from(d)),
            };
            SeriesRow {
                key: vec![project.to_string(), access.to_string()],
                period: Period::Month(month),
                sub: c.country.clone(),
                values: Numbers::counters(&[views, c.rank, i as u64, digits]),
            }
        })
        .collect()
}

/// A month's list from its stored rows, in stored order.
pub fn list(mut entries: Vec<(String, Numbers)>) -> Vec<CountryViews> {
    entries.sort_by(|(a, x), (b, y)| (x.0[2], a).cmp(&(y.0[2], b)));
    entries
        .into_iter()
        .map(|(country, v)| CountryViews {
            country,
            views: match v.0[3] {
                0 => Views::Ceiled(v.0[0]),
                d => Views::Bucket(u32::try_from(d).unwrap_or(u32::MAX)),
            },
            rank: v.0[1],
        })
        .collect()
}

/// A validated top-by-country request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopByCountryRequest {
    pub project: Project,
    pub access: Access,
    /// `None` when the date is valid but not zero-padded: the literal lookup finds nothing.
    pub month: Option<YearMonth>,
    pub year: String,
    pub month_text: String,
}

impl TopByCountryRequest {
    /// Validates as AQS 1.0 does: the access enum, the project, then `year + month + "0100"`.
    pub fn parse(
        project: &str,
        access: &str,
        year: &str,
        month: &str,
    ) -> Result<Self, RequestError> {
        let access = Access::parse(access)?;
        let project = Project::normalize(project)?;
        Ok(TopByCountryRequest {
            project,
            access,
            month: check_year_month(year, month)?,
            year: year.to_string(),
            month_text: month.to_string(),
        })
    }
}

/// The row of the original's monitoring probe (api-contract §4): country `-`, views in the
/// `100-999` bucket, rank 1, for `en.wikipedia`, all access, January 1970.
pub fn probe_batch() -> SeriesBatch {
    let list = [CountryViews { country: "-".into(), views: Views::Bucket(3), rank: 1 }];
    let month = Day::from_epoch_days(0).year_month();
    SeriesBatch {
        dataset: Dataset::TopByCountry,
        changes: vec![SeriesChanges {
            table: &TOP_BY_COUNTRY,
            replace: vec![],
            rows: rows("en.wikipedia", Access::AllAccess.as_str(), month, &list),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_original() {
        for (views, expected) in [
            (0, "100-999"),
            (99, "100-999"),
            (100, "100-999"),
            (999, "100-999"),
            (1000, "100-999"),
            (1001, "1000-9999"),
            (2000, "1000-9999"),
            (10000, "1000-9999"),
            (123_000, "100000-999999"),
            (3_171_766_000, "1000000000-9999999999"),
            (u64::MAX, "10000000000000000000-99999999999999999999"),
        ] {
            assert_eq!(bucket(views), expected, "{views}");
        }
        assert_eq!(bucket_digits("1000-9999"), Some(4));
        assert_eq!(bucket_digits("100-999"), Some(3));
        assert_eq!(bucket_digits("1000-999"), None);
        assert_eq!(bucket_digits("2000-9999"), None);
        assert_eq!(bucket_digits("many"), None);
    }

    #[test]
    fn lists_round_trip_through_rows_in_order() {
        let month = YearMonth::new(2020, 5).unwrap();
        let stored = vec![
            CountryViews { country: "US".into(), views: Views::Ceiled(3_000_000), rank: 1 },
            CountryViews { country: "--".into(), views: Views::Ceiled(9000), rank: 3 },
            CountryViews { country: "FR".into(), views: Views::Bucket(4), rank: 5 },
        ];
        let mut entries: Vec<(String, Numbers)> =
            rows("en.wikipedia", "all-access", month, &stored)
                .into_iter()
                .map(|r| (r.sub, r.values))
                .collect();
        entries.reverse();
        assert_eq!(list(entries), stored);
    }

    #[test]
    fn requests_are_checked_in_the_original_order() {
        let e = TopByCountryRequest::parse("bad|p", "all", "x", "y").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "access", .. }), "{e:?}");
        let r = TopByCountryRequest::parse("all-projects", "mobile-web", "2020", "05").unwrap();
        assert_eq!(r.month, YearMonth::new(2020, 5));
        assert!(TopByCountryRequest::parse("en.wikipedia", "all-access", "2020", "13").is_err());
    }
}
