//! How values are stored in ClickHouse columns: days as `Date` (days since 1970), access and
//! agent as `Enum8` codes, periods as (granularity, start in seconds), top lists as JSON text.

use aqs_core::dates::{Day, Hour, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::{Period, TopEntry};
use aqs_core::params::{Access, Agent};

/// A `Date` value: days since 1970-01-01, which ClickHouse keeps in 16 bits.
pub(crate) fn date_value(day: Day) -> StoreResult<u16> {
    u16::try_from(day.epoch_days()).map_err(|_| {
        StoreError::Limit(format!("{day} is outside ClickHouse's Date range (1970 to 2149)"))
    })
}

pub(crate) fn date_literal(day: Day) -> String {
    // Built from a typed date: digits and dashes only.
    format!("toDate('{:04}-{:02}-{:02}')", day.year(), day.month(), day.day())
}

pub(crate) fn access_code(access: Access) -> u8 {
    match access {
        Access::AllAccess => 1,
        Access::Desktop => 2,
        Access::MobileApp => 3,
        Access::MobileWeb => 4,
    }
}

pub(crate) fn access_from(code: u8) -> StoreResult<Access> {
    Ok(match code {
        1 => Access::AllAccess,
        2 => Access::Desktop,
        3 => Access::MobileApp,
        4 => Access::MobileWeb,
        _ => return Err(StoreError::Corrupt(format!("access code {code}"))),
    })
}

pub(crate) fn agent_code(agent: Agent) -> u8 {
    match agent {
        Agent::AllAgents => 1,
        Agent::Automated => 2,
        Agent::Spider => 3,
        Agent::User => 4,
    }
}

pub(crate) fn agent_from(code: u8) -> StoreResult<Agent> {
    Ok(match code {
        1 => Agent::AllAgents,
        2 => Agent::Automated,
        3 => Agent::Spider,
        4 => Agent::User,
        _ => return Err(StoreError::Corrupt(format!("agent code {code}"))),
    })
}

/// The name of a granularity code, as the Enum8 columns spell it.
pub(crate) fn granularity_name(code: u8) -> &'static str {
    match code {
        1 => "hourly",
        2 => "daily",
        _ => "monthly",
    }
}

/// The granularity code and `period_start` (seconds since the epoch) of a period.
pub(crate) fn period_value(period: Period) -> StoreResult<(u8, u32)> {
    let (code, seconds) = match period {
        Period::Hour(h) => (1, h.epoch_hours() * 3600),
        Period::Day(d) => (2, i64::from(d.epoch_days()) * 86_400),
        Period::Month(m) => (3, i64::from(m.first_day().epoch_days()) * 86_400),
    };
    let seconds = u32::try_from(seconds).map_err(|_| {
        StoreError::Limit(format!(
            "{period:?} is outside ClickHouse's DateTime range (1970 to 2106)"
        ))
    })?;
    Ok((code, seconds))
}

/// The part of a read's range `first..=last` that ClickHouse's `Date` can hold, or `None`
/// when none of it can (a range before 1970 holds no rows, and is no error: issue 13 §5).
pub(crate) fn date_range(first: Day, last: Day) -> Option<(Day, Day)> {
    let (a, b) = (first.epoch_days().max(0), last.epoch_days().min(i32::from(u16::MAX)));
    (a <= b).then(|| (Day::from_epoch_days(a), Day::from_epoch_days(b)))
}

/// A read's range of periods of one granularity as (granularity code, first and last
/// `period_start`), clamped to ClickHouse's `DateTime` (1970 to 2106); `None` when nothing
/// of it is inside.
pub(crate) fn period_range(first: Period, last: Period) -> Option<(u8, u32, u32)> {
    let seconds = |period: Period| match period {
        Period::Hour(h) => (1, h.epoch_hours() * 3600),
        Period::Day(d) => (2, i64::from(d.epoch_days()) * 86_400),
        Period::Month(m) => (3, i64::from(m.first_day().epoch_days()) * 86_400),
    };
    let ((code, a), (last_code, b)) = (seconds(first), seconds(last));
    let (a, b) = (a.max(0), b.min(i64::from(u32::MAX)));
    (code == last_code && a <= b).then_some((code, a as u32, b as u32))
}

pub(crate) fn period_from(code: u8, seconds: u32) -> StoreResult<Period> {
    let seconds = i64::from(seconds);
    Ok(match code {
        1 => Period::Hour(Hour::from_epoch_hours(seconds / 3600)),
        2 => Period::Day(Day::from_epoch_days((seconds / 86_400) as i32)),
        3 => {
            let day = Day::from_epoch_days((seconds / 86_400) as i32);
            Period::Month(
                YearMonth::new(day.year(), day.month())
                    .ok_or_else(|| StoreError::Corrupt(format!("month of {seconds}")))?,
            )
        }
        _ => return Err(StoreError::Corrupt(format!("granularity code {code}"))),
    })
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredEntry<'a> {
    #[serde(borrow)]
    article: std::borrow::Cow<'a, str>,
    views: u64,
    rank: u32,
}

pub(crate) fn encode_top(entries: &[TopEntry]) -> Vec<u8> {
    let stored: Vec<StoredEntry<'_>> = entries
        .iter()
        .map(|e| StoredEntry { article: e.article.as_str().into(), views: e.views, rank: e.rank })
        .collect();
    serde_json::to_vec(&stored).unwrap_or_default()
}

pub(crate) fn decode_top(bytes: &[u8]) -> StoreResult<Vec<TopEntry>> {
    let stored: Vec<StoredEntry<'_>> = serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("a stored top list does not decode: {e}")))?;
    Ok(stored
        .into_iter()
        .map(|e| TopEntry { article: e.article.into_owned(), views: e.views, rank: e.rank })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_round_trip_through_their_stored_form() {
        let day = Day::from_ymd(2024, 2, 29).unwrap();
        for period in [
            Period::Hour(Hour::new(day, 23).unwrap()),
            Period::Day(day),
            Period::Month(YearMonth::new(2024, 2).unwrap()),
        ] {
            let (code, start) = period_value(period).unwrap();
            assert_eq!(period_from(code, start).unwrap(), period);
        }
        assert!(period_value(Period::Day(Day::from_ymd(1969, 12, 31).unwrap())).is_err());
        assert!(date_value(Day::from_ymd(2150, 1, 1).unwrap()).is_err());
    }

    #[test]
    fn read_ranges_are_clamped_to_what_the_columns_hold() {
        let day = |y, m, d| Day::from_ymd(y, m, d).unwrap();
        let hour = |d: Day, h| Period::Hour(Hour::new(d, h).unwrap());
        assert_eq!(
            date_range(day(1969, 1, 1), day(1971, 1, 1)),
            Some((day(1970, 1, 1), day(1971, 1, 1)))
        );
        assert_eq!(date_range(day(1969, 1, 1), day(1969, 12, 31)), None);
        assert_eq!(date_range(day(2149, 1, 1), day(2200, 1, 1)).unwrap().1, day(2149, 6, 6));
        assert_eq!(
            period_range(hour(day(1969, 1, 1), 0), hour(day(1971, 1, 1), 0)),
            Some((1, 0, 365 * 86_400))
        );
        assert_eq!(period_range(hour(day(1969, 1, 1), 0), hour(day(1969, 12, 31), 23)), None);
        let month = |y, m| Period::Month(YearMonth::new(y, m).unwrap());
        assert_eq!(period_range(month(1960, 1), month(1970, 1)), Some((3, 0, 0)));
        assert_eq!(period_range(month(2100, 1), month(2200, 1)).unwrap().2, u32::MAX);
        assert_eq!(period_range(month(2100, 1), Period::Day(day(2101, 1, 1))), None);
    }

    #[test]
    fn enum_codes_round_trip() {
        for access in [Access::AllAccess, Access::Desktop, Access::MobileApp, Access::MobileWeb] {
            assert_eq!(access_from(access_code(access)).unwrap(), access);
        }
        for agent in [Agent::AllAgents, Agent::Automated, Agent::Spider, Agent::User] {
            assert_eq!(agent_from(agent_code(agent)).unwrap(), agent);
        }
        assert!(access_from(0).is_err() && agent_from(9).is_err());
    }

    #[test]
    fn top_lists_round_trip_with_any_title() {
        let entries = vec![
            TopEntry { article: "AC/DC \"x\" \\ 'y'".into(), views: u64::MAX, rank: 1 },
            TopEntry { article: "日本語".into(), views: 0, rank: 2 },
        ];
        assert_eq!(decode_top(&encode_top(&entries)).unwrap(), entries);
        assert!(decode_top(b"not json").is_err());
    }
}
