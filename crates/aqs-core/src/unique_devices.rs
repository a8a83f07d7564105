//! Unique devices (api-contract §2.6): the table, and the request of
//! `GET /metrics/unique-devices/{project}/{access-site}/{granularity}/{start}/{end}`.
//!
//! Rows are keyed by (project, access-site), daily or monthly; a project is a domain without
//! `www.`/`.org` (`en.wikipedia`) or a family roll-up (`all-wikipedia-projects`). The route
//! has no full-month rewrite: monthly rows are stamped `YYYYMM01`, so a range selects the
//! months whose first day lies in it (a monthly start of `20160115` skips January).

use crate::dates::{Day, Period, RangeRules, check_range};
use crate::error::RequestError;
use crate::params::{AccessSite, ArticleGranularity};
use crate::project::Project;
use crate::table::{
    Dataset, Numbers, SeriesBatch, SeriesChanges, SeriesRow, Shape, TableDef, ValueColumn,
};

/// `unique.devices`: devices, offset and underestimate per (project, access-site) and day or
/// month.
pub static DEVICES: TableDef = TableDef {
    name: "unique_devices",
    dataset: Dataset::UniqueDevices,
    shape: Shape::Series,
    period_index: true,
    key: &["project", "access-site"],
    sub: None,
    values: &[
        ValueColumn::u64("devices"),
        ValueColumn::u64("offset"),
        ValueColumn::u64("underestimate"),
    ],
};

/// The family roll-ups (`all-wikipedia-projects`, all sites): a table of their own, so that
/// the per-domain and per-family dumps of a day replace their own rows only.
pub static FAMILIES: TableDef = TableDef {
    name: "unique_devices_families",
    dataset: Dataset::UniqueDevices,
    shape: Shape::Series,
    period_index: true,
    key: DEVICES.key,
    sub: None,
    values: DEVICES.values,
};

/// The table a project's rows are in: [`FAMILIES`] for `all-<family>-projects`, else
/// [`DEVICES`].
pub fn table_of(project: &str) -> &'static TableDef {
    match project.strip_prefix("all-").and_then(|p| p.strip_suffix("-projects")) {
        Some(family) if !family.is_empty() => &FAMILIES,
        _ => &DEVICES,
    }
}

/// One stored estimate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Devices {
    pub devices: u64,
    pub offset: u64,
    pub underestimate: u64,
}

impl Devices {
    pub fn numbers(self) -> Numbers {
        Numbers::counters(&[self.devices, self.offset, self.underestimate])
    }

    pub fn from_numbers(n: &Numbers) -> Devices {
        Devices { devices: n.0[0], offset: n.0[1], underestimate: n.0[2] }
    }
}

/// A validated unique-devices request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UniqueDevicesRequest {
    pub project: Project,
    pub access_site: AccessSite,
    pub granularity: ArticleGranularity,
    /// The stored periods the range selects; `None` when it selects none (a monthly range
    /// with no 1st of a month in it), which is the "no data" 404, not a 400.
    pub periods: Option<(Period, Period)>,
}

#[derive(Debug, Clone, Copy)]
pub struct UniqueDevicesParams<'a> {
    pub project: &'a str,
    pub access_site: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

impl UniqueDevicesRequest {
    /// Validates as AQS 1.0 does: the enums (access-site, then granularity), the project, then
    /// the timestamps (`YYYYMMDD`, any hour characters ignored, `stripHour`, no full months).
    pub fn parse(p: UniqueDevicesParams<'_>) -> Result<Self, RequestError> {
        let access_site = AccessSite::parse(p.access_site)?;
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let range =
            check_range(p.start, p.end, RangeRules { fake_hour: true, full_months: false })?;
        let (start, end) = (range.start_day(), range.end_day());
        let periods = match granularity {
            ArticleGranularity::Daily => Some((Period::Day(start), Period::Day(end))),
            ArticleGranularity::Monthly => {
                // `timestamp BETWEEN start AND end` against `YYYYMM01`.
                let first = match start.day() {
                    1 => start.year_month(),
                    _ => start.year_month().next(),
                };
                let last = end.year_month();
                (first <= last).then_some((Period::Month(first), Period::Month(last)))
            }
        };
        Ok(UniqueDevicesRequest { project, access_site, granularity, periods })
    }
}

/// The synthetic row the original kept for its monitoring probe (api-contract §4): zero
/// devices of `en.wikipedia`, all sites, on 1970-01-01. The route's example reads it.
pub fn probe_batch() -> SeriesBatch {
    let row = SeriesRow {
        key: vec!["en.wikipedia".into(), AccessSite::AllSites.as_str().into()],
        period: Period::Day(Day::from_epoch_days(0)),
        sub: String::new(),
        values: Devices::default().numbers(),
    };
    SeriesBatch {
        dataset: Dataset::UniqueDevices,
        changes: vec![SeriesChanges { table: &DEVICES, replace: vec![], rows: vec![row] }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dates::YearMonth;

    fn parse(
        access: &str,
        granularity: &str,
        start: &str,
        end: &str,
    ) -> Result<UniqueDevicesRequest, RequestError> {
        UniqueDevicesRequest::parse(UniqueDevicesParams {
            project: "EN.Wikipedia.org",
            access_site: access,
            granularity,
            start,
            end,
        })
    }

    fn month(y: i32, m: u8) -> Period {
        Period::Month(YearMonth::new(y, m).unwrap())
    }

    #[test]
    fn daily_ranges_keep_both_ends_and_ignore_hours() {
        let r = parse("all-sites", "daily", "2016010112", "20160131xy").unwrap();
        assert_eq!(r.project.as_str(), "en.wikipedia");
        let day = |d| Period::Day(Day::from_ymd(2016, 1, d).unwrap());
        assert_eq!(r.periods, Some((day(1), day(31))));
    }

    #[test]
    fn monthly_ranges_have_no_full_month_rewrite() {
        let r = parse("mobile-site", "monthly", "20160115", "20160301").unwrap();
        assert_eq!(
            r.periods,
            Some((month(2016, 2), month(2016, 3))),
            "January skipped, March kept"
        );
        let r = parse("desktop-site", "monthly", "20160101", "20160102").unwrap();
        assert_eq!(r.periods, Some((month(2016, 1), month(2016, 1))));
        let r = parse("all-sites", "monthly", "20160102", "20160131").unwrap();
        assert_eq!(r.periods, None, "no 1st in the range: no data, not a 400");
        let r = parse("all-sites", "monthly", "20161215", "20170101").unwrap();
        assert_eq!(r.periods, Some((month(2017, 1), month(2017, 1))));
    }

    #[test]
    fn errors_come_in_the_original_order() {
        let e = parse("all-access", "hourly", "x", "y").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "access-site", .. }), "{e:?}");
        let e = parse("all-sites", "hourly", "x", "y").unwrap_err();
        assert!(matches!(e, RequestError::NotAllowed { param: "granularity", .. }), "{e:?}");
        assert!(parse("all-sites", "daily", "20160132", "20160101").is_err());
        assert!(parse("all-sites", "daily", "20160102", "20160101").is_err());
    }

    #[test]
    fn family_roll_ups_have_a_table_of_their_own() {
        assert_eq!(table_of("all-wikipedia-projects").name, "unique_devices_families");
        assert_eq!(table_of("en.wikipedia").name, "unique_devices");
        assert_eq!(table_of("all--projects").name, "unique_devices");
        assert_eq!(table_of("all-projects").name, "unique_devices");
    }
}
