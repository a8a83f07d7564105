//! A wiki's edits per page (by editor type) and per editor (by page type) and day, for the
//! `per-page` and `per-editor` routes (`aqs_core::history::per_entity`).
//!
//! The state is one set of counters per (page or editor, day with edits): it grows with the
//! wiki's pages and editors and the days they were edited on, not with its events.

use super::{Edit, PageType, UserType};
use aqs_core::dates::{Day, Period};
use aqs_core::history::per_entity::{EDITOR_GROUPS, PAGE_GROUPS, edit_numbers, load_name};
use aqs_core::table::{Numbers, SeriesRow};
use rustc_hash::FxHashMap;
use std::borrow::Cow;

/// The stored groups of a page's counters: the editor types, the total first.
const PAGE_ROW_GROUPS: [&str; 5] =
    [EDITOR_GROUPS[0], EDITOR_GROUPS[1], EDITOR_GROUPS[2], EDITOR_GROUPS[3], "name-bot"];

fn editor_group(t: UserType) -> usize {
    match t {
        UserType::User => 1,
        UserType::Anonymous => 2,
        UserType::GroupBot => 3,
        UserType::NameBot => 4,
    }
}

fn page_group(t: PageType) -> usize {
    match t {
        PageType::Content => 1,
        PageType::NonContent => 2,
    }
}

/// Counters of `G` groups (the first the total) per (name, day).
struct Named<const G: usize> {
    /// Per project number, the names' ids.
    ids: Vec<FxHashMap<String, u32>>,
    /// The project number of each id.
    owners: Vec<usize>,
    days: FxHashMap<(u32, Day), [[u64; 3]; G]>,
}

impl<const G: usize> Default for Named<G> {
    fn default() -> Self {
        Named { ids: Vec::new(), owners: Vec::new(), days: FxHashMap::default() }
    }
}

impl<const G: usize> Named<G> {
    fn add(&mut self, project: usize, name: &str, day: Day, group: usize, numbers: [u64; 3]) {
        if self.ids.len() <= project {
            self.ids.resize_with(project + 1, FxHashMap::default);
        }
        let id = match self.ids[project].get(name) {
            Some(&id) => id,
            None => {
                let id = self.owners.len() as u32;
                self.ids[project].insert(name.to_string(), id);
                self.owners.push(project);
                id
            }
        };
        let counters = self.days.entry((id, day)).or_insert([[0; 3]; G]);
        for g in [0, group] {
            for (c, n) in counters[g].iter_mut().zip(numbers) {
                *c += n;
            }
        }
    }

    /// The rows, each (name, day)'s total first, then its other groups with edits. `load` is
    /// the key part of each project number's load. Counters are kept to 32 bits (what the
    /// embedded store holds per day).
    fn rows(self, groups: &[&str], projects: &[String], load: &[String]) -> Vec<SeriesRow> {
        let mut names = vec![String::new(); self.owners.len()];
        for ids in self.ids {
            for (name, id) in ids {
                names[id as usize] = name;
            }
        }
        let mut days: Vec<_> = self.days.into_iter().collect();
        days.sort_unstable_by_key(|(key, _)| *key);
        let mut out = Vec::with_capacity(days.len() * 2);
        for ((id, day), counters) in days {
            let project = self.owners[id as usize];
            for (g, numbers) in counters.iter().enumerate() {
                if g > 0 && numbers[0] == 0 {
                    continue;
                }
                let values = numbers.map(|n| n.min(u64::from(u32::MAX)));
                out.push(SeriesRow {
                    key: vec![
                        groups[g].to_string(),
                        load[project].clone(),
                        projects[project].clone(),
                        names[id as usize].clone(),
                    ],
                    period: Period::Day(day),
                    sub: String::new(),
                    values: Numbers::counters(&values),
                });
            }
        }
        out
    }
}

/// A wiki's edits per page and per editor.
#[derive(Default)]
pub struct EntityCounts {
    pages: Named<5>,
    editors: Named<3>,
}

impl EntityCounts {
    /// Counts an edit of project number `project`.
    pub fn count(&mut self, project: usize, edit: &Edit<'_>) {
        let numbers = edit_numbers(edit.bytes_diff);
        if let Some(title) = &edit.page_title {
            let title = match title.contains(' ') {
                true => Cow::Owned(title.replace(' ', "_")),
                false => Cow::Borrowed(title.as_str()),
            };
            self.pages.add(project, &title, edit.day, editor_group(edit.user_type), numbers);
        }
        if let Some(user) = &edit.user_text {
            self.editors.add(project, user, edit.day, page_group(edit.page_type), numbers);
        }
    }

    /// The rows of the per-page and per-editor tables, for the projects (by number) and the
    /// numbers of their loads in `snapshot`.
    pub fn rows(
        self,
        snapshot: &str,
        projects: &[String],
        loads: &[u64],
    ) -> (Vec<SeriesRow>, Vec<SeriesRow>) {
        let load: Vec<String> = loads.iter().map(|n| load_name(snapshot, *n)).collect();
        (
            self.pages.rows(&PAGE_ROW_GROUPS, projects, &load),
            self.editors.rows(PAGE_GROUPS, projects, &load),
        )
    }
}
