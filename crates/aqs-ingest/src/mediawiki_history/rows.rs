//! The per-page, per-editor and top-list rows of a history load as the reading thread takes
//! them out of its counters ([`Taken`]): names shared with the name table, keys not made
//! yet. The writer thread makes them the stored rows ([`Taken::drain_into`]), so that the
//! reading thread spends no time making keys of four strings a row.

use aqs_core::dates::{Day, Period};
use aqs_core::history::per_entity::{EDITOR_GROUPS, PAGE_GROUPS};
use aqs_core::history::top::TopEntity;
use aqs_core::history::top_lists::candidate_row;
use aqs_core::table::{Numbers, SeriesRow};
use std::sync::Arc;

/// The stored groups of a page's counters: the editor types, the total first.
const PAGE_ROW_GROUPS: [&str; 5] =
    [EDITOR_GROUPS[0], EDITOR_GROUPS[1], EDITOR_GROUPS[2], EDITOR_GROUPS[3], "name-bot"];

/// A page's (`G` = 5 groups: the total, then by editor type) or an editor's (3: the total,
/// then by page type) edits, bytes added and bytes removed on a day.
pub struct EntityRow<const G: usize> {
    pub project: u32,
    pub name: Arc<str>,
    pub day: Day,
    pub counters: [[u64; 3]; G],
}

/// A top-list candidate's numbers in one base slice (`aqs_core::history::top_lists`) of
/// a period.
pub struct TopRow {
    pub project: u32,
    pub entity: TopEntity,
    pub base: u8,
    pub period: Period,
    pub name: Arc<str>,
    pub numbers: [u64; 3],
}

/// Rows taken out of a load's counters, with the key parts of their project numbers.
#[derive(Default)]
pub struct Taken {
    /// The project of each project number, and the key part of its load.
    pub projects: Vec<(String, String)>,
    pub pages: Vec<EntityRow<5>>,
    pub editors: Vec<EntityRow<3>>,
    pub tops: Vec<TopRow>,
}

impl Taken {
    /// The rows held (each page's or editor's day is one to three stored rows).
    pub fn len(&self) -> usize {
        self.pages.len() + self.editors.len() + self.tops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops the rows (the projects and the vectors' memory stay).
    pub fn clear(&mut self) {
        self.pages.clear();
        self.editors.clear();
        self.tops.clear();
    }

    /// Appends the stored rows to `out` (per page, per editor, top lists), emptying `self`
    /// but keeping its vectors' memory.
    pub fn drain_into(&mut self, out: &mut [Vec<SeriesRow>; 3]) {
        let [pages, editors, tops] = out;
        entity_rows(&mut self.pages, &PAGE_ROW_GROUPS, &self.projects, pages);
        entity_rows(&mut self.editors, PAGE_GROUPS, &self.projects, editors);
        tops.reserve(self.tops.len());
        for row in self.tops.drain(..) {
            let (project, load) = &self.projects[row.project as usize];
            let list = (load.as_str(), project.as_str(), row.entity);
            let name = row.name.to_string();
            tops.push(candidate_row(list, row.base.into(), row.period, name, row.numbers));
        }
    }
}

/// The stored rows of `rows` (emptied): each (name, day)'s total first, then its other
/// groups with edits. Counters are kept to 32 bits (what the embedded store holds per day).
fn entity_rows<const G: usize>(
    rows: &mut Vec<EntityRow<G>>,
    groups: &[&str],
    projects: &[(String, String)],
    out: &mut Vec<SeriesRow>,
) {
    out.reserve(rows.len() * 2);
    for row in rows.drain(..) {
        let (project, load) = &projects[row.project as usize];
        for (g, numbers) in row.counters.iter().enumerate() {
            if g > 0 && numbers[0] == 0 {
                continue;
            }
            let values = numbers.map(|n| n.min(u64::from(u32::MAX)));
            out.push(SeriesRow {
                key: vec![
                    groups[g].to_string(),
                    load.clone(),
                    project.clone(),
                    row.name.to_string(),
                ],
                period: Period::Day(row.day),
                sub: String::new(),
                values: Numbers::counters(&values),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aqs_core::history::top_lists::base_key;

    #[test]
    fn taken_rows_become_the_stored_rows_and_leave_their_vectors_empty() {
        let day = Day::parse_compact("20240105").unwrap();
        let mut taken = Taken {
            projects: vec![("en.wikipedia".into(), "2024-12/7".into())],
            pages: vec![EntityRow {
                project: 0,
                name: "Berlin".into(),
                day,
                // 3 edits: 2 by users, 1 by a name bot; none by others.
                counters: [[3, 10, 4], [2, 10, 0], [0; 3], [0; 3], [1, 0, 4]],
            }],
            editors: vec![EntityRow { project: 0, name: "Ann".into(), day, counters: [[1; 3]; 3] }],
            tops: vec![TopRow {
                project: 0,
                entity: TopEntity::Pages,
                base: 6,
                period: Period::Day(day),
                name: "Berlin".into(),
                numbers: [2, 10, 0],
            }],
        };
        assert_eq!(taken.len(), 3);
        let mut out: [Vec<SeriesRow>; 3] = Default::default();
        taken.drain_into(&mut out);
        assert!(taken.is_empty() && taken.pages.capacity() > 0);
        let keys = |rows: &[SeriesRow]| -> Vec<String> {
            rows.iter().map(|r| format!("{}={:?}", r.key.join("|"), &r.values.0[..3])).collect()
        };
        assert_eq!(
            keys(&out[0]),
            [
                "all-editor-types|2024-12/7|en.wikipedia|Berlin=[3, 10, 4]",
                "user|2024-12/7|en.wikipedia|Berlin=[2, 10, 0]",
                "name-bot|2024-12/7|en.wikipedia|Berlin=[1, 0, 4]",
            ]
        );
        assert_eq!(out[1].len(), 3, "the total and both page types");
        assert_eq!(
            keys(&out[2]),
            [format!(
                "2024-12/7|en.wikipedia|{}|{}=[2, 10, 0]",
                TopEntity::Pages.key(),
                base_key(6)
            )]
        );
        assert_eq!((out[2][0].sub.as_str(), out[0][0].period), ("Berlin", Period::Day(day)));
    }
}
