//! The page titles and user texts of a wiki's edits, numbered once per project: what the
//! digests, the per-page and per-editor counters and the top lists key their counters by, so
//! that an edit's names are looked up once, not once per table.
//!
//! The state grows with the distinct names of the wiki, not with its events.

use super::Edit;
use indexmap::IndexSet;
use rustc_hash::FxBuildHasher;
use std::sync::Arc;

/// One project's names, numbered in the order they came (shared with the rows that name
/// them: [`super::rows`]).
type Set = IndexSet<Arc<str>, FxBuildHasher>;

/// The numbers of an edit's performer and page among its project's names (`None`: NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditIds {
    pub editor: Option<u32>,
    pub page: Option<u32>,
}

/// The user texts and page titles of each project number.
#[derive(Default)]
pub struct WikiNames {
    editors: Vec<Set>,
    pages: Vec<Set>,
}

impl WikiNames {
    /// The numbers of `edit`'s names in project number `project`, given one the first time.
    pub fn ids(&mut self, project: usize, edit: &Edit<'_>) -> EditIds {
        EditIds {
            editor: edit.user_text.as_deref().map(|n| id_of(&mut self.editors, project, n)),
            page: edit.page_title.as_deref().map(|n| id_of(&mut self.pages, project, n)),
        }
    }

    /// The user text of editor `id` of `project` (empty if it has none).
    pub fn editor(&self, project: usize, id: u32) -> &Arc<str> {
        name_of(&self.editors, project, id)
    }

    /// The title of page `id` of `project` (empty if it has none).
    pub fn page(&self, project: usize, id: u32) -> &Arc<str> {
        name_of(&self.pages, project, id)
    }
}

fn id_of(sets: &mut Vec<Set>, project: usize, name: &str) -> u32 {
    if sets.len() <= project {
        sets.resize_with(project + 1, Set::default);
    }
    let set = &mut sets[project];
    let at = match set.get_index_of(name) {
        Some(at) => at,
        None => set.insert_full(name.into()).0,
    };
    at as u32
}

fn name_of(sets: &[Set], project: usize, id: u32) -> &Arc<str> {
    static NONE: std::sync::OnceLock<Arc<str>> = std::sync::OnceLock::new();
    let name = sets.get(project).and_then(|set| set.get_index(id as usize));
    name.unwrap_or_else(|| NONE.get_or_init(|| "".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mediawiki_history::{PageType, UserType};
    use aqs_core::dates::Day;

    #[test]
    fn names_are_numbered_once_per_project_and_entity() {
        let edit = |user: Option<&'static str>, page: &'static str| Edit {
            day: Day::parse_compact("20240101").unwrap(),
            user_text: user.map(Into::into),
            user_type: UserType::User,
            page_title: Some(page.into()),
            page_type: PageType::Content,
            redirect: Some(false),
            bytes_diff: 0,
        };
        let mut names = WikiNames::default();
        let first = names.ids(0, &edit(Some("Ann"), "Ann"));
        assert_eq!(first, EditIds { editor: Some(0), page: Some(0) });
        assert_eq!(names.ids(0, &edit(Some("Bob"), "Ann")).editor, Some(1));
        assert_eq!(names.ids(0, &edit(Some("Ann"), "Ann")), first);
        assert_eq!(names.ids(0, &edit(None, "B")), EditIds { editor: None, page: Some(1) });
        assert_eq!(names.ids(1, &edit(Some("Bob"), "B")).editor, Some(0), "another project");
        let (bob, b) = (names.editor(0, 1), names.page(0, 1));
        assert_eq!((&**bob, &**b, &**names.editor(1, 0)), ("Bob", "B", "Bob"));
        assert_eq!(&**names.page(3, 0), "");
    }
}
