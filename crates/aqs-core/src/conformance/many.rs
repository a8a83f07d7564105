//! Many articles in one read: [`crate::pageviews::PageviewsRead::articles_series`] answers
//! what `article_series` answers one article at a time, and tells unknown titles apart.

use super::{article_day, day, project, views, write};
use crate::pageviews::{PageviewsBatch, PageviewsStore};

pub fn many_articles_read_as_each_one_alone(store: &dyn PageviewsStore) {
    let days = [day(2024, 1, 30), day(2024, 2, 1), day(2024, 2, 3)];
    for (i, d) in days.iter().enumerate() {
        let n = i as u32 + 1;
        write(
            store,
            PageviewsBatch {
                replace_article_days: vec![*d],
                article_days: vec![
                    article_day(
                        *d,
                        "en.wikipedia",
                        &[("A", views(n, 1, 0)), ("B_b", views(10 * n, 0, 2))],
                    ),
                    article_day(*d, "de.wikipedia", &[("A", views(5, 0, 0))]),
                ],
                ..Default::default()
            },
        );
    }
    // C has a row only on the first day, outside the range asked below.
    write(
        store,
        PageviewsBatch {
            article_days: vec![article_day(days[0], "en.wikipedia", &[("C", views(4, 0, 0))])],
            ..Default::default()
        },
    );
    let en = project("en.wikipedia");
    let asked: Vec<String> = ["B_b", "Nope", "A", "C", "Ä"].iter().map(|s| s.to_string()).collect();
    let (first, last) = (day(2024, 2, 1), day(2024, 2, 29));
    let many = store.articles_series(&en, &asked, first, last).expect("read succeeds");
    assert_eq!(many.len(), asked.len());
    for (title, rows) in asked.iter().zip(&many) {
        let alone = store.article_series(&en, title, first, last).unwrap();
        match title.as_str() {
            "Nope" | "Ä" => assert_eq!(rows, &None, "{title} is unknown"),
            "C" => assert_eq!(rows, &Some(Vec::new()), "C is known, without rows in the range"),
            _ => {
                assert_eq!(rows.as_ref(), Some(&alone), "{title}");
                assert_eq!(alone.len(), 2);
            }
        }
    }
    let unknown_project = store.articles_series(&project("xx.wikipedia"), &asked, first, last);
    assert!(unknown_project.unwrap().iter().all(Option::is_none));
    assert!(store.articles_series(&en, &[], first, last).unwrap().is_empty());
}
