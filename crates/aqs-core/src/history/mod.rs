//! The MediaWiki history families (api-contract §2.11–2.14): edits, bytes difference,
//! editors, edited pages and registered users, computed from the `mediawiki_history` dumps
//! (data-formats §5.8) and kept per **snapshot** (`YYYY-MM`, the last month a dump covers).
//!
//! Every table's first key part is the snapshot, so several snapshots live side by side and
//! switching between them is one write of [`ACTIVE`]. The tables:
//! - [`EVENTS`]: per (snapshot, project, editor type, page type) and day or month: edits,
//!   net and absolute bytes difference, new pages. Every filter value is stored, the `all-*`
//!   ones included, so that a request reads one key. Project families and `all-projects` are
//!   written when a snapshot is activated, from its wikis' rows.
//! - [`NEW_USERS`]: per (snapshot, project) and day or month: new registered users.
//! - the digests, [`digest::DIGESTS`]: per (snapshot, project, editors or pages, editor
//!   type, page type) and day or month: the editors (pages) per activity level.
//! - [`WIKIS`]: what each load of a wiki into a snapshot held (for `aqs snapshot list`).
//! - [`ACTIVE`]: the activations, one row per snapshot with the order of its last
//!   activation; the active snapshot is the one activated last.
//! - per page and per editor ([`per_entity`]), and the top-list candidates
//!   ([`top`], [`top_lists`]): keyed by a wiki's load, which `history_loads` names per
//!   snapshot and project; [`attempts::ATTEMPTS`] records the loads a process may leave
//!   behind if it dies, so that the next load deletes them.

pub mod attempts;
pub mod check;
pub mod digest;
pub mod per_entity;
pub mod request;
pub mod snapshots;
pub mod top;
pub mod top_lists;

use crate::dates::{Period, YearMonth};
use crate::table::{Dataset, Numbers, Shape, TableDef, ValueColumn};

/// Edits, bytes difference and new pages per (snapshot, project, editor type, page type).
pub static EVENTS: TableDef = TableDef {
    name: "history_events",
    dataset: Dataset::History,
    shape: Shape::Series,
    // Rows go a snapshot at a time (its first key part), never by period.
    period_index: false,
    key: &["snapshot", "project", "editor-type", "page-type"],
    sub: None,
    values: &[
        ValueColumn::u64("edits"),
        // A signed sum, kept as the bits of an i64 (`EventCounts::numbers`).
        ValueColumn::u64("net_bytes_diff"),
        ValueColumn::u64("abs_bytes_diff"),
        ValueColumn::u64("new_pages"),
    ],
};

/// New registered users (self-created accounts) per (snapshot, project).
pub static NEW_USERS: TableDef = TableDef {
    name: "history_new_users",
    dataset: Dataset::History,
    shape: Shape::Series,
    // Rows go a snapshot at a time (its first key part), never by period.
    period_index: false,
    key: &["snapshot", "project"],
    sub: None,
    values: &[ValueColumn::u64("new_registered_users")],
};

/// One row per load of a wiki into a snapshot, on the day it was loaded: its lines and
/// events, and the days its events span.
pub static WIKIS: TableDef = TableDef {
    name: "history_wikis",
    dataset: Dataset::History,
    shape: Shape::Series,
    period_index: true,
    key: &["snapshot", "wiki"],
    sub: None,
    values: &[
        ValueColumn::u64("lines"),
        ValueColumn::u64("events"),
        ValueColumn::u64("first_day"),
        ValueColumn::u64("last_day"),
    ],
};

/// The activations: key `active`, the snapshot's month as the period, the activation's
/// order (1, 2, …), the time it happened (seconds since 1970), and the days the snapshot's
/// data covers (its first month with events to its last day, as days since 1970 plus one).
pub static ACTIVE: TableDef = TableDef {
    name: "history_active",
    dataset: Dataset::History,
    shape: Shape::Series,
    period_index: true,
    key: &["active"],
    sub: None,
    values: &[
        ValueColumn::u64("order"),
        ValueColumn::u64("at"),
        ValueColumn::u64("first_day"),
        ValueColumn::u64("last_day"),
    ],
};

/// The single key of [`ACTIVE`].
pub const ACTIVE_KEY: &str = "active";

/// The months snapshots may name: a read of [`ACTIVE`] covers them all.
pub fn snapshot_months() -> (Period, Period) {
    let first =
        YearMonth::new(2001, 1).map_or(Period::Month(YearMonth::from_index(0)), Period::Month);
    let last = YearMonth::new(9999, 12).map_or(first, Period::Month);
    (first, last)
}

/// The days reads of a whole table or key cover (1970 to the year 9999).
pub fn all_days() -> (Period, Period) {
    let last =
        YearMonth::new(9999, 12).map_or(crate::dates::Day::from_epoch_days(0), |m| m.last_day());
    (Period::Day(crate::dates::Day::from_epoch_days(0)), Period::Day(last))
}

/// The days and the months reads of a whole key cover (1970 to the year 9999).
pub fn all_days_and_months() -> ((Period, Period), (Period, Period)) {
    let (first, last) = all_days();
    let month = |p: Period| match p {
        Period::Day(d) => Period::Month(d.year_month()),
        other => other,
    };
    ((first, last), (month(first), month(last)))
}

/// What [`EVENTS`] holds for one key and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EventCounts {
    pub edits: u64,
    pub net_bytes_diff: i64,
    pub abs_bytes_diff: u64,
    pub new_pages: u64,
}

impl EventCounts {
    pub fn numbers(self) -> Numbers {
        Numbers::counters(&[
            self.edits,
            self.net_bytes_diff as u64,
            self.abs_bytes_diff,
            self.new_pages,
        ])
    }

    pub fn from_numbers(n: &Numbers) -> EventCounts {
        EventCounts {
            edits: n.0[0],
            net_bytes_diff: n.0[1] as i64,
            abs_bytes_diff: n.0[2],
            new_pages: n.0[3],
        }
    }

    pub fn add(&mut self, other: EventCounts) {
        self.edits += other.edits;
        self.net_bytes_diff += other.net_bytes_diff;
        self.abs_bytes_diff += other.abs_bytes_diff;
        self.new_pages += other.new_pages;
    }
}

/// The project families whose `all-<family>-projects` rows activation writes
/// (api-contract §2.11: a project `<name>.<family>`).
pub const FAMILIES: [&str; 8] = [
    "wikipedia",
    "wikivoyage",
    "wiktionary",
    "wikibooks",
    "wikinews",
    "wikiquote",
    "wikisource",
    "wikiversity",
];

/// The roll-up projects a project's rows count in: its family's (when it has one, matched as
/// the original's regex `^[a-z0-9-]+\.<family>$`) and `all-projects`.
pub fn rollups_of(project: &str) -> Vec<String> {
    let mut out = Vec::with_capacity(2);
    if let Some((name, family)) = project.split_once('.') {
        let name_ok = !name.is_empty()
            && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if name_ok && FAMILIES.contains(&family) {
            out.push(format!("all-{family}-projects"));
        }
    }
    out.push("all-projects".to_string());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_roll_up_into_their_family_and_all_projects() {
        assert_eq!(rollups_of("en.wikipedia"), ["all-wikipedia-projects", "all-projects"]);
        assert_eq!(
            rollups_of("zh-min-nan.wiktionary"),
            ["all-wiktionary-projects", "all-projects"]
        );
        assert_eq!(rollups_of("commons.wikimedia"), ["all-projects"]);
        assert_eq!(rollups_of("wikidata"), ["all-projects"]);
        assert_eq!(rollups_of("en.wikipedia.beta"), ["all-projects"]);
    }

    #[test]
    fn net_bytes_keep_their_sign_through_storage() {
        let counts =
            EventCounts { edits: 3, net_bytes_diff: -1234, abs_bytes_diff: 2000, new_pages: 1 };
        assert_eq!(EventCounts::from_numbers(&counts.numbers()), counts);
    }
}
