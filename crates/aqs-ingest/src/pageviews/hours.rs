//! Per-project counters: views per hour of every concrete (access, agent) of a project, and
//! the per-project rows with their 8 grouping sets (data-formats §5.2).

use aqs_core::dates::{Day, Hour, YearMonth};
use aqs_core::pageviews::{Period, ProjectRow};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use rustc_hash::FxHashMap;
use std::collections::HashMap;

/// Views per hour of each concrete (access, agent) of each project, at [`slot`]. FxHash: keys
/// come from the operator's own dump files.
#[derive(Debug, Default)]
pub struct ProjectHours {
    projects: FxHashMap<String, [[u64; 24]; 9]>,
}

/// The index of a concrete (access, agent) pair in a project's hours. Callers pass concrete
/// values only (dump lines and file names carry no `all-*`).
pub fn slot(access: Access, agent: Agent) -> usize {
    debug_assert!(access != Access::AllAccess && agent != Agent::AllAgents);
    let a = match access {
        Access::Desktop | Access::AllAccess => 0,
        Access::MobileWeb => 1,
        Access::MobileApp => 2,
    };
    let g = match agent {
        Agent::User | Agent::AllAgents => 0,
        Agent::Spider => 1,
        Agent::Automated => 2,
    };
    a * 3 + g
}

impl ProjectHours {
    /// The hours of one project, created empty.
    pub fn project(&mut self, name: &str) -> &mut [[u64; 24]; 9] {
        if !self.projects.contains_key(name) {
            self.projects.insert(name.to_string(), [[0; 24]; 9]);
        }
        self.projects.get_mut(name).expect("inserted above")
    }

    /// Adds another file's hours.
    pub fn absorb(&mut self, other: ProjectHours) {
        for (name, hours) in other.projects {
            let target = self.project(&name);
            for (t, f) in target.iter_mut().zip(hours) {
                for (a, b) in t.iter_mut().zip(f) {
                    *a += b;
                }
            }
        }
    }

    /// Keeps the stored hourly rows of the agents this load does not carry.
    pub fn keep_stored(&mut self, stored: &[ProjectRow], kept_agents: &[Agent]) {
        for row in stored {
            let Period::Hour(hour) = row.period else { continue };
            let concrete = row.project.as_str() != "all-projects"
                && row.access != Access::AllAccess
                && kept_agents.contains(&row.agent);
            if concrete {
                self.project(row.project.as_str())[slot(row.access, row.agent)]
                    [usize::from(hour.hour)] = row.views;
            }
        }
    }

    /// Hourly and daily per-project rows (with every rollup) of `day`.
    pub fn rows(&self, day: Day) -> Vec<ProjectRow> {
        let mut rolled = HashMap::new();
        for (name, project) in &self.projects {
            for &access in &Access::CONCRETE {
                for &agent in &Agent::CONCRETE {
                    let hours = &project[slot(access, agent)];
                    if hours.iter().any(|&h| h > 0) {
                        add_rollups(&mut rolled, name, access, agent, hours);
                    }
                }
            }
        }
        let mut rows = Vec::new();
        for ((project, access, agent), values) in rolled {
            let project = Project::from_stored(project);
            for (hour, &views) in values.iter().enumerate() {
                if views > 0 {
                    let period = Period::Hour(Hour { day, hour: hour as u8 });
                    rows.push(ProjectRow {
                        project: project.clone(),
                        access,
                        agent,
                        period,
                        views,
                    });
                }
            }
            let total: u64 = values.iter().sum();
            if total > 0 {
                let period = Period::Day(day);
                rows.push(ProjectRow { project, access, agent, period, views: total });
            }
        }
        rows
    }
}

/// Adds `values` of a concrete (project, access, agent) to the 8 grouping sets of the
/// per-project table: every combination of the project or `all-projects`, the access or
/// `all-access`, the agent or `all-agents`.
pub fn add_rollups<const N: usize>(
    out: &mut HashMap<(String, Access, Agent), [u64; N]>,
    project: &str,
    access: Access,
    agent: Agent,
    values: &[u64; N],
) {
    for p in [project, "all-projects"] {
        for a in [access, Access::AllAccess] {
            for g in [agent, Agent::AllAgents] {
                let slot = out.entry((p.to_string(), a, g)).or_insert([0; N]);
                for (s, v) in slot.iter_mut().zip(values) {
                    *s += v;
                }
            }
        }
    }
}

/// A month's per-project totals, summed day by day from the concrete daily rows.
#[derive(Debug, Default)]
pub struct MonthTotals {
    concrete: HashMap<(String, Access, Agent), [u64; 1]>,
}

impl MonthTotals {
    /// Adds one day's stored per-project rows (only the concrete daily ones count).
    pub fn add_day(&mut self, rows: &[ProjectRow]) {
        for row in rows {
            let is_concrete = row.project.as_str() != "all-projects"
                && row.access != Access::AllAccess
                && row.agent != Agent::AllAgents;
            if is_concrete && matches!(row.period, Period::Day(_)) {
                self.concrete
                    .entry((row.project.as_str().to_string(), row.access, row.agent))
                    .or_insert([0])[0] += row.views;
            }
        }
    }

    /// The month's rows, with every rollup.
    pub fn rows(&self, month: YearMonth) -> Vec<ProjectRow> {
        let mut rolled = HashMap::new();
        for ((project, access, agent), values) in &self.concrete {
            add_rollups(&mut rolled, project, *access, *agent, values);
        }
        rolled
            .into_iter()
            .map(|((project, access, agent), [views])| ProjectRow {
                project: Project::from_stored(project),
                access,
                agent,
                period: Period::Month(month),
                views,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_concrete_access_and_agent_has_its_own_hour_slot() {
        let mut seen: Vec<usize> = Access::CONCRETE
            .iter()
            .flat_map(|&a| Agent::CONCRETE.iter().map(move |&g| slot(a, g)))
            .collect();
        seen.sort();
        assert_eq!(seen, (0..9).collect::<Vec<_>>());
    }
}
