//! Reads whose range reaches past what a backend's columns hold (before 1970, after 2106):
//! the part inside is answered, the rest holds no rows, and nothing fails (issue 13 §5: a
//! valid request never gets a 5xx).

use super::{article_day, day, project, views, write};
use crate::dates::{Hour, TopPeriod, YearMonth};
use crate::pageviews::{PageviewsBatch, PageviewsStore, Period, ProjectRow};
use crate::params::{Access, Agent};

pub fn reads_past_the_epoch_or_far_ahead_answer_what_is_inside(store: &dyn PageviewsStore) {
    let epoch = day(1970, 1, 1);
    let (aa, ag) = (Access::AllAccess, Agent::AllAgents);
    let hour = |d, h| Period::Hour(Hour::new(d, h).unwrap());
    let month = |y, m| Period::Month(YearMonth::new(y, m).unwrap());
    let row = |period, views| ProjectRow {
        project: project("en.wikipedia"),
        access: aa,
        agent: ag,
        period,
        views,
    };
    write(
        store,
        PageviewsBatch {
            replace_article_days: vec![epoch],
            article_days: vec![article_day(epoch, "en.wikipedia", &[("-", views(3, 0, 0))])],
            project_rows: vec![
                row(hour(epoch, 0), 1),
                row(Period::Day(epoch), 2),
                row(month(1970, 1), 3),
            ],
            ..Default::default()
        },
    );
    let (before, after) = (day(1969, 1, 1), day(2200, 1, 1));
    let articles = store.article_series(&project("en.wikipedia"), "-", before, after).unwrap();
    assert_eq!(articles, vec![(epoch, views(3, 0, 0))]);
    let none = store.article_series(&project("en.wikipedia"), "-", before, day(1969, 12, 31));
    assert!(none.unwrap().is_empty());
    let read =
        |first, last| store.project_series(&project("en.wikipedia"), aa, ag, first, last).unwrap();
    assert_eq!(read(hour(before, 0), hour(day(1971, 1, 1), 0)), vec![(hour(epoch, 0), 1)]);
    assert_eq!(read(Period::Day(before), Period::Day(after)), vec![(Period::Day(epoch), 2)]);
    assert_eq!(read(month(1960, 1), month(2200, 1)), vec![(month(1970, 1), 3)]);
    assert!(read(hour(before, 0), hour(day(1969, 12, 31), 23)).is_empty());
    assert!(read(Period::Day(after), Period::Day(after)).is_empty());
    let top = |period| store.top(&project("en.wikipedia"), aa, period).unwrap();
    assert_eq!(top(TopPeriod::Day(day(1969, 12, 31))), None);
    assert_eq!(top(TopPeriod::Month(YearMonth::new(2200, 1).unwrap())), None);
}
