//! The top lists of the MediaWiki history (api-contract §2.13, §2.14):
//! `editors/top-by-{edits,net-bytes-difference,absolute-bytes-difference}` and
//! `edited-pages/top-by-…`, the 100 editors (pages) with the most edits, net or absolute bytes
//! difference in a day or a month, for a project and an editor type and page type.
//!
//! [`TOPS`] keeps, per period, the names that can be in a list with their numbers per base
//! slice ([`super::top_lists`]), keyed by the wiki's load like the per-page tables
//! (`per_entity`), so a reload switches lists with the batch that writes them; a request
//! ranks the list it asks for from them. Family and `all-projects` candidates are merged from
//! their projects' at activation (their load numbers in `history_loads` too): a name that is
//! not a candidate in a wiki is not counted for it, as Druid's topN over segments was
//! approximate. As the Druid query, the lists count every revision, deleted pages' too.

use super::per_entity::{LOADS, load_name, metric_value};
use super::request::{EventMetric, druid_timestamp, parse_snapshot};
use super::top_lists::{read_candidates, slice_numbers};
use crate::dates::{Period, TopPeriod, check_year_month_day};
use crate::error::{RequestError, StoreResult};
use crate::params::{EditorType, PageType};
use crate::project::Project;
use crate::table::{Dataset, Shape, TableDef, TableRead, ValueColumn};

/// How long a list is.
pub const TOP_SIZE: usize = 100;

/// The stored name of a NULL user text or page title (no MediaWiki name holds it).
pub const NULL_NAME: &str = "\u{0}";

/// Per (load, project, editors or pages, base slice `user/content`) and day or month: the
/// candidates (`sub` the name), their edits, bytes added and bytes removed in the slice.
pub static TOPS: TableDef = TableDef {
    name: "history_tops",
    dataset: Dataset::History,
    shape: Shape::Ranked,
    // Replaced a load at a time (its first key part), never by period.
    period_index: false,
    key: &["load", "project", "entity", "slice"],
    sub: Some("name"),
    values: &[
        ValueColumn::u64("edits"),
        ValueColumn::u64("bytes_added"),
        ValueColumn::u64("bytes_removed"),
    ],
};

/// Whose list: editors (by user text) or edited pages (by page title).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TopEntity {
    Editors,
    Pages,
}

impl TopEntity {
    pub const ALL: [TopEntity; 2] = [TopEntity::Editors, TopEntity::Pages];

    /// The key part, and the route's first segment.
    pub fn key(self) -> &'static str {
        match self {
            TopEntity::Editors => "editors",
            TopEntity::Pages => "edited-pages",
        }
    }

    /// The entries' name field.
    pub fn dimension(self) -> &'static str {
        match self {
            TopEntity::Editors => "user_text",
            TopEntity::Pages => "page_title",
        }
    }
}

/// The three metrics a list ranks by.
pub const TOP_METRICS: [EventMetric; 3] =
    [EventMetric::Edits, EventMetric::NetBytesDiff, EventMetric::AbsBytesDiff];

/// The first [`TOP_SIZE`] of `(name, value)` entries, by value (highest first), then name;
/// ranks are positions (ties get distinct ranks, as Druid's topN).
pub fn ranked(mut entries: Vec<(String, i64)>) -> Vec<(String, i64)> {
    let order = |a: &(String, i64), b: &(String, i64)| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0));
    if entries.len() > TOP_SIZE {
        entries.select_nth_unstable_by(TOP_SIZE - 1, order);
        entries.truncate(TOP_SIZE);
    }
    entries.sort_unstable_by(order);
    entries
}

/// The path parameters of a top route.
#[derive(Debug, Clone, Copy)]
pub struct TopParams<'a> {
    pub project: &'a str,
    pub editor_type: &'a str,
    pub page_type: &'a str,
    pub year: &'a str,
    pub month: &'a str,
    pub day: &'a str,
}

/// A validated top request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopRequest {
    pub entity: TopEntity,
    pub metric: EventMetric,
    pub project: Project,
    pub editor_type: EditorType,
    pub page_type: PageType,
    /// `None`: a valid date spelled without zero padding, which finds nothing.
    pub period: Option<TopPeriod>,
}

impl TopRequest {
    /// Validates as AQS 1.0 does: the enums, the project (`all-projects` and families
    /// allowed), then the date (`Given year/month/day is invalid date`).
    pub fn parse(
        entity: TopEntity,
        metric: EventMetric,
        p: TopParams<'_>,
    ) -> Result<Self, RequestError> {
        let editor_type = EditorType::parse(p.editor_type)?;
        let page_type = PageType::parse(p.page_type)?;
        let project = Project::normalize(p.project)?;
        let period = check_year_month_day(p.year, p.month, p.day)?;
        Ok(TopRequest { entity, metric, project, editor_type, page_type, period })
    }

    /// The stored period of the request.
    pub fn stored_period(&self) -> Option<Period> {
        self.period.map(|p| match p {
            TopPeriod::Day(d) => Period::Day(d),
            TopPeriod::Month(m) => Period::Month(m),
        })
    }

    /// The list in `snapshot`, by rank: (name, value); `None` for a NULL name.
    pub fn read<S: TableRead + ?Sized>(
        &self,
        store: &S,
        snapshot: &str,
    ) -> StoreResult<Vec<(Option<String>, i64)>> {
        let (Some(period), Some(month)) = (self.stored_period(), parse_snapshot(snapshot)) else {
            return Ok(Vec::new());
        };
        let month = Period::Month(month);
        let project = self.project.as_str();
        let loads = store.series(&LOADS, &[snapshot], month, month)?;
        let Some(load) = loads.iter().find(|l| l.sub == project) else { return Ok(Vec::new()) };
        let load = load_name(snapshot, load.values.0[0]);
        let slice = (self.editor_type, self.page_type);
        let found = read_candidates(store, (&load, project, self.entity), slice, (period, period))?;
        let entries = found
            .into_iter()
            .filter_map(|((_, name), c)| {
                slice_numbers(&c, slice).map(|n| (name, metric_value(self.metric, n)))
            })
            .collect();
        Ok(ranked(entries)
            .into_iter()
            .map(|(name, value)| ((name != NULL_NAME).then_some(name), value))
            .collect())
    }

    /// The answer: one item, one result when the list has entries (Druid's topN answered
    /// no bucket for no rows). Editors' IP addresses are given as `null`.
    pub fn render(&self, list: &[(Option<String>, i64)]) -> String {
        let granularity = match self.period {
            Some(TopPeriod::Month(_)) => "monthly",
            _ => "daily",
        };
        let text = |s: &str| serde_json::Value::from(s).to_string();
        let mut out = format!(
            "{{\"items\":[{{\"project\":{},\"editor-type\":{},\"page-type\":{},\"granularity\":\"{granularity}\",\"results\":[",
            text(self.project.as_str()),
            text(self.editor_type.as_str()),
            text(self.page_type.as_str())
        );
        if let (Some(period), false) = (self.stored_period(), list.is_empty()) {
            out.push_str(&format!("{{\"timestamp\":\"{}\",\"top\":[", druid_timestamp(period)));
            for (i, (name, value)) in list.iter().enumerate() {
                let hidden = self.entity == TopEntity::Editors
                    && name.as_deref().is_some_and(|n| n.parse::<std::net::IpAddr>().is_ok());
                let name = match (name, hidden) {
                    (Some(n), false) => text(n),
                    _ => "null".to_string(),
                };
                let comma = if i > 0 { "," } else { "" };
                out.push_str(&format!(
                    "{comma}{{\"{}\":{name},\"{}\":{value},\"rank\":{}}}",
                    self.entity.dimension(),
                    self.metric.field(),
                    i + 1
                ));
            }
            out.push_str("]}");
        }
        out.push_str("]}]}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_the_first_hundred_by_value_then_name() {
        let entries: Vec<(String, i64)> =
            (0..250).map(|i| (format!("n{i:03}"), (i % 7) as i64 - 3)).collect();
        // The same by a whole sort.
        let mut sorted = entries.clone();
        sorted.sort_by_key(|(name, value)| (-value, name.clone()));
        sorted.truncate(TOP_SIZE);
        let list = ranked(entries);
        assert_eq!(list, sorted);
        assert_eq!(list[0], ("n006".to_string(), 3));
        assert_eq!(list.iter().filter(|e| e.1 == 1).count(), 30, "35 threes, 35 twos, 30 ones");
    }

    #[test]
    fn editors_given_as_ip_addresses_are_null_and_ranks_are_positions() {
        let params = TopParams {
            project: "en.wikipedia",
            editor_type: "all-editor-types",
            page_type: "content",
            year: "2024",
            month: "03",
            day: "all-days",
        };
        let r = TopRequest::parse(TopEntity::Editors, EventMetric::Edits, params).unwrap();
        let list = [
            (Some("Foo".to_string()), 5),
            (Some("192.0.2.7".to_string()), 5),
            (Some("2001:db8::1".to_string()), 1),
            (None, 1),
        ];
        assert_eq!(
            r.render(&list),
            "{\"items\":[{\"project\":\"en.wikipedia\",\"editor-type\":\"all-editor-types\",\"page-type\":\"content\",\"granularity\":\"monthly\",\"results\":[{\"timestamp\":\"2024-03-01T00:00:00.000Z\",\"top\":[{\"user_text\":\"Foo\",\"edits\":5,\"rank\":1},{\"user_text\":null,\"edits\":5,\"rank\":2},{\"user_text\":null,\"edits\":1,\"rank\":3},{\"user_text\":null,\"edits\":1,\"rank\":4}]}]}]}"
        );
        let pages = TopRequest { entity: TopEntity::Pages, ..r.clone() };
        assert!(
            pages.render(&list).contains("{\"page_title\":\"192.0.2.7\",\"edits\":5,\"rank\":2}")
        );
        assert!(r.render(&[]).ends_with("\"results\":[]}]}"));
        let bad = TopParams { day: "32", ..params };
        let e = format!("{:?}", TopRequest::parse(TopEntity::Pages, EventMetric::Edits, bad));
        assert!(e.contains("Given year/month/day is invalid date"), "{e}");
    }
}
