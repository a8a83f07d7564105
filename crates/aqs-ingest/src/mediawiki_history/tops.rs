//! A wiki's top-list candidates (`aqs_core::history::top_lists`): per day and per month, the
//! editors and pages that can be in the first 100 of a slice by a metric, with their edits,
//! net and absolute bytes per base slice, of every revision (those of deleted pages too).
//!
//! Events come in time order: the state is the open day's and the open month's counters per
//! name (the names numbered once), and the candidates of the periods already ended.

use super::Edit;
use super::load::{editor_type, page_param};
use super::names::{EditIds, WikiNames};
use super::periods::{OutOfOrder, Periods};
use super::rows::TopRow;
use super::slots::ListSlots;
use aqs_core::dates::Period;
use aqs_core::history::per_entity::edit_numbers;
use aqs_core::history::top::{NULL_NAME, TopEntity};
use aqs_core::history::top_lists::{BaseCounters, base_index, keep_candidates};
use std::sync::Arc;

/// The counters of one open period: per (project, entity number in [`TopEntity::ALL`]),
/// per name number (`None`: NULL).
type Open = ListSlots<BaseCounters, 2>;

/// A period's candidates of one project and entity, by name number.
struct Candidates {
    project: usize,
    entity: TopEntity,
    period: Period,
    names: Vec<(Option<u32>, BaseCounters)>,
}

/// The top-list candidates of one wiki's events, by name number ([`super::names`]).
#[derive(Default)]
pub struct Tops {
    periods: Periods<Open>,
    ended: Vec<Candidates>,
}

impl Tops {
    /// Counts a revision (live or not) of project number `project` whose names have the
    /// numbers `ids` among `names`.
    pub fn count(
        &mut self,
        project: usize,
        edit: &Edit<'_>,
        ids: EditIds,
        names: &WikiNames,
    ) -> Result<(), OutOfOrder> {
        // Every concrete (user type, page type) is a base slice.
        let slice = (editor_type(edit.user_type), page_param(edit.page_type));
        let base = base_index(slice).unwrap_or_default();
        let numbers = edit_numbers(edit.bytes_diff);
        let ended = &mut self.ended;
        let opens =
            self.periods.at(edit.day, &mut |period, open| end(ended, names, period, open))?;
        for open in opens {
            for (entity, id) in [ids.editor, ids.page].into_iter().enumerate() {
                let counters = open.list(project, entity).get(id);
                for (c, n) in counters[base].iter_mut().zip(numbers) {
                    *c += n;
                }
            }
        }
        Ok(())
    }

    /// The candidates of the periods that ended (all periods: `finish`), taken out into
    /// `out`; `names` gives the names of the numbers.
    pub fn take_rows(&mut self, finish: bool, names: &WikiNames, out: &mut Vec<TopRow>) {
        if finish {
            let ended = &mut self.ended;
            self.periods.finish(&mut |period, open| end(ended, names, period, open));
        }
        let null: Arc<str> = NULL_NAME.into();
        for c in self.ended.drain(..) {
            for (id, counters) in c.names {
                let name = match id {
                    None => &null,
                    Some(id) => name_of(names, (c.project, c.entity), id),
                };
                let bases = counters.iter().enumerate().filter(|(_, n)| n[0] > 0);
                out.extend(bases.map(|(base, numbers)| TopRow {
                    project: c.project as u32,
                    entity: c.entity,
                    base: base as u8,
                    period: c.period,
                    name: name.clone(),
                    numbers: *numbers,
                }));
            }
        }
    }
}

/// The name of an id of a project's editors or pages.
fn name_of(names: &WikiNames, (project, entity): (usize, TopEntity), id: u32) -> &Arc<str> {
    match entity {
        TopEntity::Editors => names.editor(project, id),
        TopEntity::Pages => names.page(project, id),
    }
}

/// Keeps a finished period's candidates (of each project and entity): ties are ranked by
/// name, as requests rank them.
fn end(ended: &mut Vec<Candidates>, names: &WikiNames, period: Period, open: &mut Open) {
    for ((project, entity), mut list) in open.take() {
        let entity = TopEntity::ALL[entity];
        keep_candidates(&mut list, |id| match *id {
            None => NULL_NAME,
            Some(id) => name_of(names, (project, entity), id),
        });
        ended.push(Candidates { project, entity, period, names: list });
    }
}
