//! A wiki's top lists (`aqs_core::history::top`): per day and per month, the 100 editors and
//! pages with the most edits, net and absolute bytes difference, in every (editor type, page
//! type) slice, of every revision (those of deleted pages too).
//!
//! Events come in time order: the state is the open day's and the open month's counters per
//! name (and the names seen, numbered once), and the finished lists.

use super::periods::{OutOfOrder, Periods};
use super::{Edit, PageType, UserType};
use aqs_core::dates::Period;
use aqs_core::history::request::EventMetric;
use aqs_core::history::top::{
    NULL_NAME, TOP_METRICS, TOP_SIZE, TopEntity, list_key, list_rows, slices,
};
use aqs_core::params::{EditorType, PageType as PageParam};
use aqs_core::table::SeriesRow;
use rustc_hash::FxHashMap;

/// Edits, net and absolute bytes of one name per (user type × page type) base slice.
type Counters = [[i64; 3]; 8];

fn base_slice(user: UserType, page: PageType) -> usize {
    let u = match user {
        UserType::Anonymous => 0,
        UserType::GroupBot => 1,
        UserType::NameBot => 2,
        UserType::User => 3,
    };
    u * 2 + usize::from(page == PageType::NonContent)
}

/// Whether base slice `s` is in the (editor type, page type) filter.
fn in_slice(s: usize, (editor, page): (EditorType, PageParam)) -> bool {
    let user_ok = match editor {
        EditorType::AllEditorTypes => true,
        EditorType::Anonymous => s / 2 == 0,
        EditorType::GroupBot => s / 2 == 1,
        EditorType::NameBot => s / 2 == 2,
        EditorType::User => s / 2 == 3,
    };
    let page_ok = match page {
        PageParam::AllPageTypes => true,
        PageParam::Content => s % 2 == 0,
        PageParam::NonContent => s % 2 == 1,
    };
    user_ok && page_ok
}

/// The counters of one open period: (project, entity, name id) → counters.
type Open = FxHashMap<(usize, TopEntity, u32), Counters>;

/// A finished list: (project, entity, metric, slice, period) and its entries by name id.
struct List {
    project: usize,
    entity: TopEntity,
    metric: EventMetric,
    slice: (EditorType, PageParam),
    period: Period,
    entries: Vec<(u32, i64)>,
}

/// The top lists of one wiki's events.
#[derive(Default)]
pub struct Tops {
    names: FxHashMap<String, u32>,
    periods: Periods<Open>,
    lists: Vec<List>,
}

/// The entries that may be in the first [`TOP_SIZE`] (those at least as high as the
/// [`TOP_SIZE`]th value: its ties are ranked by name once the names are known).
fn contenders(mut entries: Vec<(u32, i64)>) -> Vec<(u32, i64)> {
    if entries.len() > TOP_SIZE {
        let mut values: Vec<i64> = entries.iter().map(|e| e.1).collect();
        let (_, cut, _) = values.select_nth_unstable_by(TOP_SIZE - 1, |a, b| b.cmp(a));
        let cut = *cut;
        entries.retain(|e| e.1 >= cut);
    }
    entries
}

/// The id of a NULL name.
const NULL_ID: u32 = u32::MAX;

impl Tops {
    fn id(&mut self, name: Option<&str>) -> u32 {
        let Some(name) = name else { return NULL_ID };
        if let Some(&id) = self.names.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.insert(name.to_string(), id);
        id
    }

    /// Counts a revision (live or not) of project number `project`.
    pub fn count(&mut self, project: usize, edit: &Edit<'_>) -> Result<(), OutOfOrder> {
        let editor = self.id(edit.user_text.as_deref());
        let page = self.id(edit.page_title.as_deref());
        let s = base_slice(edit.user_type, edit.page_type);
        let numbers = [1, edit.bytes_diff, edit.bytes_diff.abs()];
        let lists = &mut self.lists;
        for open in self.periods.at(edit.day, &mut |period, open| rank(lists, period, open))? {
            for (entity, id) in [(TopEntity::Editors, editor), (TopEntity::Pages, page)] {
                let counters = open.entry((project, entity, id)).or_insert([[0; 3]; 8]);
                for (c, n) in counters[s].iter_mut().zip(numbers) {
                    *c += n;
                }
            }
        }
        Ok(())
    }

    /// The rows of every list, for the projects (by number) and their loads' key parts.
    pub fn rows(mut self, projects: &[String], loads: &[String]) -> Vec<SeriesRow> {
        let lists = &mut self.lists;
        self.periods.finish(&mut |period, open| rank(lists, period, open));
        let mut names = vec![String::new(); self.names.len()];
        for (name, id) in self.names {
            names[id as usize] = name;
        }
        let mut out = Vec::new();
        for list in self.lists {
            let key = list_key(
                &loads[list.project],
                &projects[list.project],
                list.entity,
                list.metric,
                list.slice,
            );
            let entries = list.entries.into_iter().map(|(id, value)| {
                let name = match id {
                    NULL_ID => NULL_NAME.to_string(),
                    id => names[id as usize].clone(),
                };
                (name, value)
            });
            out.extend(list_rows(&key, list.period, entries.collect()));
        }
        out
    }
}

/// The lists of a finished period.
fn rank(lists: &mut Vec<List>, period: Period, open: Open) {
    let mut by_list: FxHashMap<(usize, TopEntity), Vec<(u32, Counters)>> = Default::default();
    for ((project, entity, id), counters) in open {
        by_list.entry((project, entity)).or_default().push((id, counters));
    }
    for ((project, entity), names) in by_list {
        for slice in slices() {
            let inside: Vec<(u32, [i64; 3])> = names
                .iter()
                .filter_map(|(id, counters)| {
                    let mut sum = [0i64; 3];
                    for (s, c) in counters.iter().enumerate() {
                        if in_slice(s, slice) {
                            for (t, v) in sum.iter_mut().zip(c) {
                                *t += v;
                            }
                        }
                    }
                    (sum[0] > 0).then_some((*id, sum))
                })
                .collect();
            if inside.is_empty() {
                continue;
            }
            for (m, metric) in TOP_METRICS.into_iter().enumerate() {
                let entries = contenders(inside.iter().map(|(id, sum)| (*id, sum[m])).collect());
                lists.push(List { project, entity, metric, slice, period, entries });
            }
        }
    }
}
