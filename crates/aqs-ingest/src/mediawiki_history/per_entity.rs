//! A wiki's edits per page (by editor type) and per editor (by page type) and day, for the
//! `per-page` and `per-editor` routes (`aqs_core::history::per_entity`).
//!
//! The state is the stored form of each page title (the name table, [`super::names`], numbers
//! the titles as the dump spells them), and one set of counters per (page or editor, day
//! with edits) of the days not yet taken out: the loader takes each month's rows out when
//! the next month's events begin (they come in time order).

use super::Edit;
use super::load::{editor_type, page_param};
use super::names::{EditIds, WikiNames};
use super::rows::{EntityRow, Taken};
use super::slots::ListSlots;
use aqs_core::dates::Day;
use aqs_core::history::per_entity::{edit_numbers, editor_group, page_group, stored_title};
use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;
use std::borrow::Cow;
use std::sync::Arc;

/// Counters of `G` groups (the first the total) per (project, name number, day): the open
/// day's by name number ([`ListSlots`]), the ended days' as a list in day order.
struct Named<const G: usize> {
    day: Option<Day>,
    open: ListSlots<[[u64; 3]; G], 1>,
    /// (project, name number, day, counters) of the ended days.
    ended: Vec<(u32, u32, Day, [[u64; 3]; G])>,
}

impl<const G: usize> Default for Named<G> {
    fn default() -> Self {
        Named { day: None, open: ListSlots::default(), ended: Vec::new() }
    }
}

impl<const G: usize> Named<G> {
    fn add(&mut self, project: usize, id: u32, day: Day, group: usize, numbers: [u64; 3]) {
        // A later day ends the open one (the digests refuse an earlier one before this).
        if self.day.is_some_and(|open| open != day) {
            self.end_day();
        }
        self.day = Some(day);
        let counters = self.open.list(project, 0).get_with(Some(id), || [[0; 3]; G]);
        for g in [0, group] {
            for (c, n) in counters[g].iter_mut().zip(numbers) {
                *c += n;
            }
        }
    }

    fn end_day(&mut self) {
        let Some(day) = self.day.take() else { return };
        for ((project, _), names) in self.open.take() {
            let named = names.into_iter().filter_map(|(id, c)| Some((project as u32, id?, day, c)));
            self.ended.extend(named);
        }
    }

    /// The rows of the days before `before` (all days: `None`), taken out of the counters
    /// into `out`; `name` gives the names of the numbers.
    fn take_rows(
        &mut self,
        before: Option<Day>,
        name: impl Fn(usize, u32) -> Arc<str>,
        out: &mut Vec<EntityRow<G>>,
    ) {
        if before.is_none_or(|b| self.day.is_some_and(|d| d < b)) {
            self.end_day();
        }
        let taken = match before {
            Some(b) => self.ended.partition_point(|row| row.2 < b),
            None => self.ended.len(),
        };
        out.extend(self.ended.drain(..taken).map(|(project, id, day, counters)| EntityRow {
            project,
            name: name(project as usize, id),
            day,
            counters,
        }));
    }
}

/// A wiki's edits per page and per editor.
#[derive(Default)]
pub struct EntityCounts {
    /// By number of the page's stored title in `titles`.
    pages: Named<5>,
    /// By name number ([`super::names`]).
    editors: Named<3>,
    /// The stored titles (`_` for each space) of each project, numbered.
    titles: Vec<IndexSet<Arc<str>, FxBuildHasher>>,
    /// The number in `titles` of each page number's stored title, per project (`u32::MAX`:
    /// not looked up yet): two titles the dump spells apart, one with `_` where the other
    /// has a space, are one page.
    stored: Vec<Vec<u32>>,
}

impl EntityCounts {
    /// Counts an edit of project number `project` whose names have the numbers `ids`.
    pub fn count(&mut self, project: usize, edit: &Edit<'_>, ids: EditIds, names: &WikiNames) {
        let numbers = edit_numbers(edit.bytes_diff);
        if let Some(page) = ids.page {
            let group = editor_group(editor_type(edit.user_type));
            let title = self.stored_id(project, page, names);
            self.pages.add(project, title, edit.day, group, numbers);
        }
        if let Some(editor) = ids.editor {
            let group = page_group(page_param(edit.page_type));
            self.editors.add(project, editor, edit.day, group, numbers);
        }
    }

    /// The number of page `page`'s stored title.
    fn stored_id(&mut self, project: usize, page: u32, names: &WikiNames) -> u32 {
        if self.stored.len() <= project {
            self.stored.resize_with(project + 1, Vec::new);
            self.titles.resize_with(project + 1, IndexSet::default);
        }
        let (map, titles) = (&mut self.stored[project], &mut self.titles[project]);
        match map.get(page as usize) {
            Some(&id) if id != u32::MAX => return id,
            Some(_) => {}
            None => map.resize(page as usize + 1, u32::MAX),
        }
        let name = names.page(project, page);
        let title = stored_title(name);
        let id = match titles.get_index_of(title.as_ref()) {
            Some(at) => at,
            // The name table's copy, unless a space was replaced.
            None => match title {
                Cow::Borrowed(_) => titles.insert_full(name.clone()).0,
                Cow::Owned(title) => titles.insert_full(title.into()).0,
            },
        } as u32;
        map[page as usize] = id;
        id
    }

    /// The rows of the per-page and per-editor tables of the days before `before` (all:
    /// `None`), taken out of the counters into `out`; `names` gives the editors' names.
    pub fn take_rows(&mut self, before: Option<Day>, names: &WikiNames, out: &mut Taken) {
        let titles = &self.titles;
        let title = |project: usize, id: u32| {
            let title = titles.get(project).and_then(|t| t.get_index(id as usize));
            title.cloned().unwrap_or_else(|| "".into())
        };
        self.pages.take_rows(before, title, &mut out.pages);
        let editor = |project: usize, id: u32| names.editor(project, id).clone();
        self.editors.take_rows(before, editor, &mut out.editors);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediawiki_history::{PageType, UserType};

    #[test]
    fn titles_spelled_with_a_space_or_an_underscore_are_one_page() {
        let day = Day::parse_compact("20240105").unwrap();
        let edit = |title: &'static str, user: &'static str, bytes: i64| Edit {
            day,
            user_text: Some(user.into()),
            user_type: UserType::User,
            page_title: Some(title.into()),
            page_type: PageType::Content,
            redirect: Some(false),
            bytes_diff: bytes,
        };
        let (mut names, mut counts) = (WikiNames::default(), EntityCounts::default());
        for e in [edit("User talk:A_B", "Ann", 5), edit("User_talk:A_B", "Bob", -2)] {
            let ids = names.ids(0, &e);
            counts.count(0, &e, ids, &names);
        }
        let mut taken = Taken::default();
        counts.take_rows(None, &names, &mut taken);
        let pages: Vec<(&str, [u64; 3])> =
            taken.pages.iter().map(|r| (&*r.name, r.counters[0])).collect();
        assert_eq!(pages, [("User_talk:A_B", [2, 5, 2])]);
        let mut editors: Vec<&str> = taken.editors.iter().map(|r| &*r.name).collect();
        editors.sort();
        assert_eq!(editors, ["Ann", "Bob"]);
        counts.take_rows(None, &names, &mut taken);
        assert_eq!(taken.len(), 3, "taken once");
    }
}
