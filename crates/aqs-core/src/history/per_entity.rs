//! Edits and bytes difference of one page (by editor type) or one editor (by page type)
//! (api-contract §2.12, the `per-page` and `per-editor` routes), read from two entity tables
//! (stored like pageviews per article: one value per (page or editor, month)).
//!
//! - [`PER_PAGE`]: per (editor type, load, project, page title) and day: edits, bytes added
//!   and bytes removed (net = added − removed, absolute = added + removed; the store keeps
//!   unsigned counters). The groups are `all-editor-types` (the total), `user`, `anonymous`
//!   and `group-bot`; `name-bot` rows are kept beside them (the shape has room for four).
//! - [`PER_EDITOR`]: per (page type, load, project, user text) and day, the same numbers.
//! - [`LOADS`]: per snapshot, the number of the latest load of each project (`sub`), period the
//!   snapshot's month; families' top lists have numbers of their own there. The entity keys
//!   name their load (`2026-05.1764741234567`: a number unique to each load attempt), so a
//!   wiki loaded again writes beside the earlier load and readers switch with the batch that
//!   writes this row: what the earlier load wrote is no longer read, and is deleted then
//!   (`snapshots::forget_load`).
//!
//! Titles are stored with underscores for spaces, the namespace prefix included, and looked
//! up the same way: `User talk:A_b` (the reduced history's form) and `User_talk:A_b` (what the
//! original's lookup made of either) both find the page (docs/compatibility.md).

use super::request::EventMetric;
use super::rollups_of;
use crate::dates::{DruidRange, Period, check_druid_range};
use crate::error::{RequestError, StoreResult};
use crate::params::{ArticleGranularity, EditorType, PageType};
use crate::project::Project;
use crate::table::{Dataset, Numbers, SeriesEntry, Shape, TableDef, TableRead, ValueColumn};
use std::collections::BTreeMap;

/// The editor types stored in one value per (page, day); `name-bot` is kept beside them.
pub const EDITOR_GROUPS: &[&str] = &["all-editor-types", "user", "anonymous", "group-bot"];

/// The page types stored in one value per (editor, day).
pub const PAGE_GROUPS: &[&str] = &["all-page-types", "content", "non-content"];

const VALUES: &[ValueColumn] = &[
    ValueColumn::u64("edits"),
    ValueColumn::u64("bytes_added"),
    ValueColumn::u64("bytes_removed"),
];

/// Edits and bytes of a page per editor type and day.
pub static PER_PAGE: TableDef = TableDef {
    name: "history_per_page",
    dataset: Dataset::History,
    shape: Shape::Entity { groups: EDITOR_GROUPS },
    period_index: true,
    key: &["editor-type", "load", "project", "page-title"],
    sub: None,
    values: VALUES,
};

/// Edits and bytes of an editor per page type and day.
pub static PER_EDITOR: TableDef = TableDef {
    name: "history_per_editor",
    dataset: Dataset::History,
    shape: Shape::Entity { groups: PAGE_GROUPS },
    period_index: true,
    key: &["page-type", "load", "project", "user-text"],
    sub: None,
    values: VALUES,
};

/// The latest load of each project of a snapshot.
pub static LOADS: TableDef = TableDef {
    name: "history_loads",
    dataset: Dataset::History,
    shape: Shape::Series,
    period_index: true,
    key: &["snapshot"],
    sub: Some("project"),
    values: &[ValueColumn::u64("load")],
};

/// The `load` key part of a snapshot's load number `n`.
pub fn load_name(snapshot: &str, n: u64) -> String {
    format!("{snapshot}.{n}")
}

/// A title as stored and looked up: spaces as underscores.
pub fn stored_title(title: &str) -> std::borrow::Cow<'_, str> {
    match title.contains(' ') {
        true => std::borrow::Cow::Owned(title.replace(' ', "_")),
        false => std::borrow::Cow::Borrowed(title),
    }
}

/// The group (row of the stored day value) of an editor type in [`PER_PAGE`]: its place in
/// [`EDITOR_GROUPS`], `name-bot` after them.
pub fn editor_group(editor: EditorType) -> usize {
    match editor {
        EditorType::AllEditorTypes => 0,
        EditorType::User => 1,
        EditorType::Anonymous => 2,
        EditorType::GroupBot => 3,
        EditorType::NameBot => 4,
    }
}

/// The group of a page type in [`PER_EDITOR`]: its place in [`PAGE_GROUPS`].
pub fn page_group(page: PageType) -> usize {
    match page {
        PageType::AllPageTypes => 0,
        PageType::Content => 1,
        PageType::NonContent => 2,
    }
}

/// A metric of summed [`edit_numbers`] (edits, bytes added, bytes removed): edits, net
/// (added − removed) or absolute (added + removed) bytes difference.
pub fn metric_value(metric: EventMetric, [edits, added, removed]: [u64; 3]) -> i64 {
    let [edits, added, removed] = [edits, added, removed].map(|v| v.min(i64::MAX as u64) as i64);
    match metric {
        EventMetric::NetBytesDiff => added - removed,
        EventMetric::AbsBytesDiff => added.saturating_add(removed),
        _ => edits,
    }
}

/// What one edit adds to a page's or an editor's day: edits, bytes added, bytes removed.
pub fn edit_numbers(bytes_diff: i64) -> [u64; 3] {
    match bytes_diff >= 0 {
        true => [1, bytes_diff as u64, 0],
        false => [1, 0, bytes_diff.unsigned_abs()],
    }
}

/// Whose numbers a request reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// `per-page`: a page title, filtered by editor type.
    Page,
    /// `per-editor`: a user text, filtered by page type.
    Editor,
}

impl Subject {
    pub fn table(self) -> &'static TableDef {
        match self {
            Subject::Page => &PER_PAGE,
            Subject::Editor => &PER_EDITOR,
        }
    }
}

/// The path parameters of a per-page or per-editor route.
#[derive(Debug, Clone, Copy)]
pub struct PerEntityParams<'a> {
    pub project: &'a str,
    /// The page title or the user text, percent-decoded.
    pub name: &'a str,
    /// The editor type (per page) or the page type (per editor).
    pub filter: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

/// A validated per-page or per-editor request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerEntityRequest {
    pub subject: Subject,
    /// Edits, net or absolute bytes difference.
    pub metric: EventMetric,
    pub project: Project,
    /// As given (what the answer echoes).
    pub name: String,
    /// The editor type's or page type's value (`all-editor-types`, `content`, …).
    pub filter: &'static str,
    pub granularity: ArticleGranularity,
    pub range: DruidRange,
}

impl PerEntityRequest {
    /// Validates as AQS 1.0 does: the enums in route order, the project (`all-projects` and
    /// families allowed), then the range with the 367-day limit.
    pub fn parse(
        subject: Subject,
        metric: EventMetric,
        p: PerEntityParams<'_>,
    ) -> Result<Self, RequestError> {
        let filter = match subject {
            Subject::Page => EditorType::parse(p.filter)?.as_str(),
            Subject::Editor => PageType::parse(p.filter)?.as_str(),
        };
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let project = Project::normalize(p.project)?;
        let monthly = granularity == ArticleGranularity::Monthly;
        let range = check_druid_range(p.start, p.end, monthly, true)?;
        let name = p.name.to_string();
        Ok(PerEntityRequest { subject, metric, project, name, filter, granularity, range })
    }

    /// The fields of the answer's item before `results`, in the original's order.
    pub fn fields(&self) -> Vec<(&str, &str)> {
        let mut out = vec![("project", self.project.as_str())];
        match self.subject {
            Subject::Page => {
                out.push(("editor-type", self.filter));
                out.push(("page-title", &self.name));
            }
            Subject::Editor => {
                out.push(("page-type", self.filter));
                out.push(("user-text", &self.name));
            }
        }
        out.push(("granularity", self.granularity.as_str()));
        out
    }

    /// The metric's value in summed stored numbers.
    pub fn value(&self, n: &Numbers) -> i64 {
        metric_value(self.metric, [n.0[0], n.0[1], n.0[2]])
    }

    /// Whether the request's project covers `project` (a plain project, a family as the
    /// original's regex, `all-projects`; any other `all-…-projects` covers none).
    fn covers(&self, project: &str) -> bool {
        let asked = self.project.as_str();
        asked == project || rollups_of(project).iter().any(|r| r == asked)
    }

    /// The stored rows of the request in `snapshot` from day `first` to day `last`, summed
    /// over the projects it covers, per day.
    pub fn read<S: TableRead + ?Sized>(
        &self,
        store: &S,
        snapshot: &str,
        (first, last): (Period, Period),
    ) -> StoreResult<Vec<SeriesEntry>> {
        let month = super::request::parse_snapshot(snapshot).map(Period::Month);
        let Some(month) = month else { return Ok(Vec::new()) };
        let title = match self.subject {
            Subject::Page => stored_title(&self.name),
            Subject::Editor => std::borrow::Cow::Borrowed(self.name.as_str()),
        };
        let mut days: BTreeMap<Period, Numbers> = BTreeMap::new();
        for load in store.series(&LOADS, &[snapshot], month, month)? {
            // Rows of family lists (`all-…`) are not projects: no page is stored under them.
            if load.sub.starts_with("all-") || !self.covers(&load.sub) {
                continue;
            }
            let load_part = load_name(snapshot, load.values.0[0]);
            let key = [self.filter, load_part.as_str(), load.sub.as_str(), &title];
            for row in store.series(self.subject.table(), &key, first, last)? {
                let sum = days.entry(row.period).or_default();
                for (s, v) in sum.0.iter_mut().zip(row.values.0) {
                    *s = s.saturating_add(v);
                }
            }
        }
        Ok(days
            .into_iter()
            .map(|(period, values)| SeriesEntry { period, sub: String::new(), values })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(start: &'a str, end: &'a str) -> PerEntityParams<'a> {
        PerEntityParams {
            project: "en.wikipedia",
            name: "User talk:Foo",
            filter: "all-editor-types",
            granularity: "daily",
            start,
            end,
        }
    }

    #[test]
    fn ranges_over_367_days_are_refused_with_the_original_message() {
        let parse = |s, e| PerEntityRequest::parse(Subject::Page, EventMetric::Edits, params(s, e));
        assert!(parse("20160101", "20170102").is_ok(), "367 days");
        let e = format!("{:?}", parse("20160101", "20170103").unwrap_err());
        assert!(e.contains("Query timespan is too long (max: ) 31708800 seconds"), "{e}");
        let mut p = params("20160101", "20160102");
        p.filter = "content";
        let e = format!("{:?}", PerEntityRequest::parse(Subject::Page, EventMetric::Edits, p));
        assert!(e.contains("editor-type"), "{e}");
        let r = PerEntityRequest::parse(Subject::Editor, EventMetric::Edits, p).unwrap();
        assert_eq!(
            r.fields(),
            [
                ("project", "en.wikipedia"),
                ("page-type", "content"),
                ("user-text", "User talk:Foo"),
                ("granularity", "daily")
            ]
        );
    }

    #[test]
    fn groups_are_the_places_of_their_names() {
        for e in EditorType::ALL {
            let g = editor_group(*e);
            let expected = EDITOR_GROUPS.get(g).copied().unwrap_or("name-bot");
            assert_eq!(expected, e.as_str());
        }
        for p in PageType::ALL {
            assert_eq!(PAGE_GROUPS[page_group(*p)], p.as_str());
        }
        for (i, slice) in super::super::top_lists::BASE_SLICES.iter().enumerate() {
            assert_eq!(super::super::top_lists::base_index(*slice), Some(i));
        }
    }

    #[test]
    fn bytes_are_kept_as_added_and_removed() {
        let r = PerEntityRequest::parse(
            Subject::Page,
            EventMetric::NetBytesDiff,
            params("20160101", "20160102"),
        )
        .unwrap();
        let mut sum = Numbers::default();
        for diff in [120, -300, 0, 45] {
            for (s, v) in sum.0.iter_mut().zip(edit_numbers(diff)) {
                *s += v;
            }
        }
        assert_eq!(r.value(&sum), 120 - 300 + 45);
        let abs = PerEntityRequest { metric: EventMetric::AbsBytesDiff, ..r.clone() };
        assert_eq!(abs.value(&sum), 120 + 300 + 45);
        let edits = PerEntityRequest { metric: EventMetric::Edits, ..r };
        assert_eq!(edits.value(&sum), 4);
        assert_eq!(stored_title("User talk:A b"), "User_talk:A_b");
    }
}
