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

/// The open day's and the open month's state.
pub struct Periods<T> {
    day: Option<(Day, T)>,
    month: Option<(YearMonth, T)>,
}

impl<T> Default for Periods<T> {
    fn default() -> Self {
        Periods { day: None, month: None }
    }
}

impl<T: Default> Periods<T> {
    /// Moves to the day of the next event and gives its state: the open day's and month's.
    /// `ended` gets the periods the move ends (the day, then the month); an event before the
    /// open day is out of order.
    pub fn at(
        &mut self,
        day: Day,
        ended: &mut dyn FnMut(Period, T),
    ) -> Result<[&mut T; 2], OutOfOrder> {
        if let Some((open, _)) = &self.day {
            if day < *open {
                return Err(OutOfOrder { day, after: *open });
            }
        }
        if self.day.as_ref().is_some_and(|(open, _)| *open < day) {
            if let Some((d, state)) = self.day.take() {
                ended(Period::Day(d), state);
            }
        }
        let month = day.year_month();
        if self.month.as_ref().is_some_and(|(open, _)| *open < month) {
            if let Some((m, state)) = self.month.take() {
                ended(Period::Month(m), state);
            }
        }
        let day_state = &mut self.day.get_or_insert_with(|| (day, T::default())).1;
        let month_state = &mut self.month.get_or_insert_with(|| (month, T::default())).1;
        Ok([day_state, month_state])
    }

    /// Ends the periods under way (the day, then the month).
    pub fn finish(&mut self, ended: &mut dyn FnMut(Period, T)) {
        if let Some((d, state)) = self.day.take() {
            ended(Period::Day(d), state);
        }
        if let Some((m, state)) = self.month.take() {
            ended(Period::Month(m), state);
        }
    }
}
