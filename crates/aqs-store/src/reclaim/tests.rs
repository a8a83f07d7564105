use super::*;
use crate::dictionary::ProjectOfId;
use crate::dictionary::free::free_articles;
use aqs_core::dates::{Day, Period};
use aqs_core::history::per_entity::{PER_EDITOR, PER_PAGE};
use aqs_core::table::{Numbers, SeriesBatch, SeriesChanges, SeriesRow, TableRead, TableWrite};
use proptest::prelude::*;
use std::collections::BTreeMap;

/// (table: 0 per page, 1 per editor; group; load; project; name) → day → (edits, bytes added).
type Model = BTreeMap<(usize, &'static str, String, String, String), BTreeMap<Day, [u64; 2]>>;

const TABLES: [&TableDef; 2] = [&PER_PAGE, &PER_EDITOR];
const GROUPS: [&[&str]; 2] = [&["all-editor-types", "name-bot"], &["all-page-types"]];

fn day(n: u32) -> Day {
    Day::from_ymd(2024, 1, 1).unwrap().add_days(n as i32)
}

/// A row of a load: (table, group, project, name, day, edits, bytes added).
type Row = (usize, usize, usize, usize, u32, u64, u64);

fn load(store: &EmbeddedStore, model: &mut Model, load: &str, rows: &[Row]) {
    let mut changes: Vec<SeriesChanges> = TABLES
        .iter()
        .map(|t| SeriesChanges { table: t, replace: Vec::new(), rows: Vec::new() })
        .collect();
    for &(t, g, p, n, d, edits, added) in rows {
        let group = GROUPS[t][g % GROUPS[t].len()];
        let (project, name) = (format!("p{p}.wikipedia"), format!("N{n}"));
        let key = vec![group.to_string(), load.to_string(), project.clone(), name.clone()];
        let values = Numbers::counters(&[edits, added, 0]);
        changes[t].rows.push(SeriesRow {
            key,
            period: Period::Day(day(d)),
            sub: String::new(),
            values,
        });
        let days = model.entry((t, group, load.to_string(), project, name)).or_default();
        days.insert(day(d), [edits, added]);
    }
    let batch = SeriesBatch { dataset: PER_PAGE.dataset, changes };
    store.publish_series(&batch).expect("written");
}

fn drop_load(store: &EmbeddedStore, model: &mut Model, load: &str) -> u64 {
    let mut deleted = 0;
    for table in TABLES {
        deleted += store.delete_rows(table, 1, KeyMatch::Is(load)).expect("deleted");
    }
    model.retain(|k, _| k.2 != load);
    deleted
}

/// Every name of the model reads as the model has it, every other as nothing; every article
/// id below the next is a name's or free, once; every id's run is its name's namespace.
fn check(store: &EmbeddedStore, model: &Model, dropped: &[String]) {
    let (first, last) = (Period::Day(day(0)), Period::Day(day(59)));
    for ((t, group, load, project, name), days) in model {
        let key = [*group, load.as_str(), project.as_str(), name.as_str()];
        let read = store.series(TABLES[*t], &key, first, last).unwrap();
        let got: BTreeMap<Day, [u64; 2]> = read
            .iter()
            .map(|e| match e.period {
                Period::Day(d) => (d, [e.values.0[0], e.values.0[1]]),
                _ => panic!("a day row"),
            })
            .collect();
        assert_eq!(&got, days, "{key:?}");
    }
    for load in dropped {
        for (t, table) in TABLES.iter().enumerate() {
            for p in 0..2 {
                for n in 0..8 {
                    let (project, name) = (format!("p{p}.wikipedia"), format!("N{n}"));
                    let key = [GROUPS[t][0], load.as_str(), project.as_str(), name.as_str()];
                    assert!(store.series(table, &key, first, last).unwrap().is_empty(), "{key:?}");
                }
            }
        }
    }
    let (rtxn, snapshot) = store.read_snapshot().unwrap();
    let tables = &store.inner.tables;
    assert_eq!(pending(tables, &rtxn).unwrap(), None, "nothing is left pending");
    let mut named: Vec<(u32, u16)> = Vec::new();
    snapshot
        .dictionary
        .for_each(|project, _, id| {
            named.push((id, project));
            Ok(())
        })
        .unwrap();
    named.sort_unstable();
    let free = free_articles(tables, &rtxn).unwrap();
    let state = WriteState::read(tables, &rtxn).unwrap();
    assert!(named.windows(2).all(|w| w[0].0 < w[1].0), "an id names one title");
    assert!(named.iter().all(|(id, _)| !free.contains(*id)), "a named id is not free");
    let accounted = named.len() as u64 + free.ids();
    assert_eq!(accounted, u64::from(state.next_article), "every id is named or free");
    let mut runs = ProjectOfId::read(tables, &rtxn).unwrap();
    for (id, project) in &named {
        assert_eq!(runs.project(*id), Some(*project), "the run of id {id}");
    }
    let live: BTreeSet<u16> = snapshot.project_ids.values().copied().collect();
    assert!(named.iter().all(|(_, p)| live.contains(p)), "a named project is live");
}

#[test]
fn a_dropped_load_reads_as_nothing_and_its_ids_go_to_the_next_load() {
    let (_dir, store) = crate::test_store();
    let mut model = Model::new();
    let rows: Vec<Row> =
        (0..8).map(|n| (n % 2, n, n % 2, n, n as u32 * 7, 1 + n as u64, 10)).collect();
    load(&store, &mut model, "2024-01.1", &rows);
    load(&store, &mut model, "2024-02.1", &rows[..4]);
    let next =
        WriteState::read(&store.inner.tables, &store.read_txn().unwrap()).unwrap().next_article;
    let projects = store.read_snapshot().unwrap().1.project_ids.len();
    check(&store, &model, &[]);
    assert_eq!(drop_load(&store, &mut model, "2024-01.1"), 8, "a row per name day");
    check(&store, &model, &["2024-01.1".into()]);
    // The next load numbers as many names again: the ids (and namespaces) given back.
    let moved: Vec<Row> =
        rows.iter().map(|r| (r.0, r.1, r.2, r.3, (r.4 + 3) % 60, 2, 20)).collect();
    load(&store, &mut model, "2024-03.1", &moved);
    check(&store, &model, &["2024-01.1".into()]);
    let state = WriteState::read(&store.inner.tables, &store.read_txn().unwrap()).unwrap();
    assert_eq!(state.next_article, next, "no new id");
    assert_eq!(store.read_snapshot().unwrap().1.project_ids.len(), projects);
    let usage = store.id_usage().unwrap();
    let expected = IdUsage {
        articles: 4 + 8,
        free_articles: 0,
        pending_articles: 0,
        projects: projects as u64,
        free_projects: 0,
    };
    assert_eq!(usage, expected, "load 2024-02.1's names and 2024-03.1's");
    assert_eq!(drop_load(&store, &mut model, "none"), 0);
}

fn next_article(store: &EmbeddedStore) -> u32 {
    WriteState::read(&store.inner.tables, &store.read_txn().unwrap()).unwrap().next_article
}

fn manifest(store: &EmbeddedStore) -> crate::segments::Manifest {
    WriteState::read(&store.inner.tables, &store.read_txn().unwrap()).unwrap().manifest
}

/// Loads `name` with the names of `rows` on `day`: they take only given-back ids.
fn load_on_given_back_ids(
    store: &EmbeddedStore,
    model: &mut Model,
    rows: &[Row],
    name: &str,
    day: u32,
) {
    let before = next_article(store);
    let moved: Vec<Row> = rows.iter().map(|r| (r.0, r.1, r.2, r.3, day, 3, 3)).collect();
    load(store, model, name, &moved);
    assert_eq!(next_article(store), before, "{name} took given-back ids");
}

/// Forgets a load's names without sweeping (a process killed after the first step).
fn forget_only(store: &EmbeddedStore, model: &mut Model, load: &str) {
    for table in TABLES {
        forget(store, table, 1, KeyMatch::Is(load)).unwrap();
    }
    model.retain(|k, _| k.2 != load);
}

/// A store with load `a.1` of `names` pages of one namespace, on one day of February, and
/// load `b.1` of the first `second` of them; the rows of `a.1`.
fn two_loads(names: usize, second: usize) -> (tempfile::TempDir, EmbeddedStore, Model, Vec<Row>) {
    let (dir, store) = crate::test_store();
    let mut model = Model::new();
    let rows: Vec<Row> = (0..names).map(|n| (0, 0, 0, n, 40, 1, 1)).collect();
    load(&store, &mut model, "a.1", &rows);
    load(&store, &mut model, "b.1", &rows[..second]);
    (dir, store, model, rows)
}

#[test]
fn ids_pending_are_not_handed_out_until_their_rows_are_deleted() {
    let (_dir, store, mut model, rows) = two_loads(6, 2);
    forget_only(&store, &mut model, "a.1");
    let before = next_article(&store);
    // In another month than load a's: no merge leaves a's rows out meanwhile.
    let january: Vec<Row> = rows[..3].iter().map(|r| (r.0, r.1, r.2, r.3, 5, 1, 1)).collect();
    load(&store, &mut model, "c.1", &january);
    assert_eq!(next_article(&store), before + 3, "pending ids are not taken");
    // A deletion of nothing finishes the sweep: the ids are free, and the next names take them.
    assert_eq!(drop_load(&store, &mut model, "none"), 6, "load a's rows, left out now");
    check(&store, &model, &["a.1".into()]);
    load(&store, &mut model, "d.1", &rows);
    assert_eq!(next_article(&store), before + 3);
    check(&store, &model, &["a.1".into()]);
}

#[test]
fn a_load_that_took_some_free_ids_gives_back_only_those() {
    let (_dir, store, mut model, rows) = two_loads(8, 1);
    drop_load(&store, &mut model, "a.1");
    let before = next_article(&store);
    // Load c takes 3 of the 8 free ids; forgetting it must pend those 3 only: the 5 others
    // stay free, and load d takes them while c's are pending.
    load(&store, &mut model, "c.1", &rows[..3]);
    forget_only(&store, &mut model, "c.1");
    let later: Vec<Row> = rows[..5].iter().map(|r| (r.0, r.1, r.2, r.3, 41, 2, 2)).collect();
    load(&store, &mut model, "d.1", &later);
    assert_eq!(next_article(&store), before, "d took the 5 ids left free");
    drop_load(&store, &mut model, "none");
    check(&store, &model, &["a.1".into(), "c.1".into()]);
}

/// Ids forgotten while a merge of their month is under way (its new segment holding some of
/// them already, the merged ones the rest): the sweep deletes them from all three, the merge
/// finishes later, and the next load's names on those ids read only their own days.
#[test]
fn ids_in_a_merge_under_way_are_deleted_from_both_sides() {
    let (_dir, store, mut model, rows) = two_loads(40, 2);
    store.set_merge_budget(Some(std::time::Duration::ZERO));
    let later: Vec<Row> = rows.iter().map(|r| (r.0, r.1, r.2, r.3, 41, 3, 3)).collect();
    load(&store, &mut model, "c.1", &later);
    let (number, february) = {
        let rtxn = store.read_txn().unwrap();
        let number = crate::entity::table_number(&store.inner.tables, &rtxn, &PER_PAGE).unwrap();
        (number.unwrap(), day(40).year_month())
    };
    store.merge_some(number, february, 1);
    assert!(manifest(&store).unfinished(number, february).is_some(), "a merge under way");
    forget_only(&store, &mut model, "a.1");
    store.set_merge_budget(None);
    assert_eq!(drop_load(&store, &mut model, "none"), 40, "load a's rows, one a name");
    check(&store, &model, &["a.1".into()]);
    load_on_given_back_ids(&store, &mut model, &rows, "d.1", 42);
    assert!(manifest(&store).unfinished(number, february).is_none(), "the merge finished");
    check(&store, &model, &["a.1".into()]);
}

/// Entity segments of format 4 (blocks of four ids) read, merge with this build's (blocks of
/// 32) and give their ids back alike.
#[test]
fn segments_with_blocks_of_four_ids_read_merge_and_give_back_alike() {
    let (_dir, store, mut model, rows) = two_loads(40, 2);
    crate::blocks::rewrite_segments(&store, 2);
    check(&store, &model, &[]);
    drop_load(&store, &mut model, "a.1");
    check(&store, &model, &["a.1".into()]);
    load_on_given_back_ids(&store, &mut model, &rows, "c.1", 41);
    let shifts = manifest(&store).segments.iter().map(|s| s.shift).collect::<Vec<_>>();
    assert_eq!(shifts, [crate::blocks::HISTORY_SHIFT], "merged into one of this build's");
    check(&store, &model, &["a.1".into()]);
}

#[test]
fn a_deletion_by_the_group_is_refused() {
    let (_dir, store) = crate::test_store();
    load(&store, &mut Model::new(), "a.1", &[(0, 0, 0, 0, 0, 1, 1)]);
    let refused = store.delete_rows(&PER_PAGE, 0, KeyMatch::Is("all-editor-types"));
    assert!(matches!(refused, Err(StoreError::InvalidWrite(_))), "{refused:?}");
}

#[test]
fn damaged_records_are_errors() {
    let record = Pending {
        ids: Ranges(vec![(3, 9)]),
        projects: [1, 300].into(),
        tables: [2].into(),
        clean_from: 77,
    };
    let bytes = record.encode();
    assert_eq!(Pending::decode(&bytes).unwrap(), record);
    for cut in 0..bytes.len() {
        assert!(Pending::decode(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    assert!(Pending::decode(&[bytes.clone(), vec![0]].concat()).is_err(), "trailing bytes");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Loads and drops in any order: reads always match the model, and ids are accounted for.
    #[test]
    fn loads_and_drops_keep_every_id_named_or_free(
        ops in prop::collection::vec(
            prop_oneof![
                prop::collection::vec((0..2usize, 0..2usize, 0..2usize, 0..8usize, 0..60u32, 1..9u64, 0..99u64), 1..20)
                    .prop_map(Some),
                Just(None),
            ],
            1..8,
        ),
        pick in 0..8usize,
    ) {
        let (_dir, store) = crate::test_store();
        let mut model = Model::new();
        let (mut loads, mut dropped): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Some(mut rows) => {
                    // One row per (table, group, project, name, day): the model keeps the last.
                    rows.reverse();
                    let mut seen = BTreeSet::new();
                    rows.retain(|r| seen.insert((r.0, r.1 % GROUPS[r.0].len(), r.2, r.3, r.4)));
                    let name = format!("s.{i}");
                    load(&store, &mut model, &name, &rows);
                    loads.push(name);
                }
                None if !loads.is_empty() => {
                    let gone = loads.remove(pick % loads.len());
                    drop_load(&store, &mut model, &gone);
                    dropped.push(gone);
                }
                None => {}
            }
            check(&store, &model, &dropped);
        }
    }
}
