//! Legacy pagecounts (api-contract §2.7): the table, and the request of
//! `GET /metrics/legacy/pagecounts/aggregate/{project}/{access-site}/{granularity}/{start}/{end}`.
//!
//! Rows are keyed by (project, access-site), hourly, daily or monthly, with one `count`; the
//! project may be `all-projects`. Timestamps are 10 digits for every granularity (no
//! `fakeHour`), daily and monthly ranges lose their hour (`zeroHour`), and monthly ranges keep
//! whole months only, as pageviews aggregate does.

use crate::dates::{Day, Period, RangeRules, check_range};
use crate::error::RequestError;
use crate::pageviews::aggregate_periods;
use crate::params::{AccessSite, ProjectGranularity};
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `lgc.pagecounts.per.project`: the count per (project, access-site) and hour, day or month.
pub static PAGECOUNTS: TableDef = TableDef {
    name: "legacy_pagecounts",
    dataset: Dataset::LegacyPagecounts,
    shape: Shape::Series,
    period_index: true,
    key: &["project", "access-site"],
    sub: None,
    values: &[ValueColumn::u64("count")],
};

/// A validated legacy pagecounts request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PagecountsRequest {
    pub project: Project,
    pub access_site: AccessSite,
    pub granularity: ProjectGranularity,
    pub first: Period,
    pub last: Period,
}

#[derive(Debug, Clone, Copy)]
pub struct PagecountsParams<'a> {
    pub project: &'a str,
    pub access_site: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl PagecountsRequest {
    /// Validates as AQS 1.0 does: the enums (access-site, then granularity), the project, then
    /// the timestamps (`YYYYMMDDHH` for every granularity; monthly keeps whole months).
    pub fn parse(p: PagecountsParams<'_>) -> Result<Self, RequestError> {
        let access_site = AccessSite::parse(p.access_site)?;
        let granularity = ProjectGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let rules = RangeRules {
            fake_hour: false,
            full_months: granularity == ProjectGranularity::Monthly,
        };
        let range = check_range(p.start, p.end, rules)?;
        let (first, last) = aggregate_periods(granularity, &range);
        Ok(PagecountsRequest { project, access_site, granularity, first, last })
    }
}

/// The row of the original's monitoring probe (api-contract §4): a count of 0 for
/// `en.wikipedia`, all sites, daily, on 1970-01-01.
pub fn probe_batch() -> SeriesBatch {
    let row = SeriesRow {
        key: vec!["en.wikipedia".into(), AccessSite::AllSites.as_str().into()],
        period: Period::Day(Day::from_epoch_days(0)),
        sub: String::new(),
        values: Numbers::counters(&[0]),
    };
    SeriesBatch {
        dataset: Dataset::LegacyPagecounts,
        changes: vec![SeriesChanges { table: &PAGECOUNTS, replace: vec![], rows: vec![row] }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::{Hour, YearMonth};
    use crate::error::Detail;

    fn parse(granularity: &str, start: &str, end: &str) -> Result<PagecountsRequest, RequestError> {
        PagecountsRequest::parse(PagecountsParams {
            project: "www.EN.wikipedia.org",
            access_site: "all-sites",
            granularity,
            start,
            end,
        })
    }

    fn day(y: i32, m: u8, d: u8) -> Day {
        Day::from_ymd(y, m, d).unwrap()
    }

    #[test]
    fn every_granularity_needs_ten_digits() {
        for granularity in ["hourly", "daily", "monthly"] {
            let e = parse(granularity, "20170101", "2017020100").unwrap_err();
            let RequestError::Invalid(Detail::List(details)) = e else { panic!("{e:?}") };
            assert_eq!(
                details,
                ["start timestamp is invalid, must be a valid date in YYYYMMDDHH format"]
            );
        }
    }

    #[test]
    fn ranges_select_their_periods() {
        let r = parse("hourly", "2017010101", "2017010203").unwrap();
        assert_eq!(r.project.as_str(), "en.wikipedia");
        assert_eq!(r.first, Period::Hour(Hour::new(day(2017, 1, 1), 1).unwrap()));
        assert_eq!(r.last, Period::Hour(Hour::new(day(2017, 1, 2), 3).unwrap()));
        let r = parse("daily", "2017010105", "2017010323").unwrap();
        assert_eq!((r.first, r.last), (Period::Day(day(2017, 1, 1)), Period::Day(day(2017, 1, 3))));
        // Full months only: February and March of 2017020100..2017040100.
        let r = parse("monthly", "2017020100", "2017040100").unwrap();
        let month = |m| Period::Month(YearMonth::new(2017, m).unwrap());
        assert_eq!((r.first, r.last), (month(2), month(3)));
        let e = parse("monthly", "2017020300", "2017022000").unwrap_err();
        assert!(matches!(e, RequestError::Invalid(Detail::List(_))), "{e:?}");
    }

    #[test]
    fn enums_are_checked_first() {
        let e = PagecountsRequest::parse(PagecountsParams {
            project: "bad|project",
            access_site: "all-access",
            granularity: "weekly",
            start: "x",
            end: "y",
        })
        .unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "access-site", .. }), "{e:?}");
    }
}
