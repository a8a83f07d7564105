//! The days of a month kept as one value (docs/store-format.md, "Series tables"): a series
//! table's row of a day is stored with the other days of its key, month and sub, so a key
//! with a row every day takes one key a month instead of thirty (the MediaWiki history's
//! aggregates: about 30 rows a wiki and day).
//!
//! Value: varint mask of the days present (bit d − 1 for day d), then per present day, in
//! order, one varint per value column.

use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::error::StoreResult;
use aqs_core::table::{Numbers, Shape, TableDef};

/// The period kind of a month's days in keys (after the kinds of [`Period::code`]).
const DAYS_KIND: u8 = 3;

/// Where a row's period puts it in `series`: a key of its own, or, for a day of a series
/// table, its month's value of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slot {
    Row(Period),
    Days(YearMonth),
}

impl Slot {
    pub fn of(table: &TableDef, period: Period) -> Slot {
        match (table.shape, period) {
            (Shape::Series, Period::Day(day)) => Slot::Days(day.year_month()),
            _ => Slot::Row(period),
        }
    }

    pub fn code(self) -> (u8, u32) {
        match self {
            Slot::Row(period) => period.code(),
            Slot::Days(month) => (DAYS_KIND, month.index() as u32),
        }
    }

    pub fn from_code(kind: u8, value: u32) -> StoreResult<Slot> {
        match kind {
            DAYS_KIND => Ok(Slot::Days(YearMonth::from_index(value as i32))),
            _ => Ok(Slot::Row(crate::pageviews::decode_period(kind, value)?)),
        }
    }
}

/// A month's days of one key and sub: day d at index d − 1.
pub(crate) type MonthDays = [Option<Numbers>; 31];

pub(crate) fn encode(width: usize, days: &MonthDays) -> Vec<u8> {
    let mask =
        days.iter().enumerate().filter(|(_, d)| d.is_some()).fold(0u64, |m, (i, _)| m | 1 << i);
    let mut out = Vec::with_capacity(4 + 3 * width * mask.count_ones() as usize);
    put_varint(&mut out, mask);
    for values in days.iter().flatten() {
        for v in &values.0[..width] {
            put_varint(&mut out, *v);
        }
    }
    out
}

pub(crate) fn decode(width: usize, bytes: &[u8]) -> StoreResult<MonthDays> {
    let mut r = Reader::new(bytes);
    let mask = r.varint()?;
    if mask >> 31 != 0 {
        return Err(corrupt("days of a month: a day after the 31st"));
    }
    let mut days: MonthDays = [None; 31];
    for day in days.iter_mut().enumerate().filter(|(i, _)| mask >> i & 1 == 1).map(|(_, d)| d) {
        let mut values = Numbers::default();
        for v in values.0.iter_mut().take(width) {
            *v = r.varint()?;
        }
        *day = Some(values);
    }
    if !r.is_empty() {
        return Err(corrupt("trailing bytes after a month's days"));
    }
    Ok(days)
}

/// How many days a stored value holds.
pub(crate) fn count(bytes: &[u8]) -> StoreResult<u64> {
    Ok(u64::from(Reader::new(bytes).varint()?.count_ones()))
}

/// The days of `month` present in `days` from `first` to `last`, with their values.
pub(crate) fn within(
    month: YearMonth,
    days: &MonthDays,
    first: Day,
    last: Day,
) -> impl Iterator<Item = (Day, Numbers)> + '_ {
    days.iter().enumerate().filter_map(move |(i, values)| {
        let day = Day::from_ymd(month.year(), month.month(), i as u8 + 1)?;
        let values = (*values)?;
        (first <= day && day <= last).then_some((day, values))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_of_days_round_trips_and_keeps_the_days_asked_for() {
        let mut days: MonthDays = [None; 31];
        days[0] = Some(Numbers::counters(&[1, 2]));
        days[30] = Some(Numbers::counters(&[u64::MAX, 0]));
        let bytes = encode(2, &days);
        assert_eq!(decode(2, &bytes).unwrap(), days);
        assert_eq!(count(&bytes).unwrap(), 2);
        let month = YearMonth::new(2024, 1).unwrap();
        let day = |d| Day::from_ymd(2024, 1, d).unwrap();
        let got: Vec<Day> = within(month, &days, day(1), day(30)).map(|(d, _)| d).collect();
        assert_eq!(got, [day(1)]);
        assert!(decode(2, &bytes[..bytes.len() - 1]).is_err(), "truncated");
        assert!(decode(2, &[bytes.clone(), vec![0]].concat()).is_err(), "trailing");
        assert!(decode(2, &[0x80, 0x80, 0x80, 0x80, 0x08]).is_err(), "a 32nd day");
        // A day a month lacks (February 30th) is never returned.
        let mut february: MonthDays = [None; 31];
        february[29] = Some(Numbers::counters(&[1]));
        let feb = YearMonth::new(2024, 2).unwrap();
        let (a, b) = (Day::from_ymd(2024, 2, 1).unwrap(), Day::from_ymd(2024, 3, 31).unwrap());
        assert_eq!(within(feb, &february, a, b).count(), 0);
    }

    proptest::proptest! {
        /// Any bytes decode to a month of days or an error, never a panic; what decodes
        /// encodes back to the same bytes when it was written whole.
        #[test]
        fn damaged_values_are_errors(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..64), width in 1usize..4) {
            if let Ok(days) = decode(width, &bytes) {
                proptest::prop_assert_eq!(decode(width, &encode(width, &days)).unwrap(), days);
            }
        }
    }
}
