//! Calendar days, months and hours (UTC), and the AQS 1.0 timestamp rules.
//!
//! Days are counted from 1970-01-01 with the proleptic Gregorian calendar. The conversions are
//! the classic civil-from-days / days-from-civil algorithms; they are written here rather than
//! taken from a date crate because the range rules must reproduce JavaScript's `Date.UTC`
//! normalisation (month 13, day 0, NaN) exactly, which no date crate models.

mod period;
pub use period::Period;

use crate::error::{Detail, RequestError};
use crate::text::{js_compare, js_length, js_parse_int, js_substring};
use std::cmp::Ordering;
use std::fmt;

/// A calendar day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(i32);

/// A calendar month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u8,
}

/// An hour of a day (0–23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hour {
    pub day: Day,
    pub hour: u8,
}

fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 };
    (year, month, day)
}

/// `YYYYMMDDHH` as ASCII digits (years are 0..=9999).
fn digits(year: i32, month: u8, day: u8, hour: u8) -> [u8; 10] {
    let year = year.clamp(0, 9999) as u32;
    let mut out = [b'0'; 10];
    for (i, value) in [
        (0, year / 100),
        (2, year % 100),
        (4, u32::from(month)),
        (6, u32::from(day)),
        (8, u32::from(hour)),
    ] {
        out[i] = b'0' + (value / 10) as u8;
        out[i + 1] = b'0' + (value % 10) as u8;
    }
    out
}

fn is_leap(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Years a [`Day`] can hold: what four-digit timestamps can say.
const MIN_YEAR: i32 = 0;
const MAX_YEAR: i32 = 9999;

impl Day {
    pub fn from_ymd(year: i32, month: u8, day: u8) -> Option<Day> {
        let valid = (MIN_YEAR..=MAX_YEAR).contains(&year)
            && (1..=12).contains(&month)
            && day >= 1
            && day <= days_in_month(year, month);
        valid.then(|| Day(days_from_civil(year.into(), month.into(), day.into()) as i32))
    }

    /// Days since 1970-01-01.
    pub fn from_epoch_days(days: i32) -> Day {
        Day(days)
    }

    pub fn epoch_days(self) -> i32 {
        self.0
    }

    fn civil(self) -> (i32, u8, u8) {
        let (y, m, d) = civil_from_days(self.0.into());
        (y as i32, m as u8, d as u8)
    }

    pub fn year(self) -> i32 {
        self.civil().0
    }

    pub fn month(self) -> u8 {
        self.civil().1
    }

    pub fn day(self) -> u8 {
        self.civil().2
    }

    pub fn year_month(self) -> YearMonth {
        let (year, month, _) = self.civil();
        YearMonth { year, month }
    }

    pub fn add_days(self, n: i32) -> Day {
        Day(self.0 + n)
    }

    pub fn next(self) -> Day {
        self.add_days(1)
    }

    /// `YYYYMMDD` with exactly eight digits.
    pub fn parse_compact(s: &str) -> Option<Day> {
        if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Day::from_ymd(s[0..4].parse().ok()?, s[4..6].parse().ok()?, s[6..8].parse().ok()?)
    }

    /// `YYYY-MM-DD`.
    pub fn parse_iso(s: &str) -> Option<Day> {
        let b = s.as_bytes();
        if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        // Digits only (no sign, no space): what `parse_compact` takes, without a copy (the
        // MediaWiki history's loader reads a timestamp a line).
        let number = |digits: &[u8]| {
            digits
                .iter()
                .try_fold(0u16, |n, &c| c.is_ascii_digit().then(|| n * 10 + u16::from(c - b'0')))
        };
        let (year, month, day) = (number(&b[0..4])?, number(&b[5..7])?, number(&b[8..10])?);
        Day::from_ymd(year.into(), month as u8, day as u8)
    }

    /// `YYYYMMDD`.
    pub fn compact(self) -> String {
        let (y, m, d) = self.civil();
        format!("{y:04}{m:02}{d:02}")
    }

    /// `YYYYMMDD00`, the stored timestamp of a daily row.
    pub fn timestamp(self) -> String {
        format!("{}00", self.compact())
    }

    /// [`Day::timestamp`] as ten ASCII digits, without allocating.
    pub fn timestamp_digits(self) -> [u8; 10] {
        let (y, m, d) = self.civil();
        digits(y, m, d, 0)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.civil();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl YearMonth {
    pub fn new(year: i32, month: u8) -> Option<YearMonth> {
        ((MIN_YEAR..=MAX_YEAR).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    pub fn first_day(self) -> Day {
        Day(days_from_civil(self.year.into(), self.month.into(), 1) as i32)
    }

    pub fn last_day(self) -> Day {
        self.first_day().add_days(i32::from(self.len()) - 1)
    }

    /// The number of days in the month.
    #[allow(clippy::len_without_is_empty)]
    pub fn len(self) -> u8 {
        days_in_month(self.year, self.month)
    }

    pub fn next(self) -> YearMonth {
        if self.month == 12 {
            YearMonth { year: self.year + 1, month: 1 }
        } else {
            YearMonth { year: self.year, month: self.month + 1 }
        }
    }

    /// Months since year 0, for compact keys.
    pub fn index(self) -> i32 {
        self.year * 12 + i32::from(self.month) - 1
    }

    pub fn from_index(index: i32) -> YearMonth {
        YearMonth { year: index.div_euclid(12), month: (index.rem_euclid(12) + 1) as u8 }
    }

    /// `YYYYMM0100`, the stored timestamp of a monthly row.
    pub fn timestamp(self) -> String {
        format!("{:04}{:02}0100", self.year, self.month)
    }

    /// [`YearMonth::timestamp`] as ten ASCII digits.
    pub fn timestamp_digits(self) -> [u8; 10] {
        digits(self.year, self.month, 1, 0)
    }

    /// The days of the month, in order.
    pub fn days(self) -> impl Iterator<Item = Day> {
        let first = self.first_day();
        (0..i32::from(self.len())).map(move |i| first.add_days(i))
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Hour {
    pub fn new(day: Day, hour: u8) -> Option<Hour> {
        (hour < 24).then_some(Hour { day, hour })
    }

    /// `YYYYMMDDHH`.
    pub fn timestamp(self) -> String {
        format!("{}{:02}", self.day.compact(), self.hour)
    }

    /// [`Hour::timestamp`] as ten ASCII digits.
    pub fn timestamp_digits(self) -> [u8; 10] {
        let (y, m, d) = self.day.civil();
        digits(y, m, d, self.hour)
    }

    /// Hours since 1970-01-01T00.
    pub fn epoch_hours(self) -> i64 {
        i64::from(self.day.0) * 24 + i64::from(self.hour)
    }

    pub fn from_epoch_hours(hours: i64) -> Hour {
        Hour { day: Day(hours.div_euclid(24) as i32), hour: hours.rem_euclid(24) as u8 }
    }
}

/// One numeric field of a timestamp as V8's date parser reads `YYYY-MM-DD HH:00:00 UTC`:
/// optional leading white space, then digits; the day field may also carry trailing white
/// space, because a space follows it in the string the original builds.
fn date_field(part: &str, trailing_space_allowed: bool) -> Option<u32> {
    let is_space = |c: char| c.is_ascii_whitespace();
    let mut t = part.trim_start_matches(is_space);
    if trailing_space_allowed {
        t = t.trim_end_matches(is_space);
    }
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// AQS 1.0 `validateTimestamp`, which builds `YYYY-MM-DD HH:00:00 UTC` from characters 0..4,
/// 4..6, 6..8 and 8..10 and requires the parsed date to round-trip. With `fake_hour` the hour
/// characters are ignored (even non-digits); without it, eight characters are invalid and nine
/// read a one-digit hour. V8 quirks kept: fields may have leading spaces, the day a trailing
/// one, so `2015011` is 2015-01-01; years below 100 are invalid.
pub fn validate_timestamp(ts: &str, fake_hour: bool) -> Option<Hour> {
    if js_length(ts) > 10 {
        return None;
    }
    let year = date_field(&js_substring(ts, 0, 4), false)?;
    let month = date_field(&js_substring(ts, 4, 6), false)?;
    let day = date_field(&js_substring(ts, 6, 8), true)?;
    let hour = if fake_hour { 0 } else { date_field(&js_substring(ts, 8, 10), false)? };
    if year < 100 {
        return None;
    }
    let day = Day::from_ymd(year as i32, u8::try_from(month).ok()?, u8::try_from(day).ok()?)?;
    Hour::new(day, u8::try_from(hour).ok()?)
}

/// How an endpoint validates and rewrites its `start`/`end` pair (AQS 1.0 options).
#[derive(Debug, Clone, Copy, Default)]
pub struct RangeRules {
    /// Accept `YYYYMMDD` and ignore any hour characters.
    pub fake_hour: bool,
    /// Keep only whole months (the Cassandra `fullMonths` rewrite).
    pub full_months: bool,
}

/// A validated range: the rewritten bounds, still as the strings AQS 1.0 compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedRange {
    pub start: String,
    pub end: String,
}

impl CheckedRange {
    /// The first day of the range (`zeroHour`: the hour characters are dropped).
    pub fn start_day(&self) -> Day {
        day_of(&self.start)
    }

    /// The last day of the range.
    pub fn end_day(&self) -> Day {
        day_of(&self.end)
    }

    /// The bounds as hours, for `YYYYMMDDHH` ranges.
    pub fn hours(&self) -> (Hour, Hour) {
        let hour = |s: &str| Hour {
            day: day_of(s),
            hour: date_field(&js_substring(s, 8, 10), false).unwrap_or(0) as u8,
        };
        (hour(&self.start), hour(&self.end))
    }
}

/// The day of a checked bound. Checked bounds always parse; epoch day 0 is never reached.
fn day_of(ts: &str) -> Day {
    Day(js_date_utc(ts).unwrap_or(0) as i32)
}

/// JavaScript `Date.UTC(parseInt(y), parseInt(m) - 1, parseInt(d))` of a timestamp, in days;
/// `None` for NaN. Years 0–99 become 1900–1999, as in JavaScript.
fn js_date_utc(ts: &str) -> Option<i64> {
    let mut year = js_parse_int(&js_substring(ts, 0, 4))?;
    let month = js_parse_int(&js_substring(ts, 4, 6))? - 1;
    let day = js_parse_int(&js_substring(ts, 6, 8))?;
    if (0..=99).contains(&year) {
        year += 1900;
    }
    let months = year * 12 + month;
    Some(days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1, 1) + day - 1)
}

fn js_timestamp(year: i64, month: i64, day: i64) -> String {
    format!("{year}{month:02}{day:02}")
}

/// AQS 1.0 `getFirstFullMonthFirstDay`, fixed: the original added a month before setting the
/// day to 1, so a start on Jan 29–31 overflowed into March and February was lost.
fn first_full_month_first_day(ts: &str) -> String {
    let Some(days) = js_date_utc(ts) else { return "NaNaNaN".to_string() };
    let (y, m, d) = civil_from_days(days);
    if d == 1 {
        ts.to_string()
    } else if m == 12 {
        js_timestamp(y + 1, 1, 1)
    } else {
        js_timestamp(y, m + 1, 1)
    }
}

/// AQS 1.0 `getLastFullMonthLastDay`.
fn last_full_month_last_day(ts: &str) -> String {
    let Some(days) = js_date_utc(ts) else { return "NaNaNaN".to_string() };
    let (y, m, d) = civil_from_days(days);
    let last = days_from_civil(if m == 12 { y + 1 } else { y }, m % 12 + 1, 1) - 1;
    if days == last {
        ts.to_string()
    } else {
        let (py, pm, pd) = civil_from_days(days - d);
        js_timestamp(py, pm, pd)
    }
}

/// AQS 1.0 `validateStartAndEnd` with its error collection: every applicable message is
/// gathered, in the original order, into one `invalid_request` with an array detail.
pub fn check_range(
    start: &str,
    end: &str,
    rules: RangeRules,
) -> Result<CheckedRange, RequestError> {
    let format = if rules.fake_hour { "YYYYMMDD" } else { "YYYYMMDDHH" };
    let mut errors = Vec::new();
    if validate_timestamp(start, rules.fake_hour).is_none() {
        errors.push(format!("start timestamp is invalid, must be a valid date in {format} format"));
    }
    if validate_timestamp(end, rules.fake_hour).is_none() {
        errors.push(format!("end timestamp is invalid, must be a valid date in {format} format"));
    }
    if js_compare(start, end) == Ordering::Greater {
        errors.push("start timestamp should be before the end timestamp".to_string());
    }
    let mut range = CheckedRange { start: start.to_string(), end: end.to_string() };
    if rules.full_months {
        range.start = first_full_month_first_day(start);
        range.end = last_full_month_last_day(end);
        if js_compare(&range.start, &range.end) == Ordering::Greater {
            errors.push("no full months found in specified date range".to_string());
        }
    }
    if errors.is_empty() { Ok(range) } else { Err(RequestError::Invalid(Detail::List(errors))) }
}

/// The days a Druid-era range covers: `first` included, `end` excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DruidRange {
    pub first: Day,
    pub end: Day,
}

/// The longest span per-page and per-editor requests may ask for: 367 days.
pub const DRUID_MAX_SPAN_DAYS: i32 = 367;

/// AQS 1.0's checks of the MediaWiki-history (Druid) timeseries ranges (api-contract §1.5,
/// §1.6, §7 items 1 and 14): `YYYYMMDD` with any hour characters ignored; the messages
/// gathered in the original order (start, end, order, span, full months); `end` excluded; a
/// monthly range starts at the first whole month and ends before the month that holds
/// `end` (`fullMonthsDruid`), so `20170101..20170131` has no full month. With `limit_span`
/// (per-page, per-editor), a range of more than 367 days is refused.
pub fn check_druid_range(
    start: &str,
    end: &str,
    monthly: bool,
    limit_span: bool,
) -> Result<DruidRange, RequestError> {
    let rules = RangeRules { fake_hour: true, full_months: false };
    let mut errors = match check_range(start, end, rules) {
        Ok(_) => Vec::new(),
        Err(RequestError::Invalid(Detail::List(errors))) => errors,
        Err(other) => return Err(other),
    };
    let valid = |ts: &str| validate_timestamp(ts, true).is_some();
    if limit_span && valid(start) && valid(end) {
        let span = day_of(end).epoch_days() - day_of(start).epoch_days();
        if span > DRUID_MAX_SPAN_DAYS {
            errors.push("Query timespan is too long (max: ) 31708800 seconds".to_string());
        }
    }
    let (mut first, mut last) = (start.to_string(), end.to_string());
    if monthly {
        first = first_full_month_first_day(start);
        last = match js_date_utc(end) {
            Some(days) => {
                let (y, m, _) = civil_from_days(days);
                js_timestamp(y, m, 1)
            }
            None => "NaNaNaN".to_string(),
        };
        if js_compare(&first, &last) != Ordering::Less {
            errors.push("no full months found in specified date range".to_string());
        }
    }
    if !errors.is_empty() {
        return Err(RequestError::Invalid(Detail::List(errors)));
    }
    Ok(DruidRange { first: day_of(&first), end: day_of(&last) })
}

/// What a top-list request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TopPeriod {
    Day(Day),
    /// `all-days`.
    Month(YearMonth),
}

impl TopPeriod {
    /// The `year`, `month` and `day` strings of stored rows (`day` is `all-days` for months).
    pub fn parts(self) -> (String, String, String) {
        match self {
            TopPeriod::Day(d) => {
                (format!("{:04}", d.year()), format!("{:02}", d.month()), format!("{:02}", d.day()))
            }
            TopPeriod::Month(m) => {
                (format!("{:04}", m.year()), format!("{:02}", m.month()), "all-days".to_string())
            }
        }
    }
}

/// AQS 1.0 `validateYearMonthDay`: `year+month+day+"00"` (`01` for `all-days`) must be a valid
/// `YYYYMMDDHH`. The original then looks the three strings up literally, so a valid but
/// unpadded spelling (`2015/1/01` reads as 2015-10-10) finds nothing: that is `Ok(None)`.
pub fn check_year_month_day(
    year: &str,
    month: &str,
    day: &str,
) -> Result<Option<TopPeriod>, RequestError> {
    let day_part = if day == "all-days" { "01" } else { day };
    if validate_timestamp(&format!("{year}{month}{day_part}00"), false).is_none() {
        return Err(RequestError::Invalid(Detail::List(vec![
            "Given year/month/day is invalid date".to_string(),
        ])));
    }
    let canonical = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !canonical(year, 4) || !canonical(month, 2) || !(day == "all-days" || canonical(day, 2)) {
        return Ok(None);
    }
    let (y, m) = (year.parse().unwrap_or(-1), month.parse().unwrap_or(0));
    let period = if day == "all-days" {
        YearMonth::new(y, m).map(TopPeriod::Month)
    } else {
        Day::from_ymd(y, m, day.parse().unwrap_or(0)).map(TopPeriod::Day)
    };
    Ok(period)
}

/// AQS 1.0 `validateYearMonth`: `year+month+"0100"` must be a valid `YYYYMMDDHH`
/// (`Given year/month is invalid date`); the strings are then looked up literally, so a valid
/// but not zero-padded spelling finds nothing: `Ok(None)`.
pub fn check_year_month(year: &str, month: &str) -> Result<Option<YearMonth>, RequestError> {
    let Some(hour) = validate_timestamp(&format!("{year}{month}0100"), false) else {
        return Err(RequestError::Invalid(Detail::List(vec![
            "Given year/month is invalid date".to_string(),
        ])));
    };
    let canonical = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    Ok((canonical(year, 4) && canonical(month, 2)).then(|| hour.day.year_month()))
}

#[cfg(test)]
mod tests;
