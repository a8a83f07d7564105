//! The digests of a wiki's edits (data-formats §5.8, items 2 and 3): per day and per month,
//! each editor's (page's) edits in every slice of {editor type, all} × {page type, all},
//! counted into the activity levels of [`DIGESTS`](aqs_core::history::digest::DIGESTS).
//!
//! A wiki's events come sorted by time, so only the periods under way are held: a day's
//! (editor → edits) maps are counted out when a later day begins, a month's when a later month
//! does. The state grows with the editors and pages of one month, not with the events.

use super::names::EditIds;
use super::periods::{OutOfOrder, Periods};
use super::slots::ListSlots;
use super::{Edit, PageType, UserType};
use aqs_core::dates::Period;
use aqs_core::history::digest::{DigestEntity, level_of};
use aqs_core::params::{EditorType, PageType as PageParam};
use aqs_core::table::Numbers;
use std::collections::BTreeMap;

/// Edits per (editor type, page type) of one editor or page in a period.
type Slices = [[u32; 2]; 4];

/// The counts of one period under way: per (project number, entity) the edits per slice of
/// each editor (page), by name number ([`super::names`]); edits without a name count as
/// one more name.
type Open = ListSlots<Slices, 2>;

/// The entities, by their number in [`Open`].
const ENTITIES: [DigestEntity; 2] = [DigestEntity::Editors, DigestEntity::Pages];

/// A digest row: (project number, entity, editor type, page type, period).
pub type DigestKey = (usize, DigestEntity, EditorType, PageParam, Period);

/// The digests of one wiki.
#[derive(Default)]
pub struct Digests {
    periods: Periods<Open>,
    /// The rows counted out: the editors (pages) per activity level.
    pub rows: BTreeMap<DigestKey, [u64; 4]>,
}

const USER_TYPES: [EditorType; 4] =
    [EditorType::Anonymous, EditorType::GroupBot, EditorType::NameBot, EditorType::User];
const PAGE_TYPES: [PageParam; 2] = [PageParam::Content, PageParam::NonContent];

fn user_index(t: UserType) -> usize {
    match t {
        UserType::Anonymous => 0,
        UserType::GroupBot => 1,
        UserType::NameBot => 2,
        UserType::User => 3,
    }
}

impl Digests {
    /// Counts an edit of project number `project` whose names have the numbers `ids`: in
    /// its editor's digests, and its page's unless the page is (or may be) a redirect.
    pub fn count(
        &mut self,
        project: usize,
        edit: &Edit<'_>,
        ids: EditIds,
    ) -> Result<(), OutOfOrder> {
        let (u, p) =
            (user_index(edit.user_type), usize::from(edit.page_type == PageType::NonContent));
        let rows = &mut self.rows;
        let opens = self.periods.at(edit.day, &mut |period, open| count_out(rows, period, open))?;
        let page = (edit.redirect == Some(false)).then_some(ids.page);
        for open in opens {
            open.list(project, 0).get(ids.editor)[u][p] += 1;
            if let Some(title) = page {
                open.list(project, 1).get(title)[u][p] += 1;
            }
        }
        Ok(())
    }

    /// Counts out the periods still under way, and returns the rows of `snapshot` (the
    /// project numbers named by `projects`).
    pub fn finish(
        mut self,
        snapshot: &str,
        projects: &[String],
    ) -> BTreeMap<(Vec<String>, Period), Numbers> {
        let rows = &mut self.rows;
        self.periods.finish(&mut |period, open| count_out(rows, period, open));
        self.rows
            .into_iter()
            .map(|((project, entity, e, p, period), levels)| {
                let key = vec![
                    snapshot.to_string(),
                    projects[project].clone(),
                    entity.key().to_string(),
                    e.as_str().to_string(),
                    p.as_str().to_string(),
                ];
                ((key, period), Numbers::counters(&levels))
            })
            .collect()
    }
}

/// Adds a finished period's editors (pages) to the rows of every slice they edited in.
fn count_out(rows: &mut BTreeMap<DigestKey, [u64; 4]>, period: Period, open: &mut Open) {
    for ((project, entity), names) in open.take() {
        let entity = ENTITIES[entity];
        // Per (editor type or all, page type or all): the editors (pages) per level.
        let mut levels = [[[0u64; 4]; 3]; 5];
        for (_, slices) in names {
            let mut add = |e: usize, p: usize, edits: u32| {
                if edits > 0 {
                    levels[e][p][level_of(u64::from(edits))] += 1;
                }
            };
            let mut columns = [0u32; 2];
            for (u, row) in slices.iter().enumerate() {
                for (p, &edits) in row.iter().enumerate() {
                    add(u, p, edits);
                    columns[p] += edits;
                }
                add(u, 2, row[0] + row[1]);
            }
            add(4, 0, columns[0]);
            add(4, 1, columns[1]);
            add(4, 2, columns[0] + columns[1]);
        }
        let editor_types = USER_TYPES.into_iter().chain([EditorType::AllEditorTypes]);
        for (e, by_page) in editor_types.zip(levels) {
            let page_types = PAGE_TYPES.into_iter().chain([PageParam::AllPageTypes]);
            for (p, counts) in page_types.zip(by_page) {
                if counts != [0; 4] {
                    rows.insert((project, entity, e, p, period), counts);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediawiki_history::names::WikiNames;
    use aqs_core::dates::{Day, YearMonth};

    fn edit(
        day: &str,
        user: &str,
        user_type: UserType,
        page: &str,
        page_type: PageType,
    ) -> Edit<'static> {
        Edit {
            day: Day::parse_compact(day).unwrap(),
            user_text: Some(user.to_string().into()),
            user_type,
            page_title: Some(page.to_string().into()),
            page_type,
            redirect: Some(page == "Redirect"),
            bytes_diff: 1,
        }
    }

    #[test]
    fn an_activity_level_is_per_slice() {
        // data-formats §5.8: 3 content and 3 other edits are 1..4 in each page type, 5..24 in
        // all page types.
        let (mut digests, mut names) = (Digests::default(), WikiNames::default());
        let mut count = |edit: Edit<'_>| {
            let ids = names.ids(0, &edit);
            digests.count(0, &edit, ids)
        };
        for (page, kind) in [("A", PageType::Content), ("Talk:A", PageType::NonContent)] {
            for _ in 0..3 {
                count(edit("20240101", "Ann", UserType::User, page, kind)).unwrap();
            }
        }
        count(edit("20240102", "Bot", UserType::GroupBot, "Redirect", PageType::Content)).unwrap();
        let rows = digests.finish("2024-01", &["en.wikipedia".to_string()]);
        let get = |entity: &str, e: &str, p: &str, period: Period| {
            let key = vec![
                "2024-01".to_string(),
                "en.wikipedia".into(),
                entity.into(),
                e.into(),
                p.into(),
            ];
            rows.get(&(key, period)).map(|n| n.0)
        };
        let day = Period::Day(Day::parse_compact("20240101").unwrap());
        assert_eq!(get("editors", "user", "content", day), Some([1, 0, 0, 0]));
        assert_eq!(get("editors", "user", "all-page-types", day), Some([0, 1, 0, 0]));
        assert_eq!(get("editors", "all-editor-types", "non-content", day), Some([1, 0, 0, 0]));
        assert_eq!(get("editors", "group-bot", "content", day), None);
        assert_eq!(get("pages", "all-editor-types", "all-page-types", day), Some([2, 0, 0, 0]));
        let month = Period::Month(YearMonth::new(2024, 1).unwrap());
        assert_eq!(get("editors", "all-editor-types", "all-page-types", month), Some([1, 1, 0, 0]));
        // The redirect's edit counts for its editor, not for its page.
        assert_eq!(get("pages", "group-bot", "all-page-types", month), None);
        assert_eq!(get("editors", "group-bot", "all-page-types", month), Some([1, 0, 0, 0]));
    }

    #[test]
    fn an_edit_out_of_time_order_is_an_error() {
        let mut digests = Digests::default();
        let ids = EditIds { editor: Some(0), page: Some(0) };
        let later = edit("20240102", "A", UserType::User, "P", PageType::Content);
        digests.count(0, &later, ids).unwrap();
        let earlier = edit("20240101", "A", UserType::User, "P", PageType::Content);
        let e = digests.count(0, &earlier, ids).unwrap_err();
        assert!(e.to_string().contains("an edit of 2024-01-01 after edits of 2024-01-02"), "{e}");
    }
}
