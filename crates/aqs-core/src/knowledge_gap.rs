//! Knowledge gap (api-contract §2.16): the table, and the request of
//! `GET /metrics/knowledge-gap/per-category/{project}/{content_gap}/{category}/{start}/{end}`.
//!
//! Rows are keyed by (project, content gap, category), monthly (`dt = YYYYMM01`), one per
//! metric (`article_count`, `pageviews_sum`, …), each holding one floating-point value. There
//! is no public dump: rows come from `aqs import --table knowledge.gap.by.category`.
//!
//! The original compares `dt` with `start + "00"` and `end + "00"` (zeroHour against 8-character
//! keys), so a range selects the months whose `YYYYMM01` is after `start` and not after `end`:
//! the start month is always left out (quirk §7.11, kept: docs/compatibility.md).

use crate::dates::{Day, Period, RangeRules, YearMonth, check_range};
use crate::error::RequestError;
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `knowledge.gap.by.category`: a value per (project, content gap, category), month and metric.
pub static GAPS: TableDef = TableDef {
    name: "knowledge_gap",
    dataset: Dataset::KnowledgeGap,
    shape: Shape::Series,
    period_index: true,
    key: &["project", "content_gap", "category"],
    sub: Some("metric"),
    values: &[ValueColumn::f64("value")],
};

/// A validated knowledge gap request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeGapRequest {
    pub project: Project,
    pub content_gap: String,
    pub category: String,
    /// The months the range selects; `None` when it selects none (404, not 400).
    pub months: Option<(YearMonth, YearMonth)>,
}

#[derive(Debug, Clone, Copy)]
pub struct KnowledgeGapParams<'a> {
    pub project: &'a str,
    pub content_gap: &'a str,
    pub category: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl KnowledgeGapRequest {
    /// Validates as AQS 1.0 does: the project, then the timestamps (`YYYYMMDD`, hour characters
    /// ignored); the content gap and the category are free text, matched as given.
    pub fn parse(p: KnowledgeGapParams<'_>) -> Result<Self, RequestError> {
        let project = Project::normalize(p.project)?;
        let range =
            check_range(p.start, p.end, RangeRules { fake_hour: true, full_months: false })?;
        Ok(KnowledgeGapRequest {
            project,
            content_gap: p.content_gap.to_string(),
            category: p.category.to_string(),
            months: months(range.start_day(), range.end_day()),
        })
    }

    /// The stored periods of [`KnowledgeGapRequest::months`].
    pub fn periods(&self) -> Option<(Period, Period)> {
        self.months.map(|(a, b)| (Period::Month(a), Period::Month(b)))
    }
}

/// `dt BETWEEN start00 AND end00` over `YYYYMM01` keys: a month's 1st must be after the start
/// day (so never the start's own month) and not after the end day.
fn months(start: Day, end: Day) -> Option<(YearMonth, YearMonth)> {
    let (first, last) = (start.year_month().next(), end.year_month());
    (first <= last).then_some((first, last))
}

/// A row for the route's example (the original had no monitor for this route; aqs checks it
/// like the others): `article_count` 0 of `en.wikipedia`, `gender`, `all-categories`, in
/// January 1970.
pub fn probe_batch() -> SeriesBatch {
    let row = SeriesRow {
        key: vec!["en.wikipedia".into(), "gender".into(), "all-categories".into()],
        period: Period::Month(Day::from_epoch_days(0).year_month()),
        sub: "article_count".into(),
        values: Numbers::float(0.0),
    };
    SeriesBatch {
        dataset: Dataset::KnowledgeGap,
        changes: vec![SeriesChanges { table: &GAPS, replace: vec![], rows: vec![row] }],
    }
}

/// The stored `dt` of a month: `YYYYMM01`.
pub fn dt(month: YearMonth) -> String {
    format!("{:04}{:02}01", month.year(), month.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(start: &str, end: &str) -> Result<KnowledgeGapRequest, RequestError> {
        KnowledgeGapRequest::parse(KnowledgeGapParams {
            project: "EN.wikipedia.org",
            content_gap: "Gender",
            category: "all-categories",
            start,
            end,
        })
    }

    fn month(y: i32, m: u8) -> YearMonth {
        YearMonth::new(y, m).unwrap()
    }

    #[test]
    fn the_start_month_is_left_out_and_the_end_month_kept() {
        // The original's test: 20220301..20221201 answers from 20220501 when March and May hold
        // rows; the selection starts in April.
        let r = parse("20220301", "20221201").unwrap();
        assert_eq!(r.months, Some((month(2022, 4), month(2022, 12))));
        assert_eq!(r.project.as_str(), "en.wikipedia");
        assert_eq!(r.content_gap, "Gender", "free text, as given");
        assert_eq!(
            parse("2022031500", "20220401").unwrap().months,
            Some((month(2022, 4), month(2022, 4)))
        );
        assert_eq!(parse("20220301", "20220331").unwrap().months, None);
        assert_eq!(
            parse("20221215", "20230101").unwrap().months,
            Some((month(2023, 1), month(2023, 1)))
        );
    }

    #[test]
    fn dates_are_checked_as_with_fake_hours() {
        assert!(parse("20220301xy", "20220501").is_ok());
        assert!(parse("20220230", "20220501").is_err());
        assert!(parse("20220501", "20220301").is_err());
        assert_eq!(dt(month(2022, 5)), "20220501");
    }
}
