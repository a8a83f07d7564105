//! A wiki's edits per page (by editor type) and per editor (by page type) and day, for the
//! `per-page` and `per-editor` routes (`aqs_core::history::per_entity`).
//!
//! The state is the wiki's page titles and user texts (numbered), and one set of counters per
//! (page or editor, day with edits) of the days not yet taken out: the loader takes each
//! month's rows out when the next month's events begin (they come in time order).

use super::Edit;
use super::load::{editor_type, page_param};
use aqs_core::dates::{Day, Period};
use aqs_core::history::per_entity::{
    EDITOR_GROUPS, PAGE_GROUPS, edit_numbers, editor_group, page_group, stored_title,
};
use aqs_core::table::{Numbers, SeriesRow};
use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// The stored groups of a page's counters: the editor types, the total first.
const PAGE_ROW_GROUPS: [&str; 5] =
    [EDITOR_GROUPS[0], EDITOR_GROUPS[1], EDITOR_GROUPS[2], EDITOR_GROUPS[3], "name-bot"];

/// The names of each project number, numbered in the order they came.
pub(super) type Names = Vec<IndexSet<String, FxBuildHasher>>;

/// The number of `name` among `project`'s names, given one when it has none.
pub(super) fn name_id(names: &mut Names, project: usize, name: &str) -> u32 {
    if names.len() <= project {
        names.resize_with(project + 1, IndexSet::default);
    }
    let set = &mut names[project];
    let at = match set.get_index_of(name) {
        Some(at) => at,
        None => set.insert_full(name.to_string()).0,
    };
    at as u32
}

/// Counters of `G` groups (the first the total) per (project, name, day).
struct Named<const G: usize> {
    names: Names,
    days: FxHashMap<(usize, u32, Day), [[u64; 3]; G]>,
}

impl<const G: usize> Default for Named<G> {
    fn default() -> Self {
        Named { names: Vec::new(), days: FxHashMap::default() }
    }
}

impl<const G: usize> Named<G> {
    fn add(&mut self, project: usize, name: &str, day: Day, group: usize, numbers: [u64; 3]) {
        let id = name_id(&mut self.names, project, name);
        let counters = self.days.entry((project, id, day)).or_insert([[0; 3]; G]);
        for g in [0, group] {
            for (c, n) in counters[g].iter_mut().zip(numbers) {
                *c += n;
            }
        }
    }

    /// The rows of the days before `before` (all days: `None`), taken out of the counters
    /// into `out`: each (name, day)'s total first, then its other groups with edits. `load`
    /// is the key part of each project number's load. Counters are kept to 32 bits (what the
    /// embedded store holds per day).
    fn take_rows(
        &mut self,
        before: Option<Day>,
        groups: &[&str],
        (projects, load): (&[String], &[String]),
        out: &mut Vec<SeriesRow>,
    ) {
        let mut keys: Vec<(usize, u32, Day)> =
            self.days.keys().filter(|k| before.is_none_or(|b| k.2 < b)).copied().collect();
        keys.sort_unstable();
        out.reserve(keys.len() * 2);
        for key @ (project, id, day) in keys {
            let Some(counters) = self.days.remove(&key) else { continue };
            let name = self.names[project].get_index(id as usize).map_or("", String::as_str);
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
                        name.to_string(),
                    ],
                    period: Period::Day(day),
                    sub: String::new(),
                    values: Numbers::counters(&values),
                });
            }
        }
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
            let group = editor_group(editor_type(edit.user_type));
            self.pages.add(project, &stored_title(title), edit.day, group, numbers);
        }
        if let Some(user) = &edit.user_text {
            let group = page_group(page_param(edit.page_type));
            self.editors.add(project, user, edit.day, group, numbers);
        }
    }

    /// The rows of the per-page and per-editor tables of the days before `before` (all:
    /// `None`), taken out of the counters into `pages` and `editors`, for the projects (by
    /// number) and their loads' key parts.
    pub fn take_rows(
        &mut self,
        before: Option<Day>,
        names: (&[String], &[String]),
        [pages, editors]: [&mut Vec<SeriesRow>; 2],
    ) {
        self.pages.take_rows(before, &PAGE_ROW_GROUPS, names, pages);
        self.editors.take_rows(before, PAGE_GROUPS, names, editors);
    }
}
