//! How the top lists are stored ([`super::top::TOPS`]): per (load, project, editors or pages,
//! period) the **candidates** (every name that is in the first 100 of one of the 15 (editor
//! type, page type) slices by one of the 3 metrics, ties ranked by name) with their numbers
//! in each of the 8 base slices (user type × page type) they edited in: one ranked list per
//! base slice. Any of the 45 lists is then ranked exactly from the candidates at request
//! time, and a period stores at most 4,500 names (15 × 3 × 100) whatever its edits, instead
//! of 45 lists of 100.

use super::per_entity::{LOADS, load_name, metric_value};
use super::request::parse_snapshot;
use super::rollups_of;
use super::top::{TOP_METRICS, TOP_SIZE, TOPS, TopEntity};
use crate::dates::{Day, Period};
use crate::error::StoreResult;
use crate::params::{EditorType, PageType};
use crate::table::{Numbers, SeriesRow, TableRead};
use std::collections::BTreeMap;

/// Edits, bytes added and bytes removed of one name per base slice (kept unsigned: small
/// numbers stay short in storage, where a negative net sum would take ten bytes).
pub type BaseCounters = [[u64; 3]; 8];

/// The base slices, by index: user type (anonymous, group bot, name bot, user) × page type
/// (content, non-content).
pub const BASE_SLICES: [(EditorType, PageType); 8] = [
    (EditorType::Anonymous, PageType::Content),
    (EditorType::Anonymous, PageType::NonContent),
    (EditorType::GroupBot, PageType::Content),
    (EditorType::GroupBot, PageType::NonContent),
    (EditorType::NameBot, PageType::Content),
    (EditorType::NameBot, PageType::NonContent),
    (EditorType::User, PageType::Content),
    (EditorType::User, PageType::NonContent),
];

/// The key part of a base slice: `user/content`.
pub fn base_key(base: usize) -> String {
    let (e, p) = BASE_SLICES[base];
    format!("{}/{}", e.as_str(), p.as_str())
}

/// The key parts of the base slices, made once.
fn base_keys() -> &'static [String; 8] {
    static KEYS: std::sync::OnceLock<[String; 8]> = std::sync::OnceLock::new();
    KEYS.get_or_init(|| std::array::from_fn(base_key))
}

/// The index of a base slice.
pub fn base_index(slice: (EditorType, PageType)) -> Option<usize> {
    BASE_SLICES.iter().position(|s| *s == slice)
}

/// Whether base slice `base` is in the (editor type, page type) filter.
pub fn in_slice(base: usize, (editor, page): (EditorType, PageType)) -> bool {
    let (e, p) = BASE_SLICES[base];
    (editor == EditorType::AllEditorTypes || editor == e)
        && (page == PageType::AllPageTypes || page == p)
}

/// Every (editor type, page type) a request may ask for.
pub fn slices() -> impl Iterator<Item = (EditorType, PageType)> {
    EditorType::ALL.iter().flat_map(|e| PageType::ALL.iter().map(move |p| (*e, *p)))
}

/// A name's edits, bytes added and bytes removed in a slice, `None` without edits in it.
pub fn slice_numbers(counters: &BaseCounters, slice: (EditorType, PageType)) -> Option<[u64; 3]> {
    let mut sum = [0u64; 3];
    for (_, c) in counters.iter().enumerate().filter(|(b, _)| in_slice(*b, slice)) {
        for (s, v) in sum.iter_mut().zip(c) {
            *s = s.saturating_add(*v);
        }
    }
    (sum[0] > 0).then_some(sum)
}

/// Which of `names` are candidates: in some slice, by some metric, among the first 100 as
/// the request ranks them (by value, then by name: [`super::top::ranked`]).
pub fn candidates<K: AsRef<str>>(names: &[(K, BaseCounters)]) -> Vec<bool> {
    candidates_of(names.len(), |i| &names[i].1, |i| names[i].0.as_ref())
}

/// [`candidates`] of `len` names, the `i`th's counters given by `counters(i)` and its name
/// (what ties are ranked by) by `name(i)`.
fn candidates_of<'a, 'n>(
    len: usize,
    counters: impl Fn(usize) -> &'a BaseCounters,
    name: impl Fn(usize) -> &'n str,
) -> Vec<bool> {
    let edited = |c: &BaseCounters| c.iter().any(|b| b[0] > 0);
    if len <= TOP_SIZE {
        // No list is longer than 100: every name with an edit is in one.
        return (0..len).map(|i| edited(counters(i))).collect();
    }
    let mut keep = vec![false; len];
    // The base slices in each of the 15 slices.
    let masks: Vec<u8> = slices()
        .map(|s| (0..BASE_SLICES.len()).filter(|b| in_slice(*b, s)).fold(0, |m, b| m | 1 << b))
        .collect();
    // The base slices each name edited in, and how many names each slice holds: a slice of
    // at most 100 keeps all of its names, without their sums.
    let edited_in: Vec<u8> = (0..len)
        .map(|i| {
            let c = counters(i);
            (0..BASE_SLICES.len()).filter(|b| c[*b][0] > 0).fold(0u8, |m, b| m | 1 << b)
        })
        .collect();
    let mut sizes = vec![0usize; masks.len()];
    for bases in &edited_in {
        for (size, mask) in sizes.iter_mut().zip(&masks) {
            *size += usize::from(mask & bases != 0);
        }
    }
    // The base slices of the slices that keep every name, and the masks of the others.
    let small = masks.iter().zip(&sizes).filter(|(_, n)| **n <= TOP_SIZE);
    let small_bases = small.fold(0u8, |m, (mask, _)| m | mask);
    let large: Vec<(u8, usize)> =
        masks.iter().zip(&sizes).filter(|(_, n)| **n > TOP_SIZE).map(|(m, n)| (*m, *n)).collect();
    // Each large slice's names and numbers, a name put in those of the base slices it
    // edited in (most edit in one: 4 of the 15), its numbers summed over those bases.
    let mut in_slices: Vec<Vec<(usize, [u64; 3])>> =
        large.iter().map(|(_, size)| Vec::with_capacity(*size)).collect();
    for (i, &bases_edited) in edited_in.iter().enumerate() {
        keep[i] |= bases_edited & small_bases != 0;
        let c = counters(i);
        for (numbers, (mask, _)) in in_slices.iter_mut().zip(&large) {
            let mut bases = mask & bases_edited;
            if bases == 0 {
                continue;
            }
            let mut sum = [0u64; 3];
            while bases != 0 {
                for (s, v) in sum.iter_mut().zip(c[bases.trailing_zeros() as usize]) {
                    *s = s.saturating_add(v);
                }
                bases &= bases - 1;
            }
            numbers.push((i, sum));
        }
    }
    let (mut values, mut tied) = (Vec::new(), Vec::new());
    // Every large slice holds more than 100 names: its lists are cut.
    for numbers in &in_slices {
        for metric in TOP_METRICS {
            values.clear();
            values.extend(numbers.iter().map(|(i, n)| (metric_value(metric, *n), *i)));
            let cut = values.select_nth_unstable_by(TOP_SIZE - 1, |a, b| b.0.cmp(&a.0)).1.0;
            // Above the 100th value: in the list (all of them among the first 100 the
            // selection put first). At it: as many as there is room for, by name, as the
            // request ranks ties.
            let mut above = 0;
            for &(value, i) in &values[..TOP_SIZE] {
                if value > cut {
                    keep[i] = true;
                    above += 1;
                }
            }
            tied.clear();
            tied.extend(values.iter().filter(|(v, _)| *v == cut).map(|(_, i)| *i));
            let room = TOP_SIZE - above;
            if tied.len() > room {
                tied.select_nth_unstable_by(room - 1, |a, b| name(*a).cmp(name(*b)));
                tied.truncate(room);
            }
            tied.iter().for_each(|i| keep[*i] = true);
        }
    }
    keep
}

/// Keeps the [`candidates`] of `names`, whose names (what ties are ranked by) `name` gives.
pub fn keep_candidates<'n, K>(names: &mut Vec<(K, BaseCounters)>, name: impl Fn(&K) -> &'n str) {
    let keep = candidates_of(names.len(), |i| &names[i].1, |i| name(&names[i].0));
    retain_flagged(names, keep);
}

/// Keeps the names whose flag in `keep` is set.
fn retain_flagged<T>(names: &mut Vec<T>, keep: Vec<bool>) {
    let mut keep = keep.into_iter();
    names.retain(|_| keep.next().unwrap_or(false));
}

/// The stored rows of one period's candidates (`NULL_NAME` for NULL), under `load` and
/// `project`, added to `out`.
pub fn candidate_rows(
    (load, project, entity): (&str, &str, TopEntity),
    period: Period,
    names: impl IntoIterator<Item = (String, BaseCounters)>,
    out: &mut Vec<SeriesRow>,
) {
    for (name, counters) in names {
        for (base, c) in counters.iter().enumerate().filter(|(_, c)| c[0] > 0) {
            out.push(candidate_row((load, project, entity), base, period, name.clone(), *c));
        }
    }
}

/// The stored row of a candidate's numbers in base slice `base`.
pub fn candidate_row(
    (load, project, entity): (&str, &str, TopEntity),
    base: usize,
    period: Period,
    name: String,
    numbers: [u64; 3],
) -> SeriesRow {
    SeriesRow {
        key: vec![load.into(), project.into(), entity.key().into(), base_keys()[base].clone()],
        period,
        sub: name,
        values: Numbers::counters(&numbers),
    }
}

/// The candidates of (load, project, entity) in `first..=last` (one granularity): per
/// period and name, the base counters.
pub fn read_candidates<S: TableRead + ?Sized>(
    store: &S,
    (load, project, entity): (&str, &str, TopEntity),
    slice: (EditorType, PageType),
    (first, last): (Period, Period),
) -> StoreResult<BTreeMap<(Period, String), BaseCounters>> {
    let mut out: BTreeMap<(Period, String), BaseCounters> = BTreeMap::new();
    for base in (0..BASE_SLICES.len()).filter(|b| in_slice(*b, slice)) {
        let key = base_key(base);
        for row in store.series(&TOPS, &[load, project, entity.key(), &key], first, last)? {
            let counters = out.entry((row.period, row.sub)).or_default();
            for (c, v) in counters[base].iter_mut().zip(row.values.0) {
                *c = c.saturating_add(v);
            }
        }
    }
    Ok(out)
}

/// What an activation writes of the top lists: the family and `all-projects` candidates,
/// and their loads' rows of [`LOADS`]; and the loads they replace, whose rows are deleted
/// once the activation is written.
#[derive(Debug, Default)]
pub struct Rollups {
    pub rows: Vec<SeriesRow>,
    pub load_rows: Vec<SeriesRow>,
    pub replaced_loads: Vec<String>,
}

/// The family and `all-projects` candidates of `snapshot`, merged from its projects' latest
/// loads (the days from `first` to `last`, a month at a time, and the months), under new
/// load numbers.
pub fn rollup_rows<S: TableRead + ?Sized>(
    store: &S,
    snapshot: &str,
    (first, last): (Day, Day),
) -> StoreResult<Rollups> {
    let Some(month) = parse_snapshot(snapshot).map(Period::Month) else {
        return Ok(Rollups::default());
    };
    let loads = store.series(&LOADS, &[snapshot], month, month)?;
    let mut members: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for load in loads.iter().filter(|l| !l.sub.starts_with("all-")) {
        let name = load_name(snapshot, load.values.0[0]);
        for rollup in rollups_of(&load.sub) {
            members.entry(rollup).or_default().push((load.sub.clone(), name.clone()));
        }
    }
    // A month of days at a time, then the months: what is held is one month's candidates.
    let mut ranges = Vec::new();
    let mut m = first.year_month();
    while m <= last.year_month() {
        ranges.push((Period::Day(m.first_day()), Period::Day(m.last_day())));
        m = m.next();
    }
    ranges.push((Period::Month(first.year_month()), Period::Month(last.year_month())));
    let all = (EditorType::AllEditorTypes, PageType::AllPageTypes);
    let mut out = Rollups::default();
    for (rollup, projects) in members {
        let stored = loads.iter().find(|l| l.sub == rollup).map(|l| l.values.0[0]);
        out.replaced_loads.extend(stored.map(|n| load_name(snapshot, n)));
        let number = stored.map_or(1, |n| n + 1);
        let rollup_load = load_name(snapshot, number);
        for entity in TopEntity::ALL {
            for &range in &ranges {
                let mut sums: BTreeMap<(Period, String), BaseCounters> = BTreeMap::new();
                for (project, load) in &projects {
                    let read = read_candidates(store, (load, project, entity), all, range)?;
                    for (key, counters) in read {
                        let sum = sums.entry(key).or_default();
                        for (s, c) in sum.iter_mut().flatten().zip(counters.iter().flatten()) {
                            *s = s.saturating_add(*c);
                        }
                    }
                }
                let mut periods: BTreeMap<Period, Vec<(String, BaseCounters)>> = BTreeMap::new();
                for ((period, name), counters) in sums {
                    periods.entry(period).or_default().push((name, counters));
                }
                for (period, mut names) in periods {
                    let keep = candidates(&names);
                    retain_flagged(&mut names, keep);
                    let key = (rollup_load.as_str(), rollup.as_str(), entity);
                    candidate_rows(key, period, names, &mut out.rows);
                }
            }
        }
        out.load_rows.push(SeriesRow {
            key: vec![snapshot.to_string()],
            period: month,
            sub: rollup,
            values: Numbers::counters(&[number]),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::per_entity::edit_numbers;

    /// Names `000`, `001`, ... with the counters `counters(i)`.
    fn named(
        n: usize,
        mut counters: impl FnMut(usize) -> BaseCounters,
    ) -> Vec<(String, BaseCounters)> {
        (0..n).map(|i| (format!("{i:03}"), counters(i))).collect()
    }

    #[test]
    fn candidates_hold_every_list_ties_cut_by_name() {
        // 150 names with one edit and no bytes each in user/content: every list ties, and
        // the first 100 by name are the lists.
        let mut names = named(150, |_| {
            let mut c = [[0u64; 3]; 8];
            c[6] = edit_numbers(0);
            c
        });
        let keep = candidates(&names);
        assert_eq!(keep.iter().filter(|k| **k).count(), 100);
        assert!(keep[..100].iter().all(|k| *k) && !keep[100]);
        // A NULL name ranks first among ties; a name with many edits elsewhere is kept.
        names[149].0 = super::super::top::NULL_NAME.to_string();
        names[120].1[1] = [40, 0, 9000];
        let keep = candidates(&names);
        assert!(keep[149] && keep[120] && keep[98] && !keep[99]);
        // At most 100 names: every name with an edit, none without.
        let few = named(3, |i| names[i * 60].1);
        assert_eq!(candidates(&few), [true, true, true]);
        let none = named(101, |i| if i == 100 { [[0; 3]; 8] } else { names[i].1 });
        assert!(!candidates(&none)[100], "no edits, no candidate");
        // With distinct edit counts and removed bytes: by edits and absolute bytes the 100
        // highest, by net bytes the 100 least negative.
        let distinct = named(300, |i| {
            let mut c = [[0u64; 3]; 8];
            c[6] = [i as u64 + 1, 0, i as u64 + 1];
            c
        });
        let keep = candidates(&distinct);
        assert_eq!(keep.iter().filter(|k| **k).count(), 200);
        assert!(keep[299] && keep[0] && !keep[150]);
    }

    #[test]
    fn every_list_ranked_from_the_candidates_is_the_list_of_all_names() {
        // Small numbers in a few base slices each: many ties at every cut. Then the same with
        // one base slice (anonymous, non-content) rare: a slice of fewer than 100 names, whose
        // names rank low in the slices they share with the others.
        for rare in [None, Some(1usize)] {
            let mut seed = 7u64;
            let mut next = |n: u64| {
                seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (seed >> 33) % n
            };
            let names = named(700, |_| {
                let mut c = [[0u64; 3]; 8];
                for _ in 0..=next(3) {
                    let mut base = next(8) as usize;
                    if Some(base) == rare && next(10) != 0 {
                        base = 0;
                    }
                    let bytes = next(7) as i64 - 3;
                    for (v, n) in c[base].iter_mut().zip(edit_numbers(bytes)) {
                        *v += n * (1 + next(2));
                    }
                }
                c
            });
            if let Some(base) = rare {
                let in_rare = names.iter().filter(|(_, c)| c[base][0] > 0).count();
                assert!(in_rare > 0 && in_rare < TOP_SIZE, "{in_rare}");
            }
            lists_from_candidates_are_exact(&names);
        }
    }

    fn lists_from_candidates_are_exact(names: &[(String, BaseCounters)]) {
        let keep = candidates(names);
        let kept = keep.iter().filter(|k| **k).count();
        assert!(kept < names.len() && kept >= TOP_SIZE, "{kept}");
        for slice in slices() {
            for metric in TOP_METRICS {
                let list = |only_kept: bool| {
                    let entries = names
                        .iter()
                        .zip(&keep)
                        .filter(|(_, k)| **k || !only_kept)
                        .filter_map(|((name, c), _)| {
                            let n = slice_numbers(c, slice)?;
                            Some((name.clone(), metric_value(metric, n)))
                        })
                        .collect();
                    super::super::top::ranked(entries)
                };
                assert_eq!(list(true), list(false), "{slice:?} {metric:?}");
            }
        }
    }
}
