//! A wiki's top-list candidates (`aqs_core::history::top_lists`): per day and per month, the
//! editors and pages that can be in the first 100 of a slice by a metric, with their edits,
//! net and absolute bytes per base slice, of every revision (those of deleted pages too).
//!
//! Events come in time order: the state is the open day's and the open month's counters per
//! name (the names numbered once), and the candidates of the periods already ended.

use super::Edit;
use super::load::{editor_type, page_param};
use super::per_entity::{Names, name_id};
use super::periods::{OutOfOrder, Periods};
use aqs_core::dates::Period;
use aqs_core::history::per_entity::edit_numbers;
use aqs_core::history::top::{NULL_NAME, TopEntity};
use aqs_core::history::top_lists::{BaseCounters, base_index, candidate_rows, keep_candidates};
use aqs_core::table::SeriesRow;
use indexmap::IndexSet;
use rustc_hash::{FxBuildHasher, FxHashMap};

/// The counters of one open period: (project, entity, name id) → counters.
type Open = FxHashMap<(usize, TopEntity, u32), BaseCounters>;

/// A period's candidates of one project and entity, by name id.
struct Candidates {
    project: usize,
    entity: TopEntity,
    period: Period,
    names: Vec<(u32, BaseCounters)>,
}

/// The top-list candidates of one wiki's events.
#[derive(Default)]
pub struct Tops {
    names: Names,
    periods: Periods<Open>,
    ended: Vec<Candidates>,
    /// The most names an open day and an open month have had: a new period's map is made
    /// this large at once, not grown (and rehashed) name by name.
    sizes: [usize; 2],
}

/// The id of a NULL name.
const NULL_ID: u32 = u32::MAX;

impl Tops {
    fn id(&mut self, project: usize, name: Option<&str>) -> u32 {
        name.map_or(NULL_ID, |name| name_id(&mut self.names, project, name))
    }

    /// Counts a revision (live or not) of project number `project`.
    pub fn count(&mut self, project: usize, edit: &Edit<'_>) -> Result<(), OutOfOrder> {
        let editor = self.id(project, edit.user_text.as_deref());
        let page = self.id(project, edit.page_title.as_deref());
        // Every concrete (user type, page type) is a base slice.
        let slice = (editor_type(edit.user_type), page_param(edit.page_type));
        let base = base_index(slice).unwrap_or_default();
        let numbers = edit_numbers(edit.bytes_diff);
        let (ended, names) = (&mut self.ended, &self.names);
        let opens =
            self.periods.at(edit.day, &mut |period, open| end(ended, names, period, open))?;
        for (open, size) in opens.into_iter().zip(&mut self.sizes) {
            if open.is_empty() {
                open.reserve(*size);
            }
            for (entity, id) in [(TopEntity::Editors, editor), (TopEntity::Pages, page)] {
                let counters = open.entry((project, entity, id)).or_default();
                for (c, n) in counters[base].iter_mut().zip(numbers) {
                    *c += n;
                }
            }
            *size = (*size).max(open.len());
        }
        Ok(())
    }

    /// The rows of the candidates of the periods that ended (all periods: `finish`), taken
    /// out into `out`, for the projects (by number) and their loads' key parts.
    pub fn take_rows(
        &mut self,
        finish: bool,
        (projects, loads): (&[String], &[String]),
        out: &mut Vec<SeriesRow>,
    ) {
        if finish {
            let (ended, names) = (&mut self.ended, &self.names);
            self.periods.finish(&mut |period, open| end(ended, names, period, open));
        }
        for c in std::mem::take(&mut self.ended) {
            let names = &self.names[c.project];
            let named = c
                .names
                .into_iter()
                .map(|(id, counters)| (name_of(names, id).to_string(), counters));
            let key = (loads[c.project].as_str(), projects[c.project].as_str(), c.entity);
            candidate_rows(key, c.period, named, out);
        }
    }
}

/// The name of an id among a project's names.
fn name_of(names: &IndexSet<String, FxBuildHasher>, id: u32) -> &str {
    match id {
        NULL_ID => NULL_NAME,
        id => names.get_index(id as usize).map_or("", String::as_str),
    }
}

/// Keeps a finished period's candidates (of each project and entity): ties are ranked by
/// name, as requests rank them.
fn end(ended: &mut Vec<Candidates>, names: &Names, period: Period, open: Open) {
    let mut by_list: FxHashMap<(usize, TopEntity), Vec<(u32, BaseCounters)>> = Default::default();
    for ((project, entity, id), counters) in open {
        by_list.entry((project, entity)).or_default().push((id, counters));
    }
    for ((project, entity), mut list) in by_list {
        let project_names = &names[project];
        keep_candidates(&mut list, |id| name_of(project_names, *id));
        ended.push(Candidates { project, entity, period, names: list });
    }
}
