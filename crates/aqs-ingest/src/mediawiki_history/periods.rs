//! The day and the month under way of a wiki's events, which come in time order: what the
//! digests and the top lists hold while they count, each period's state given back once a
//! later event ends it.

use aqs_core::dates::{Day, Period, YearMonth};

/// An edit of a period already counted out: the events are not in time order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfOrder {
    pub day: Day,
    pub after: Day,
}

impl std::fmt::Display for OutOfOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "an edit of {} after edits of {}: a wiki's files must be given whole, their events in time order",
            self.day, self.after
        )
    }
}

/// The open day's and the open month's state. A period's end hands its state to be taken
/// out (`ended` leaves it empty), and the same state then serves the next period.
pub struct Periods<T> {
    day: Option<Day>,
    month: Option<YearMonth>,
    states: [T; 2],
}

impl<T: Default> Default for Periods<T> {
    fn default() -> Self {
        Periods { day: None, month: None, states: Default::default() }
    }
}

impl<T> Periods<T> {
    /// Moves to the day of the next event and gives its state: the open day's and month's.
    /// `ended` gets the periods the move ends (the day, then the month); an event before the
    /// open day is out of order.
    pub fn at(
        &mut self,
        day: Day,
        ended: &mut dyn FnMut(Period, &mut T),
    ) -> Result<&mut [T; 2], OutOfOrder> {
        match self.day {
            Some(open) if day < open => return Err(OutOfOrder { day, after: open }),
            Some(open) if open < day => ended(Period::Day(open), &mut self.states[0]),
            _ => {}
        }
        self.day = Some(day);
        let month = day.year_month();
        if let Some(open) = self.month.filter(|open| *open < month) {
            ended(Period::Month(open), &mut self.states[1]);
        }
        self.month = Some(month);
        Ok(&mut self.states)
    }

    /// Ends the periods under way (the day, then the month).
    pub fn finish(&mut self, ended: &mut dyn FnMut(Period, &mut T)) {
        if let Some(d) = self.day.take() {
            ended(Period::Day(d), &mut self.states[0]);
        }
        if let Some(m) = self.month.take() {
            ended(Period::Month(m), &mut self.states[1]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_period_ends_once_and_its_state_serves_the_next() {
        let day = |s| Day::parse_compact(s).unwrap();
        let mut periods: Periods<Vec<&'static str>> = Periods::default();
        let mut ended: Vec<(Period, Vec<&'static str>)> = Vec::new();
        let mut end =
            |p: Period, state: &mut Vec<&'static str>| ended.push((p, std::mem::take(state)));
        for (d, what) in
            [("20240130", "a"), ("20240130", "b"), ("20240131", "c"), ("20240201", "d")]
        {
            for state in periods.at(day(d), &mut end).unwrap() {
                state.push(what);
            }
        }
        let e = periods.at(day("20240131"), &mut end).unwrap_err();
        assert_eq!(e, OutOfOrder { day: day("20240131"), after: day("20240201") });
        periods.finish(&mut end);
        periods.finish(&mut end);
        let month = |y, m| Period::Month(YearMonth::new(y, m).unwrap());
        assert_eq!(
            ended,
            [
                (Period::Day(day("20240130")), vec!["a", "b"]),
                (Period::Day(day("20240131")), vec!["c"]),
                (month(2024, 1), vec!["a", "b", "c"]),
                (Period::Day(day("20240201")), vec!["d"]),
                (month(2024, 2), vec!["d"]),
            ]
        );
    }
}
