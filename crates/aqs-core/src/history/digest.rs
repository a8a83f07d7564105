//! The digest metrics (api-contract §2.13, §2.14; the "digest mode" of §2.11): how many
//! editors edited, and how many pages were edited, in a day or a month, by activity level.
//!
//! The refinery writes one digest row per (project, period, editor or page) and grouping set
//! of {editor type, all} × {page type, all}, its `revisions` the edits in that slice; a
//! request counts the rows of its slice whose edits fall in its activity level. [`DIGESTS`]
//! keeps those counts per activity level, so a request reads one key.

use super::request::render_series;
use crate::dates::{DruidRange, Period, check_druid_range};
use crate::error::RequestError;
use crate::params::{ActivityLevel, ArticleGranularity, EditorType, PageType};
use crate::project::Project;
use crate::table::{Dataset, Numbers, Shape, TableDef, ValueColumn};

/// Per (snapshot, project, `editors` or `pages`, editor type, page type) and day or month: the
/// editors (pages) with 1–4, 5–24, 25–99 and 100 or more edits in that slice and period.
pub static DIGESTS: TableDef = TableDef {
    name: "history_digests",
    dataset: Dataset::History,
    shape: Shape::Series,
    // Rows go a snapshot at a time (its first key part), never by period.
    period_index: false,
    key: &["snapshot", "project", "entity", "editor-type", "page-type"],
    sub: None,
    values: &[
        ValueColumn::u64("1..4-edits"),
        ValueColumn::u64("5..24-edits"),
        ValueColumn::u64("25..99-edits"),
        ValueColumn::u64("100..-edits"),
    ],
};

/// What a digest counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DigestEntity {
    Editors,
    Pages,
}

impl DigestEntity {
    /// The key part of [`DIGESTS`].
    pub fn key(self) -> &'static str {
        match self {
            DigestEntity::Editors => "editors",
            DigestEntity::Pages => "pages",
        }
    }

    /// The results' field.
    pub fn field(self) -> &'static str {
        match self {
            DigestEntity::Editors => "editors",
            DigestEntity::Pages => "edited_pages",
        }
    }
}

/// The activity level (the slot of [`DIGESTS`]'s values) of an editor or page with `edits`
/// edits in a period: the original's regular expressions over the number.
pub fn level_of(edits: u64) -> usize {
    match edits {
        0..=4 => 0,
        5..=24 => 1,
        25..=99 => 2,
        _ => 3,
    }
}

/// The path parameters of `editors/aggregate` and `edited-pages/aggregate`.
#[derive(Debug, Clone, Copy)]
pub struct DigestParams<'a> {
    pub project: &'a str,
    pub editor_type: &'a str,
    pub page_type: &'a str,
    pub activity_level: &'a str,
    pub granularity: &'a str,
    pub start: &'a str,
    pub end: &'a str,
}

/// A validated digest request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestRequest {
    pub entity: DigestEntity,
    pub project: Project,
    pub editor_type: EditorType,
    pub page_type: PageType,
    pub activity_level: ActivityLevel,
    pub granularity: ArticleGranularity,
    pub range: DruidRange,
}

impl DigestRequest {
    /// Validates as AQS 1.0 does: the enums in the route's order, the project (`all-...`
    /// refused, §7 item 12), then the range (Druid rules).
    pub fn parse(entity: DigestEntity, p: DigestParams<'_>) -> Result<Self, RequestError> {
        let editor_type = EditorType::parse(p.editor_type)?;
        let page_type = PageType::parse(p.page_type)?;
        let activity_level = ActivityLevel::parse(p.activity_level)?;
        let granularity = ArticleGranularity::parse(p.granularity)?;
        let project = Project::normalize_no_all(p.project)?;
        let monthly = granularity == ArticleGranularity::Monthly;
        let range = check_druid_range(p.start, p.end, monthly, false)?;
        Ok(DigestRequest {
            entity,
            project,
            editor_type,
            page_type,
            activity_level,
            granularity,
            range,
        })
    }

    /// The stored key in `snapshot`.
    pub fn key(&self, snapshot: &str) -> Vec<String> {
        vec![
            snapshot.to_string(),
            self.project.as_str().to_string(),
            self.entity.key().to_string(),
            self.editor_type.as_str().to_string(),
            self.page_type.as_str().to_string(),
        ]
    }

    /// The count a stored row gives for the request's activity level.
    pub fn value(&self, n: &Numbers) -> u64 {
        match self.activity_level {
            ActivityLevel::AllActivityLevels => n.0.iter().sum(),
            ActivityLevel::OneTo4 => n.0[0],
            ActivityLevel::FiveTo24 => n.0[1],
            ActivityLevel::TwentyFiveTo99 => n.0[2],
            ActivityLevel::HundredOrMore => n.0[3],
        }
    }

    /// The periods the results list (zero-filled), as for the event-mode routes.
    pub fn periods(&self) -> Vec<Period> {
        super::request::periods_of(self.granularity, self.range)
    }

    /// The answer: one item, the request's fields in the original's order, then the results.
    /// `value_of` gives `None` for a period that is not loaded (written `null`).
    pub fn render(&self, periods: &[Period], value_of: &dyn Fn(Period) -> Option<u64>) -> String {
        let fields = [
            ("project", self.project.as_str()),
            ("editor-type", self.editor_type.as_str()),
            ("page-type", self.page_type.as_str()),
            ("activity-level", self.activity_level.as_str()),
            ("granularity", self.granularity.as_str()),
        ];
        render_series(&fields, self.entity.field(), periods, &|p| value_of(p).map(|v| v as i64))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params<'a>(project: &'a str, level: &'a str) -> DigestParams<'a> {
        DigestParams {
            project,
            editor_type: "all-editor-types",
            page_type: "content",
            activity_level: level,
            granularity: "daily",
            start: "20240101",
            end: "20240103",
        }
    }

    #[test]
    fn activity_levels_are_the_original_regular_expressions() {
        let levels: Vec<usize> =
            [1, 4, 5, 24, 25, 99, 100, 12_345].into_iter().map(level_of).collect();
        assert_eq!(levels, [0, 0, 1, 1, 2, 2, 3, 3]);
    }

    #[test]
    fn digests_refuse_all_projects_and_read_their_level() {
        let e = DigestRequest::parse(DigestEntity::Editors, params("all-projects", "5..24-edits"))
            .unwrap_err();
        assert!(format!("{e:?}").contains("`all-...` project values are not accepted"), "{e:?}");
        let e = DigestRequest::parse(DigestEntity::Editors, params("en.wikipedia", "3..47-edits"))
            .unwrap_err();
        assert!(format!("{e:?}").contains("activity-level"), "{e:?}");
        let r =
            DigestRequest::parse(DigestEntity::Pages, params("en.wikipedia.org", "5..24-edits"))
                .unwrap();
        let n = Numbers::counters(&[7, 3, 2, 1]);
        assert_eq!(r.value(&n), 3);
        let all = DigestRequest { activity_level: ActivityLevel::AllActivityLevels, ..r.clone() };
        assert_eq!(all.value(&n), 13);
        assert_eq!(
            r.key("2026-05"),
            ["2026-05", "en.wikipedia", "pages", "all-editor-types", "content"]
        );
        let body = r.render(&r.periods(), &|_| Some(4));
        assert!(body.starts_with("{\"items\":[{\"project\":\"en.wikipedia\",\"editor-type\":\"all-editor-types\",\"page-type\":\"content\",\"activity-level\":\"5..24-edits\",\"granularity\":\"daily\",\"results\":[{\"timestamp\":\"2024-01-01T00:00:00.000Z\",\"edited_pages\":4},"), "{body}");
    }
}
