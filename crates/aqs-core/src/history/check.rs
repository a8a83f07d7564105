//! The quality check of a snapshot against an earlier one, before it is served (what the
//! original's pipeline checks between two snapshots). History only grows: per project and
//! month, edits, new pages, new registered users and editors may grow a little (late
//! imports, undeletions) or shrink a little (deletions), but a month that shrinks or jumps
//! beyond the bounds, a project that disappears, or a project whose latest month is missing
//! points at a broken dump or load.

use super::digest::DIGESTS;
use super::snapshots::name;
use super::{EVENTS, NEW_USERS, snapshot_months};
use crate::dates::{Period, YearMonth};
use crate::error::StoreResult;
use crate::table::{SeriesRow, TableWrite};
use std::collections::{BTreeMap, BTreeSet};

/// How far a month may move between two snapshots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bounds {
    /// The largest share a month may lose (0.05: 5 %).
    pub max_shrink: f64,
    /// The largest share a past month may gain (0.5: 50 %).
    pub max_growth: f64,
    /// Months with fewer than this in both snapshots are not compared (small numbers move).
    pub min_count: u64,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds { max_shrink: 0.05, max_growth: 0.5, min_count: 100 }
    }
}

/// One finding of the check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Problem {
    /// A project of the earlier snapshot has no rows in this one.
    ProjectMissing { project: String },
    /// A project that had edits in the earlier snapshot's last month has none in this one's.
    LatestMonthMissing { project: String, month: YearMonth },
    /// A month's number moved beyond the bounds.
    Moved { project: String, month: YearMonth, metric: &'static str, before: u64, after: u64 },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::ProjectMissing { project } => {
                write!(f, "{project}: no rows (the earlier snapshot has some)")
            }
            Problem::LatestMonthMissing { project, month } => {
                write!(
                    f,
                    "{project}: no edits in {month} (the last month of the earlier snapshot had some)"
                )
            }
            Problem::Moved { project, month, metric, before, after } => {
                write!(f, "{project} {month}: {metric} {before} -> {after}")
            }
        }
    }
}

/// The numbers compared: per (project, month, metric).
pub type Numbers = BTreeMap<(String, YearMonth, &'static str), u64>;

/// What the check found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub snapshot: YearMonth,
    pub against: YearMonth,
    pub projects: usize,
    pub compared: usize,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    /// The report as a monitoring job reads it.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "snapshot": name(self.snapshot),
            "against": name(self.against),
            "ok": self.ok(),
            "projects": self.projects,
            "months_compared": self.compared,
            "problems": self.problems.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        })
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verdict = if self.ok() { "passed" } else { "FAILED" };
        writeln!(
            f,
            "check of {} against {}: {verdict} ({} projects, {} project-months compared, {} problems)",
            self.snapshot,
            self.against,
            self.projects,
            self.compared,
            self.problems.len()
        )?;
        for problem in &self.problems {
            writeln!(f, "  {problem}")?;
        }
        Ok(())
    }
}

/// A snapshot's monthly numbers per project (no `all-...` roll-ups).
pub fn numbers<S: TableWrite + ?Sized>(store: &S, snapshot: YearMonth) -> StoreResult<Numbers> {
    let (first, last) = snapshot_months();
    let wanted = name(snapshot);
    let mut out = Numbers::new();
    let mut put = |row: &SeriesRow, metric: &'static str, value: u64| {
        if let Period::Month(month) = row.period {
            if row.key[0] == wanted && !row.key[1].starts_with("all-") && value > 0 {
                *out.entry((row.key[1].clone(), month, metric)).or_default() += value;
            }
        }
    };
    let all = |key: &[String]| key.ends_with(&["all-editor-types".into(), "all-page-types".into()]);
    for row in store.scan_series(&EVENTS, first, last)? {
        if all(&row.key) {
            put(&row, "edits", row.values.0[0]);
            put(&row, "new pages", row.values.0[3]);
        }
    }
    for row in store.scan_series(&NEW_USERS, first, last)? {
        put(&row, "new registered users", row.values.0[0]);
    }
    for row in store.scan_series(&DIGESTS, first, last)? {
        if row.key[2] == "editors" && all(&row.key) {
            put(&row, "editors", row.values.0.iter().sum());
        }
    }
    Ok(out)
}

/// Compares `after` (the snapshot checked) with `before` (an earlier one).
pub fn compare(
    (snapshot, after): (YearMonth, &Numbers),
    (against, before): (YearMonth, &Numbers),
    bounds: Bounds,
) -> Report {
    let projects = |n: &Numbers| n.keys().map(|k| k.0.clone()).collect::<BTreeSet<_>>();
    let (had, has) = (projects(before), projects(after));
    let mut problems: Vec<Problem> = had
        .difference(&has)
        .map(|project| Problem::ProjectMissing { project: project.clone() })
        .collect();
    for project in had.intersection(&has) {
        let edits_in = |n: &Numbers, m: YearMonth| n.get(&(project.clone(), m, "edits")).copied();
        if edits_in(before, against).is_some() && edits_in(after, snapshot).is_none() {
            problems
                .push(Problem::LatestMonthMissing { project: project.clone(), month: snapshot });
        }
    }
    let mut compared = BTreeSet::new();
    let keys: BTreeSet<_> = before.keys().chain(after.keys()).filter(|k| k.1 <= against).collect();
    for key in keys {
        let (project, month, metric) = key;
        if !has.contains(project) {
            continue;
        }
        let b = before.get(key).copied().unwrap_or(0);
        let a = after.get(key).copied().unwrap_or(0);
        if b.max(a) < bounds.min_count {
            continue;
        }
        compared.insert((project.clone(), *month));
        let shrunk = (a as f64) < b as f64 * (1.0 - bounds.max_shrink);
        let jumped = a as f64 > b as f64 * (1.0 + bounds.max_growth);
        if shrunk || jumped {
            problems.push(Problem::Moved {
                project: project.clone(),
                month: *month,
                metric,
                before: b,
                after: a,
            });
        }
    }
    problems.sort();
    Report { snapshot, against, projects: has.len(), compared: compared.len(), problems }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(m: u8) -> YearMonth {
        YearMonth::new(2024, m).unwrap()
    }

    fn numbers(rows: &[(&str, u8, &'static str, u64)]) -> Numbers {
        rows.iter().map(|&(p, m, metric, n)| ((p.to_string(), month(m), metric), n)).collect()
    }

    #[test]
    fn a_snapshot_that_grows_a_month_passes() {
        let before =
            numbers(&[("en.wikipedia", 1, "edits", 1000), ("en.wikipedia", 2, "edits", 1100)]);
        let after = numbers(&[
            ("en.wikipedia", 1, "edits", 990),
            ("en.wikipedia", 2, "edits", 1120),
            ("en.wikipedia", 3, "edits", 1200),
        ]);
        let report = compare((month(3), &after), (month(2), &before), Bounds::default());
        assert!(report.ok(), "{report}");
        assert_eq!(report.compared, 2);
    }

    #[test]
    fn shrinking_jumping_disappearing_and_missing_months_fail() {
        let before = numbers(&[
            ("en.wikipedia", 1, "edits", 1000),
            ("en.wikipedia", 2, "editors", 500),
            ("de.wikipedia", 2, "edits", 300),
            ("fr.wiktionary", 2, "edits", 200),
            ("yo.wikipedia", 1, "edits", 5),
        ]);
        let after = numbers(&[
            ("en.wikipedia", 1, "edits", 900),
            ("en.wikipedia", 2, "editors", 800),
            ("en.wikipedia", 3, "edits", 10),
            ("de.wikipedia", 2, "edits", 300),
            ("de.wikipedia", 3, "edits", 310),
            ("yo.wikipedia", 1, "edits", 1),
        ]);
        let report = compare((month(3), &after), (month(2), &before), Bounds::default());
        let text = report.to_string();
        assert!(text.starts_with("check of 2024-03 against 2024-02: FAILED (3 projects"), "{text}");
        assert!(text.contains("fr.wiktionary: no rows"), "{text}");
        assert!(text.contains("en.wikipedia 2024-01: edits 1000 -> 900"), "{text}");
        assert!(text.contains("en.wikipedia 2024-02: editors 500 -> 800"), "{text}");
        assert!(!text.contains("yo.wikipedia"), "below the least count: {text}");
        assert_eq!(report.problems.len(), 3, "{text}");
        assert_eq!(report.json()["ok"], false);
        let missing = numbers(&[("de.wikipedia", 2, "edits", 300)]);
        let report = compare((month(3), &missing), (month(2), &before), Bounds::default());
        assert!(report.to_string().contains("de.wikipedia: no edits in 2024-03"), "{report}");
    }
}
