//! The entity shape (`aqs_core::table::Shape::Entity`) in the segment engine of pageviews per
//! article: media requests per file are stored as articles are, one value per (file, month)
//! in the month's segments, the file paths in the title dictionary (docs/store-format.md,
//! "Entity tables").
//!
//! - Each entity table has a number in `meta` (`entity/<name>` → u8, from 1; per article is 0)
//!   that tags its segments in the manifest, so that its days are replaced, merged and read
//!   apart from every other table's.
//! - Its entities are titles of dictionary namespaces kept in `projects` under names no
//!   project can have: `entity:<table>` for the rows whose first key part is one of the
//!   table's groups, `entity:<table>:<first key part>` for the others.
//! - The day value is the per-article 4 × 4 table of counters (codec in `codec/`): its rows
//!   are the groups (the first the total, free when it is the sum), its columns the value
//!   columns (`user`, `spider`, a third) and their sum. A row outside the groups is kept in
//!   group 1 of its own namespace, and read as that namespace's total.

use crate::blocks::{ARTICLE_SHIFT, HISTORY_SHIFT, Shift};
use crate::dictionary::writer::DictionaryWriter;
use crate::dictionary::{ids_of_rows, project_id};
use crate::merge::append_segment;
use crate::pageviews::{months_between, range_mask, resolve_month};
use crate::scan::SegmentScan;
use crate::segments::{EntityTable, full_month_mask};
use crate::write::{SegmentRow, WriteState};
use crate::{EmbeddedStore, Tables, engine};
use aqs_core::dates::{Day, Period, YearMonth};
use aqs_core::error::{StoreError, StoreResult};
use aqs_core::pageviews::ArticleViews;
use aqs_core::project::Project;
use aqs_core::table::{Numbers, SeriesChanges, SeriesEntry, SeriesRow, Shape, TableDef};
use heed::{RoTxn, RwTxn};
use std::collections::{BTreeMap, HashMap};

const META_ENTITY_TABLES: &[u8] = b"entity_tables";

fn table_key(table: &TableDef) -> Vec<u8> {
    format!("entity/{}", table.name).into_bytes()
}

/// The number of an entity table, if it has one yet.
pub(crate) fn table_number(
    tables: &Tables,
    txn: &RoTxn,
    table: &TableDef,
) -> StoreResult<Option<u8>> {
    Ok(tables.meta.get(txn, &table_key(table)).map_err(engine)?.and_then(|b| b.first().copied()))
}

/// The number of an entity table, given one when it has none.
fn table_number_for_write(
    tables: &Tables,
    wtxn: &mut RwTxn,
    table: &TableDef,
) -> StoreResult<EntityTable> {
    if let Some(n) = table_number(tables, wtxn, table)? {
        return Ok(n);
    }
    let count = tables.meta.get(wtxn, META_ENTITY_TABLES).map_err(engine)?;
    let count = count.and_then(|b| b.first().copied()).unwrap_or(0);
    let n = count
        .checked_add(1)
        .ok_or_else(|| StoreError::Limit("more than 255 entity tables".into()))?;
    tables.meta.put(wtxn, META_ENTITY_TABLES, &[n]).map_err(engine)?;
    tables.meta.put(wtxn, &table_key(table), &[n]).map_err(engine)?;
    Ok(n)
}

/// The blocks a table's segments are written in (`blocks.rs`): of 32 ids for the MediaWiki
/// history's (a name's month is about 12 bytes), of four for the others (a file's month of
/// media requests is an article's size).
fn block_shift(table: &TableDef) -> Shift {
    match table.dataset {
        aqs_core::table::Dataset::History => HISTORY_SHIFT,
        _ => ARTICLE_SHIFT,
    }
}

/// Where a row's key puts it: the namespace, the entity's name, and the group (the row of
/// the day value) it writes and the one it reads.
struct Place<'k> {
    namespace: String,
    name: &'k str,
    write_group: usize,
    read_group: usize,
}

fn groups(table: &TableDef) -> &'static [&'static str] {
    match table.shape {
        Shape::Entity { groups } => groups,
        Shape::Series | Shape::Ranked => &[],
    }
}

fn place<'k>(table: &TableDef, key: &[&'k str]) -> Option<Place<'k>> {
    let (&name, parts) = key.split_last()?;
    let (&first, middle) = parts.split_first()?;
    let mut namespace = format!("entity:{}", table.name);
    let (write_group, read_group) = match groups(table).iter().position(|g| *g == first) {
        Some(g) => (g, g),
        None => {
            namespace.push(':');
            namespace.push_str(first);
            (1, 0)
        }
    };
    for part in middle {
        namespace.push(':');
        namespace.push_str(part);
    }
    Some(Place { namespace, name, write_group, read_group })
}

/// The key parts but the name that a namespace of `table` stands for ([`place`] backwards;
/// `None` for the first in the groups' namespace), or `None` when `namespace` is not one of the
/// table's (or is ambiguous: a key part holding `:`).
pub(crate) fn namespace_parts<'n>(
    table: &TableDef,
    namespace: &'n str,
) -> Option<Vec<Option<&'n str>>> {
    let rest = namespace.strip_prefix("entity:")?.strip_prefix(table.name)?;
    let middle = table.key.len().checked_sub(2)?;
    let parts: Vec<&str> = match rest.is_empty() {
        true => Vec::new(),
        false => rest.strip_prefix(':')?.split(':').collect(),
    };
    if parts.len() == middle {
        return Some(std::iter::once(None).chain(parts.into_iter().map(Some)).collect());
    }
    let own_first = parts.len() == middle + 1 && !groups(table).contains(&parts[0]);
    own_first.then(|| parts.into_iter().map(Some).collect())
}

/// Counter `value` of `group` in the day value (columns: all, third, spider, user).
fn cell(group: usize, value: usize) -> usize {
    group * 4 + 3 - value
}

/// A group's numbers, or `None` when the group reads as absent (not the total, all zero).
fn group_values(views: &ArticleViews, group: usize, width: usize) -> Option<Numbers> {
    let mut n = Numbers::default();
    for (v, slot) in n.0.iter_mut().enumerate().take(width) {
        *slot = u64::from(views.0[cell(group, v)]);
    }
    (group == 0 || n != Numbers::default()).then_some(n)
}

fn set_group(views: &mut ArticleViews, group: usize, values: &Numbers) -> StoreResult<()> {
    let mut sum = 0u32;
    for v in 0..3 {
        let n = u32::try_from(values.0[v]).map_err(|_| {
            StoreError::InvalidWrite(format!(
                "a counter over 2^32 in an entity row: {}",
                values.0[v]
            ))
        })?;
        views.0[cell(group, v)] = n;
        sum = sum.saturating_add(n);
    }
    views.0[group * 4] = sum;
    Ok(())
}

/// Writes the entity tables' changes of a publication into new segments (one per table and
/// month) in `wtxn`; returns the (table, month)s written, for the merges that follow.
pub(crate) fn write(
    store: &EmbeddedStore,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    changes: &[&SeriesChanges],
) -> StoreResult<Vec<(EntityTable, YearMonth)>> {
    let tables = &store.inner.tables;
    let mut covers: BTreeMap<(EntityTable, YearMonth), u64> = BTreeMap::new();
    let mut shifts: HashMap<EntityTable, Shift> = HashMap::new();
    let mut namespaces: HashMap<String, u16> = HashMap::new();
    let stored: Vec<_> = changes.iter().map(|c| c.stored_rows()).collect();
    // (namespace, name, table, day, group, values), in the order given.
    let mut cells = Vec::with_capacity(stored.iter().map(|r| r.len()).sum());
    for (change, rows) in changes.iter().zip(&stored) {
        let number = table_number_for_write(tables, wtxn, change.table)?;
        shifts.insert(number, block_shift(change.table));
        for &(first, last) in &change.replace {
            if let (Period::Day(mut day), Period::Day(last)) = (first, last) {
                while day <= last {
                    *covers.entry((number, day.year_month())).or_default() |=
                        crate::segments::day_bit(day);
                    day = day.add_days(1);
                }
            }
        }
        // The row before's key parts but the name, and where they put it: rows of one
        // namespace come together, so it is worked out once for them.
        let mut before: Option<(&[String], u16, usize)> = None;
        for row in rows.iter() {
            let Some((name, parts)) = row.key.split_last() else {
                return Err(StoreError::InvalidWrite(format!("{}: a bad row", change.table.name)));
            };
            let (namespace, group) = match before {
                Some((p, namespace, group)) if p == parts => (namespace, group),
                _ => {
                    let key: Vec<&str> = row.key.iter().map(String::as_str).collect();
                    let Some(at) = place(change.table, &key) else {
                        let table = change.table.name;
                        return Err(StoreError::InvalidWrite(format!("{table}: a bad row")));
                    };
                    let namespace = match namespaces.get(&at.namespace) {
                        Some(&id) => id,
                        None => {
                            let id =
                                project_id(tables, wtxn, &Project::from_stored(&at.namespace))?;
                            namespaces.insert(at.namespace.clone(), id);
                            id
                        }
                    };
                    before = Some((parts, namespace, at.write_group));
                    (namespace, at.write_group)
                }
            };
            let Period::Day(day) = row.period else {
                return Err(StoreError::InvalidWrite(format!("{}: a bad row", change.table.name)));
            };
            cells.push((namespace, name.as_str(), number, day, group, row.values));
        }
    }
    let ids = cell_ids(store, wtxn, state, &cells)?;
    // The day values, built from the cells of each (table, month, id, day) in turn: of a day
    // the publication does not replace, the stored value is the base (groups not written
    // keep their counters); a group written without the total gets it summed.
    let mut order: Vec<(EntityTable, i32, u32, Day, u32)> = cells
        .iter()
        .zip(&ids)
        .enumerate()
        .map(|(at, (c, id))| (c.2, c.3.year_month().index(), *id, c.3, at as u32))
        .collect();
    // Stable: a group written twice keeps the later numbers, as given.
    order.sort_by_key(|o| (o.0, o.1, o.2, o.3));
    let slots = store.inner.slots.opened();
    let mut months: BTreeMap<(EntityTable, YearMonth), Vec<SegmentRow>> =
        covers.keys().map(|k| (*k, Vec::new())).collect();
    for run in order.chunk_by(|a, b| (a.0, a.1, a.2, a.3) == (b.0, b.1, b.2, b.3)) {
        let (number, month, id, day, _) = run[0];
        let month = YearMonth::from_index(month);
        let replaced =
            covers.get(&(number, month)).is_some_and(|c| c & crate::segments::day_bit(day) != 0);
        // Ids numbered by this write are new names: no stored value to start from.
        let mut views = match replaced || state.numbered.contains(id) {
            true => ArticleViews::default(),
            false => {
                let mask = range_mask(month, day, day);
                let old = resolve_month(&slots, wtxn, &state.manifest, (number, month), id, mask)?;
                old.first().map(|(_, v)| *v).unwrap_or_default()
            }
        };
        let mut total = false;
        for &(.., at) in run {
            let (_, _, _, _, group, numbers) = cells[at as usize];
            set_group(&mut views, group, &numbers)?;
            total |= group == 0;
        }
        if !total {
            for c in 0..4 {
                views.0[c] =
                    views.0[4 + c].saturating_add(views.0[8 + c]).saturating_add(views.0[12 + c]);
            }
        }
        months.entry((number, month)).or_default().push((id, day, views));
    }
    let written: Vec<_> = months.keys().copied().collect();
    for (part, rows) in months {
        let covered = covers.get(&part).copied().unwrap_or(0);
        let shift = shifts.get(&part.0).copied().unwrap_or(ARTICLE_SHIFT);
        let covered = covered & full_month_mask(part.1);
        append_segment(store, wtxn, state, (part.0, part.1, shift), covered, &rows)?;
    }
    Ok(written)
}

/// The dictionary ids of the cells' (namespace, name)s: each name found (or numbered) once,
/// in title order, as the dictionary wants them.
fn cell_ids(
    store: &EmbeddedStore,
    wtxn: &mut RwTxn,
    state: &mut WriteState,
    cells: &[(u16, &str, EntityTable, Day, usize, Numbers)],
) -> StoreResult<Vec<u32>> {
    if cells.is_empty() {
        return Ok(Vec::new());
    }
    // Each cell's place among the distinct names.
    let mut distinct: HashMap<(u16, &str), u32, rustc_hash::FxBuildHasher> = HashMap::default();
    let places: Vec<u32> = cells
        .iter()
        .map(|c| {
            let next = distinct.len() as u32;
            *distinct.entry((c.0, c.1)).or_insert(next)
        })
        .collect();
    let mut names: Vec<((u16, &str), u32)> = distinct.into_iter().collect();
    names.sort_unstable_by(|a, b| (a.0.0, a.0.1.as_bytes()).cmp(&(b.0.0, b.0.1.as_bytes())));
    let keys: Vec<(u16, &str)> = names.iter().map(|n| n.0).collect();
    let mut writer =
        DictionaryWriter::create(&store.inner.path, store.dictionary(state.dictionary)?)?;
    let sorted_ids = ids_of_rows(&mut writer, &store.inner.tables, wtxn, state, &keys)?;
    if let Some(number) = writer.finish()? {
        state.dictionary = number;
    }
    let mut ids = vec![0u32; names.len()];
    for ((_, place), id) in names.iter().zip(sorted_ids) {
        ids[*place as usize] = id;
    }
    Ok(places.into_iter().map(|p| ids[p as usize]).collect())
}

/// The rows of one key of an entity table from `first` to `last` (days).
pub(crate) fn read(
    store: &EmbeddedStore,
    table: &'static TableDef,
    key: &[&str],
    first: Period,
    last: Period,
) -> StoreResult<Vec<SeriesEntry>> {
    let (Period::Day(first), Period::Day(last), Some(at)) = (first, last, place(table, key)) else {
        return Ok(Vec::new());
    };
    let (rtxn, snapshot) = store.read_snapshot()?;
    let Some(number) = table_number(&store.inner.tables, &rtxn, table)? else {
        return Ok(Vec::new());
    };
    let Some(&namespace) = snapshot.project_ids.get(&at.namespace) else { return Ok(Vec::new()) };
    let Some(id) = snapshot.dictionary.get(namespace, at.name.as_bytes())? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for month in months_between(first, last) {
        let wanted = range_mask(month, first, last);
        let rows =
            resolve_month(&snapshot.slots, &rtxn, &snapshot.manifest, (number, month), id, wanted)?;
        for (day, views) in rows {
            if let Some(values) = group_values(&views, at.read_group, table.values.len()) {
                out.push(SeriesEntry { period: Period::Day(day), sub: String::new(), values });
            }
        }
    }
    Ok(out)
}

/// Every row of an entity table from `first` to `last` (days), in key order.
pub(crate) fn scan(
    store: &EmbeddedStore,
    table: &'static TableDef,
    first: Period,
    last: Period,
) -> StoreResult<Vec<SeriesRow>> {
    let (Period::Day(first), Period::Day(last)) = (first, last) else { return Ok(Vec::new()) };
    let (rtxn, snapshot) = store.read_snapshot()?;
    let Some(number) = table_number(&store.inner.tables, &rtxn, table)? else {
        return Ok(Vec::new());
    };
    let mut found: HashMap<u32, Vec<(Day, ArticleViews)>> = HashMap::new();
    let mut rows = Vec::new();
    for month in months_between(first, last) {
        let mut scan =
            SegmentScan::month(&snapshot.slots, &rtxn, &snapshot.manifest, number, month)?;
        while let Some(id) = scan.next(&mut rows)? {
            let kept = rows.iter().filter(|(d, _)| (first..=last).contains(d));
            found.entry(id).or_default().extend(kept);
        }
    }
    // Namespaces of the table: their key parts before the entity's name.
    let spaces: HashMap<u16, Option<String>> = namespaces(&snapshot, table).into_iter().collect();
    let mut out = Vec::new();
    let width = table.values.len();
    snapshot.dictionary.for_each(|namespace, name, id| {
        let (Some(space), Some(days)) = (spaces.get(&namespace), found.get(&id)) else {
            return Ok(());
        };
        let name = std::str::from_utf8(name).map_err(|_| crate::codec::corrupt("entity name"))?;
        for (day, views) in days {
            let period = Period::Day(*day);
            let mut push = |first: &str, values| {
                let key = vec![first.to_string(), name.to_string()];
                out.push(SeriesRow { key, period, sub: String::new(), values });
            };
            for (g, first) in read_groups(table, space.as_deref()) {
                if let Some(values) = group_values(views, g, width) {
                    push(first, values);
                }
            }
        }
        Ok(())
    })?;
    out.sort_by(|a, b| (&a.key, a.period).cmp(&(&b.key, b.period)));
    Ok(out)
}

/// [`aqs_core::table::TableWrite::entity_month_sums`]: every entity of the table's namespaces
/// in title order, its month resolved by lookups (one per segment of the month), summed per
/// group; memory stays that of one entity.
pub(crate) fn month_sums(
    store: &EmbeddedStore,
    table: &'static TableDef,
    month: YearMonth,
    f: &mut dyn FnMut(&[String], Numbers) -> StoreResult<()>,
) -> StoreResult<()> {
    let (rtxn, snapshot) = store.read_snapshot()?;
    let Some(number) = table_number(&store.inner.tables, &rtxn, table)? else { return Ok(()) };
    let mask = full_month_mask(month);
    let width = table.values.len();
    for (id, first) in namespaces(&snapshot, table) {
        snapshot.dictionary.for_each_in(id, |name, entity| {
            let rows = resolve_month(
                &snapshot.slots,
                &rtxn,
                &snapshot.manifest,
                (number, month),
                entity,
                mask,
            )?;
            if rows.is_empty() {
                return Ok(());
            }
            let name =
                std::str::from_utf8(name).map_err(|_| crate::codec::corrupt("entity name"))?;
            for (g, group) in read_groups(table, first.as_deref()) {
                let mut sum = Numbers::default();
                let mut present = false;
                for (_, views) in &rows {
                    if let Some(values) = group_values(views, g, width) {
                        present = true;
                        for (s, v) in sum.0.iter_mut().zip(values.0) {
                            *s = s.saturating_add(v);
                        }
                    }
                }
                if present {
                    f(&[group.to_string(), name.to_string()], sum)?;
                }
            }
            Ok(())
        })?;
    }
    Ok(())
}

/// The rows a stored value holds for a namespace: (group of the day value, first key part).
/// The groups' namespace reads every group; another namespace reads its total as its key.
fn read_groups<'a>(table: &'a TableDef, first: Option<&'a str>) -> Vec<(usize, &'a str)> {
    match first {
        Some(first) => vec![(0, first)],
        None => groups(table).iter().copied().enumerate().collect(),
    }
}

/// The namespaces of an entity table in a snapshot: (id, the first key part when the
/// namespace is not the groups').
fn namespaces(snapshot: &crate::Snapshot, table: &TableDef) -> Vec<(u16, Option<String>)> {
    let prefix = format!("entity:{}", table.name);
    let mut out = Vec::new();
    for (name, id) in &snapshot.project_ids {
        if let Some(rest) = name.strip_prefix(&prefix) {
            match rest.strip_prefix(':') {
                Some(first) => out.push((*id, Some(first.to_string()))),
                None if rest.is_empty() => out.push((*id, None)),
                None => {}
            }
        }
    }
    out.sort();
    out
}

/// The segment tables (slots) of each entity table, by the table's name.
pub(crate) fn slots_by_table(
    tables: &Tables,
    txn: &RoTxn,
    snapshot: &crate::Snapshot,
) -> StoreResult<Vec<(String, Vec<u32>)>> {
    let mut out = Vec::new();
    for entry in tables.meta.prefix_iter(txn, b"entity/").map_err(engine)? {
        let (key, number) = entry.map_err(engine)?;
        let name = String::from_utf8_lossy(&key[b"entity/".len()..]).into_owned();
        let number = number.first().copied();
        let slots =
            snapshot.manifest.segments.iter().filter(|s| Some(s.table) == number).map(|s| s.slot);
        out.push((name, slots.collect()));
    }
    Ok(out)
}

/// The entries and bytes (whole blocks) the dictionary spends on an entity table's names.
pub(crate) fn name_sizes(snapshot: &crate::Snapshot, table: &str) -> (u64, u64) {
    let prefix = format!("entity:{table}");
    let (mut entries, mut bytes) = (0, 0);
    for (name, id) in &snapshot.project_ids {
        let ours = name.strip_prefix(&prefix).is_some_and(|r| r.is_empty() || r.starts_with(':'));
        if let (true, Some(section)) = (ours, snapshot.dictionary.section(*id)) {
            entries += section.entries;
            bytes += u64::from(section.blocks) * crate::dictionary::file::BLOCK as u64;
        }
    }
    (entries, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_are_rows_of_the_day_value_and_the_total_is_derived() {
        let mut v = ArticleViews::default();
        set_group(&mut v, 1, &Numbers::counters(&[5, 2])).unwrap();
        set_group(&mut v, 3, &Numbers::counters(&[1, 0])).unwrap();
        for c in 0..4 {
            v.0[c] = v.0[4 + c] + v.0[8 + c] + v.0[12 + c];
        }
        assert!(v.is_derived(), "a summed total is stored for free");
        assert_eq!(group_values(&v, 0, 2), Some(Numbers::counters(&[6, 2])));
        assert_eq!(group_values(&v, 1, 2), Some(Numbers::counters(&[5, 2])));
        assert_eq!(group_values(&v, 2, 2), None, "an empty group reads as absent");
        assert!(set_group(&mut v, 1, &Numbers::counters(&[1 << 32])).is_err());
    }

    #[test]
    fn sizes_show_entity_tables_apart() {
        use aqs_core::mediarequests::per_file::{PER_FILE, per_file_row};
        use aqs_core::table::{SeriesBatch, SeriesChanges, TableWrite};
        let dir = tempfile::tempdir().unwrap();
        let options = crate::StoreOptions { map_size: 1 << 26, ..Default::default() };
        let store = EmbeddedStore::open_with(dir.path(), &options).unwrap();
        let day = Day::from_ymd(2024, 1, 1).unwrap();
        let rows = (0..3).map(|i| per_file_row("all-referers", &format!("/f{i}"), day, 1, 0));
        let changes =
            vec![SeriesChanges { table: &PER_FILE, replace: vec![], rows: rows.collect() }];
        store.publish_series(&SeriesBatch { dataset: PER_FILE.dataset, changes }).unwrap();
        let sizes = store.table_sizes().unwrap();
        let find = |name: &str| sizes.iter().find(|t| t.name == name).unwrap().entries;
        assert_eq!(find("mediarequests_per_file (segments)"), 1, "one block of three files");
        assert_eq!(find("mediarequests_per_file (names)"), 3);
        assert_eq!((find("articles"), find("series")), (0, 0));
        let state = WriteState::read(&store.inner.tables, &store.read_txn().unwrap()).unwrap();
        let shifts: Vec<Shift> = state.manifest.segments.iter().map(|s| s.shift).collect();
        assert_eq!(shifts, [ARTICLE_SHIFT], "a file's month is an article's size: blocks of four");
    }

    #[test]
    fn namespaces_give_back_their_key_parts() {
        use aqs_core::history::per_entity::PER_PAGE;
        for key in
            [["all-editor-types", "2024-01.7", "en.wikipedia", "A"], ["name-bot", "l", "p", "B"]]
        {
            let at = place(&PER_PAGE, &key).unwrap();
            let parts = namespace_parts(&PER_PAGE, &at.namespace).unwrap();
            let first = (key[0] == "name-bot").then_some(key[0]);
            assert_eq!(parts, [first, Some(key[1]), Some(key[2])], "{}", at.namespace);
        }
        let t = &aqs_core::mediarequests::per_file::PER_FILE;
        assert_eq!(namespace_parts(t, "entity:mediarequests_per_file"), Some(vec![None]));
        assert_eq!(namespace_parts(t, "entity:mediarequests_per_file:x"), Some(vec![Some("x")]));
        for other in
            ["entity:history_per_page:a:b", "entity:mediarequests_per_filex", "en.wikipedia"]
        {
            assert_eq!(namespace_parts(t, other), None, "{other}");
        }
        assert_eq!(namespace_parts(&PER_PAGE, "entity:history_per_page:a:b:c:d"), None);
        assert_eq!(namespace_parts(&PER_PAGE, "entity:history_per_page:user:a:b"), None);
    }

    #[test]
    fn keys_find_their_namespace() {
        let t = &aqs_core::mediarequests::per_file::PER_FILE;
        let p = place(t, &["internal", "/a/b.jpg"]).unwrap();
        assert_eq!(
            (p.namespace.as_str(), p.name, p.write_group, p.read_group),
            ("entity:mediarequests_per_file", "/a/b.jpg", 1, 1)
        );
        let p = place(t, &["en.wikipedia", "-"]).unwrap();
        assert_eq!(
            (p.namespace.as_str(), p.write_group, p.read_group),
            ("entity:mediarequests_per_file:en.wikipedia", 1, 0)
        );
        assert!(place(t, &["x"]).is_none());
    }
}
