//! [`Period`]: an hour, a day or a month, as the series tables of every family store them.

use super::{Day, Hour, YearMonth};
use crate::params::ProjectGranularity;

/// A stored period of a series: an hour, a day or a month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    Hour(Hour),
    Day(Day),
    Month(YearMonth),
}

/// Hours and days are coded from this offset, so that codes before 1970 stay unsigned and
/// in order.
const CODE_OFFSET: i64 = 1 << 31;

impl Period {
    /// The period as (kind, number): kind 0 hour, 1 day, 2 month; the number is the hour or
    /// the day since 1970-01-01 plus 2^31, or the month since year 0. Codes of one kind sort
    /// as their periods; stores key series rows by them.
    pub fn code(self) -> (u8, u32) {
        match self {
            Period::Hour(h) => (0, (h.epoch_hours() + CODE_OFFSET) as u32),
            Period::Day(d) => (1, (i64::from(d.epoch_days()) + CODE_OFFSET) as u32),
            Period::Month(m) => (2, m.index() as u32),
        }
    }

    /// The codes of a read's range `first..=last`: (kind, first number, last number), or
    /// `None` when the range selects nothing (`first` after `last`, or two granularities).
    pub fn range_codes(first: Period, last: Period) -> Option<(u8, u32, u32)> {
        let ((kind, a), (last_kind, b)) = (first.code(), last.code());
        (kind == last_kind && a <= b).then_some((kind, a, b))
    }

    /// The period of a [`Period::code`]; `None` for an unknown kind.
    pub fn from_code(kind: u8, value: u32) -> Option<Period> {
        Some(match kind {
            0 => Period::Hour(Hour::from_epoch_hours(i64::from(value) - CODE_OFFSET)),
            1 => Period::Day(Day::from_epoch_days((i64::from(value) - CODE_OFFSET) as i32)),
            2 => Period::Month(YearMonth::from_index(value as i32)),
            _ => return None,
        })
    }

    /// The day the period is in (a month's first day).
    pub fn day(self) -> Day {
        match self {
            Period::Hour(h) => h.day,
            Period::Day(d) => d,
            Period::Month(m) => m.first_day(),
        }
    }

    pub fn granularity(self) -> ProjectGranularity {
        match self {
            Period::Hour(_) => ProjectGranularity::Hourly,
            Period::Day(_) => ProjectGranularity::Daily,
            Period::Month(_) => ProjectGranularity::Monthly,
        }
    }

    /// The stored timestamp: `YYYYMMDDHH`, `YYYYMMDD00` or `YYYYMM0100`.
    pub fn timestamp(self) -> String {
        match self {
            Period::Hour(h) => h.timestamp(),
            Period::Day(d) => d.timestamp(),
            Period::Month(m) => m.timestamp(),
        }
    }

    /// [`Period::timestamp`] as ten ASCII digits.
    pub fn timestamp_digits(self) -> [u8; 10] {
        match self {
            Period::Hour(h) => h.timestamp_digits(),
            Period::Day(d) => d.timestamp_digits(),
            Period::Month(m) => m.timestamp_digits(),
        }
    }

    /// Parses a stored timestamp of the given granularity.
    pub fn parse(granularity: ProjectGranularity, ts: &str) -> Option<Period> {
        if ts.len() != 10 || !ts.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let day = Day::parse_compact(&ts[..8]);
        match granularity {
            ProjectGranularity::Hourly => Hour::new(day?, ts[8..].parse().ok()?).map(Period::Hour),
            ProjectGranularity::Daily if &ts[8..] == "00" => day.map(Period::Day),
            ProjectGranularity::Monthly if &ts[6..] == "0100" => {
                day.map(|d| Period::Month(d.year_month()))
            }
            _ => None,
        }
    }
}
