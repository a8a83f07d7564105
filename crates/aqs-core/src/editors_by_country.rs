//! Editors by country (api-contract §2.15): the table, the deny list, and the request of
//! `GET /metrics/editors/by-country/{project}/{activity-level}/{year}/{month}`.
//!
//! Rows are keyed by (project, activity level) and month; each country is a row of its own
//! (`sub` = the ISO code) holding its `editors-ceil` and its position in the month's list
//! (editors descending, then country, as the loader sorts; an imported list keeps its order).

use crate::dates::{Day, Period, YearMonth, check_year_month};
use crate::error::RequestError;
pub use crate::params::GeoActivityLevel as ActivityLevel;
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `editors.bycountry`: per (project, activity level), month and country, the editors (a
/// ceiling to the next ten) and the country's position in the list.
pub static EDITORS: TableDef = TableDef {
    name: "editors_by_country",
    dataset: Dataset::EditorsByCountry,
    shape: Shape::Ranked,
    period_index: true,
    key: &["project", "activity-level"],
    sub: Some("country"),
    values: &[ValueColumn::u64("editors-ceil"), ValueColumn::u64("position")],
};

/// Countries the original never serves (AQS 1.0 `geoeditors-country-deny-list.js`).
pub const DENIED: [&str; 36] = [
    "AE", "AF", "AZ", "BI", "BH", "BY", "CN", "CU", "DJ", "EG", "GQ", "ER", "ET", "IR", "IQ", "KZ",
    "LA", "LY", "MM", "KP", "PK", "RU", "RW", "SA", "SG", "SO", "SD", "SY", "TJ", "TH", "TR", "TM",
    "UZ", "VE", "VN", "YE",
];

/// A validated editors-by-country request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorsByCountryRequest {
    pub project: Project,
    pub activity_level: ActivityLevel,
    /// `None` when the date is valid but spelled so the original's literal lookup finds
    /// nothing (`2020/5`): a 404.
    pub month: Option<YearMonth>,
    pub year: String,
    pub month_text: String,
}

impl EditorsByCountryRequest {
    /// Validates as AQS 1.0 does: the activity level enum, the project (`all-...` refused),
    /// then `year + month + "0100"` as a timestamp.
    pub fn parse(
        project: &str,
        activity_level: &str,
        year: &str,
        month: &str,
    ) -> Result<Self, RequestError> {
        let activity_level = ActivityLevel::parse(activity_level)?;
        let project = Project::normalize_no_all(project)?;
        let month_checked = check_year_month(year, month)?;
        Ok(EditorsByCountryRequest {
            project,
            activity_level,
            month: month_checked,
            year: year.to_string(),
            month_text: month.to_string(),
        })
    }
}

/// One country of a month's list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CountryEditors {
    pub country: String,
    pub editors_ceil: u64,
}

/// The rows of one (project, activity level, month) list, in the list's order.
pub fn rows(
    project: &str,
    activity_level: &str,
    month: YearMonth,
    countries: &[CountryEditors],
) -> Vec<SeriesRow> {
    countries
        .iter()
        .enumerate()
        .map(|(i, c)| SeriesRow {
            key: vec![project.to_string(), activity_level.to_string()],
            period: Period::Month(month),
            sub: c.country.clone(),
            values: Numbers::counters(&[c.editors_ceil, i as u64]),
        })
        .collect()
}

/// A month's list from its stored rows: in stored order, without the denied countries.
pub fn served_list(mut entries: Vec<(String, Numbers)>) -> Vec<CountryEditors> {
    entries.sort_by(|(a, x), (b, y)| (x.0[1], a).cmp(&(y.0[1], b)));
    entries
        .into_iter()
        .filter(|(country, _)| !DENIED.contains(&country.as_str()))
        .map(|(country, values)| CountryEditors { country, editors_ceil: values.0[0] })
        .collect()
}

/// A row for the route's example (the original had no monitor for this route; aqs checks it
/// like the others): 10 editors from `-` on `en.wikipedia`, `5..99-edits`, in January 1970.
pub fn probe_batch() -> SeriesBatch {
    let month = Day::from_epoch_days(0).year_month();
    let list = [CountryEditors { country: "-".into(), editors_ceil: 10 }];
    SeriesBatch {
        dataset: Dataset::EditorsByCountry,
        changes: vec![SeriesChanges {
            table: &EDITORS,
            replace: vec![],
            rows: rows("en.wikipedia", ActivityLevel::FiveTo99.as_str(), month, &list),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Detail;

    #[test]
    fn validation_comes_in_the_original_order() {
        let e =
            EditorsByCountryRequest::parse("all-projects", "3..47-edits", "x", "y").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "activity-level", .. }), "{e:?}");
        let e =
            EditorsByCountryRequest::parse("all-projects", "5..99-edits", "x", "y").unwrap_err();
        assert_eq!(
            e,
            RequestError::invalid_text(
                "`all-...` project values are not accepted for this metric."
            )
        );
        for (year, month) in
            [("xyzw", "01"), ("2020", "50"), ("all-years", "01"), ("2020", "all-months")]
        {
            let e = EditorsByCountryRequest::parse("en.wikipedia", "100..-edits", year, month)
                .unwrap_err();
            assert_eq!(
                e,
                RequestError::Invalid(Detail::List(vec![
                    "Given year/month is invalid date".into()
                ]))
            );
        }
        let r = EditorsByCountryRequest::parse("EN.wikipedia.org", "5..99-edits", "2020", "05")
            .unwrap();
        assert_eq!(r.month, YearMonth::new(2020, 5));
        assert_eq!(r.project.as_str(), "en.wikipedia");
    }

    #[test]
    fn lists_keep_their_order_without_denied_countries() {
        let month = YearMonth::new(2020, 5).unwrap();
        let list = [("US", 120), ("RU", 90), ("FR", 90), ("DE", 10)]
            .map(|(c, n)| CountryEditors { country: c.into(), editors_ceil: n });
        let stored: Vec<(String, Numbers)> = rows("en.wikipedia", "5..99-edits", month, &list)
            .into_iter()
            .rev()
            .map(|r| (r.sub, r.values))
            .collect();
        let served = served_list(stored);
        let got: Vec<(&str, u64)> =
            served.iter().map(|c| (c.country.as_str(), c.editors_ceil)).collect();
        assert_eq!(got, [("US", 120), ("FR", 90), ("DE", 10)]);
    }
}
