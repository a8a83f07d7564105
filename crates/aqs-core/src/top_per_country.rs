//! Pageviews top per country (api-contract §2.5): the table and the request of
//! `GET /metrics/pageviews/top-per-country/{country}/{access}/{year}/{month}/{day}`.
//!
//! Rows are keyed by (country, access) and day; each article of a day's list is a row of its
//! own, `sub` = `<project> <article>` (a project name has no space, so the first space splits
//! them), holding its `views_ceil`, its rank and its position in the stored list. There is no
//! public source (the original computed it from private actor data): rows come from
//! `aqs import --table top.percountry`.

use crate::dates::{Day, Period, TopPeriod, check_year_month_day};
use crate::error::RequestError;
use crate::params::Access;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `top.percountry`: per (country, access), day and article.
pub static TOP_PER_COUNTRY: TableDef = TableDef {
    name: "top_per_country",
    dataset: Dataset::TopPerCountry,
    shape: Shape::Ranked,
    period_index: true,
    key: &["country", "access"],
    sub: Some("article"),
    values: &[
        ValueColumn::u64("views_ceil"),
        ValueColumn::u64("rank"),
        ValueColumn::u64("position"),
    ],
};

/// One article of a day's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleEntry {
    pub article: String,
    pub project: String,
    pub views_ceil: u64,
    pub rank: u64,
}

/// The rows of one (country, access, day) list, in the list's order.
pub fn rows(country: &str, access: &str, day: Day, list: &[ArticleEntry]) -> Vec<SeriesRow> {
    list.iter()
        .enumerate()
        .map(|(i, e)| SeriesRow {
            key: vec![country.to_string(), access.to_string()],
            period: Period::Day(day),
            sub: format!("{} {}", e.project, e.article),
            values: Numbers::counters(&[e.views_ceil, e.rank, i as u64]),
        })
        .collect()
}

/// A day's list from its stored rows, in stored order.
pub fn list(mut entries: Vec<(String, Numbers)>) -> Vec<ArticleEntry> {
    entries.sort_by(|(a, x), (b, y)| (x.0[2], a).cmp(&(y.0[2], b)));
    entries
        .into_iter()
        .map(|(sub, v)| {
            let (project, article) = sub.split_once(' ').unwrap_or(("", &sub));
            ArticleEntry {
                article: article.to_string(),
                project: project.to_string(),
                views_ceil: v.0[0],
                rank: v.0[1],
            }
        })
        .collect()
}

/// A validated top-per-country request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopPerCountryRequest {
    /// As given: stored upper-case, never normalised (`us` finds nothing).
    pub country: String,
    pub access: Access,
    /// `None` when nothing can match: `all-days` (daily lists only) or a date that is valid
    /// but not zero-padded (the original's literal lookup).
    pub day: Option<Day>,
    pub year: String,
    pub month: String,
    pub day_text: String,
}

impl TopPerCountryRequest {
    /// Validates as AQS 1.0 does: the access enum, then `year + month + day + "00"` (`01` for
    /// `all-days`) as a timestamp. The country is free text.
    pub fn parse(
        country: &str,
        access: &str,
        year: &str,
        month: &str,
        day: &str,
    ) -> Result<Self, RequestError> {
        let access = Access::parse(access)?;
        let day_checked = match check_year_month_day(year, month, day)? {
            Some(TopPeriod::Day(d)) => Some(d),
            _ => None,
        };
        Ok(TopPerCountryRequest {
            country: country.to_string(),
            access,
            day: day_checked,
            year: year.to_string(),
            month: month.to_string(),
            day_text: day.to_string(),
        })
    }
}

/// A row for the route's example (the original had no monitor for this route; aqs checks it
/// like the others): article `-` of `en.wikipedia`, 100 views, rank 1, from country `US`, all
/// access, on 1970-01-01.
pub fn probe_batch() -> SeriesBatch {
    let entry = ArticleEntry {
        article: "-".into(),
        project: "en.wikipedia".into(),
        views_ceil: 100,
        rank: 1,
    };
    SeriesBatch {
        dataset: Dataset::TopPerCountry,
        changes: vec![SeriesChanges {
            table: &TOP_PER_COUNTRY,
            replace: vec![],
            rows: rows("US", Access::AllAccess.as_str(), Day::from_epoch_days(0), &[entry]),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_round_trip_with_any_title() {
        let day = Day::from_ymd(2021, 1, 1).unwrap();
        let stored = vec![
            ArticleEntry {
                article: "o\"n\"e two".into(),
                project: "fr.wikipedia".into(),
                views_ceil: 1400,
                rank: 1,
            },
            ArticleEntry {
                article: "AC/DC".into(),
                project: "en.wikipedia".into(),
                views_ceil: 1400,
                rank: 1,
            },
            ArticleEntry {
                article: "日本".into(),
                project: "ja.wikipedia".into(),
                views_ceil: 1100,
                rank: 3,
            },
        ];
        let mut entries: Vec<(String, Numbers)> =
            rows("US", "mobile-web", day, &stored).into_iter().map(|r| (r.sub, r.values)).collect();
        entries.reverse();
        assert_eq!(list(entries), stored);
    }

    #[test]
    fn all_days_and_unpadded_dates_find_nothing() {
        let parse = |d| TopPerCountryRequest::parse("US", "all-access", "2021", "01", d);
        assert_eq!(parse("01").unwrap().day, Day::from_ymd(2021, 1, 1));
        assert_eq!(parse("all-days").unwrap().day, None);
        assert!(parse("32").is_err());
        let e = TopPerCountryRequest::parse("US", "all", "x", "y", "z").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "access", .. }), "{e:?}");
    }
}
