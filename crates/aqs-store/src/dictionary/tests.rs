//! The dictionary file and its writer, checked against a `BTreeMap` of the same titles.

use super::file::{self, Dictionary};
use super::writer::{DictionaryWriter, MAX_TITLE_BYTES};
use aqs_core::error::StoreError;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

type Model = BTreeMap<(u16, Vec<u8>), u32>;

/// Writes `titles` (by project, in the order the projects are given) over `old`, handing out
/// ids from `next`; returns the new dictionary (or `old` when nothing was new) and the ids.
fn write(
    dir: &Path,
    old: Arc<Dictionary>,
    projects: &[(u16, Vec<Vec<u8>>)],
    next: &mut u32,
) -> (Arc<Dictionary>, Vec<Vec<u32>>) {
    let mut writer = DictionaryWriter::create(dir, Arc::clone(&old)).unwrap();
    let mut all = Vec::new();
    for (project, titles) in projects {
        // In two calls, as a day's publication gives a project's rows in chunks.
        let half = titles.len() / 2;
        let mut ids = Vec::new();
        for part in [&titles[..half], &titles[half..]] {
            let new_id = || {
                *next += 1;
                Ok(*next - 1)
            };
            ids.extend(writer.ids(*project, part.iter().map(|t| t.as_slice()), new_id).unwrap());
        }
        all.push(ids);
    }
    let dictionary = match writer.finish().unwrap() {
        Some(number) => Arc::new(Dictionary::open(dir, number).unwrap()),
        None => old,
    };
    (dictionary, all)
}

/// Every entry of the dictionary, checked against the model both ways.
fn check(dictionary: &Dictionary, model: &Model) {
    let mut seen = Vec::new();
    dictionary
        .for_each(|project, title, id| {
            seen.push(((project, title.to_vec()), id));
            Ok(())
        })
        .unwrap();
    let expected: Vec<_> = model.iter().map(|(k, v)| (k.clone(), *v)).collect();
    assert_eq!(seen, expected);
    assert_eq!(dictionary.entries(), model.len() as u64);
    for ((project, title), id) in model {
        assert_eq!(dictionary.get(*project, title).unwrap(), Some(*id), "{title:?}");
        let mut missing = title.clone();
        missing.push(b'~');
        if !model.contains_key(&(*project, missing.clone())) {
            assert_eq!(dictionary.get(*project, &missing).unwrap(), None);
        }
    }
    assert_eq!(dictionary.get(999, b"A").unwrap(), None);
}

fn titles() -> impl Strategy<Value = Vec<(u16, Vec<Vec<u8>>)>> {
    let title = prop_oneof![
        8 => "[A-Ca-c_é]{0,12}".prop_map(String::into_bytes),
        1 => proptest::collection::vec(any::<u8>(), 0..1200),
    ];
    let project = proptest::collection::btree_set(title, 0..300);
    proptest::collection::btree_map(0u16..5, project, 0..5).prop_map(|m| {
        // Projects in an order other than their ids, as loads give them by name.
        let mut out: Vec<(u16, Vec<Vec<u8>>)> = m
            .into_iter()
            .map(|(p, t)| (p, t.into_iter().filter(|t| t.len() <= MAX_TITLE_BYTES).collect()))
            .collect();
        out.reverse();
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Three writes in a row: the first creates every title, the next keep their ids, give
    /// new titles new ids, and copy or name the files of the projects they do not touch.
    #[test]
    fn files_hold_what_was_written(first in titles(), second in titles(), third in titles()) {
        let dir = tempfile::tempdir().unwrap();
        let mut model = Model::new();
        let mut next = 0;
        let (one, ids) = write(dir.path(), Arc::new(Dictionary::empty()), &first, &mut next);
        for ((project, titles), ids) in first.iter().zip(&ids) {
            for (title, id) in titles.iter().zip(ids) {
                model.insert((*project, title.clone()), *id);
            }
        }
        let distinct: Vec<u32> = model.values().copied().collect();
        prop_assert_eq!(distinct.len() as u32, next, "one new id per title");
        check(&one, &model);
        let before = next;
        let (two, ids) = write(dir.path(), Arc::clone(&one), &second, &mut next);
        for ((project, titles), ids) in second.iter().zip(&ids) {
            for (title, id) in titles.iter().zip(ids) {
                match model.get(&(*project, title.clone())) {
                    Some(old) => prop_assert_eq!(old, id),
                    None => prop_assert!(*id >= before),
                }
                model.insert((*project, title.clone()), *id);
            }
        }
        check(&two, &model);
        // The first file still reads as it was through its mapping.
        prop_assert_eq!(one.entries(), distinct.len() as u64);
        // A third write over sections the second left in the first file or copied.
        let (three, ids) = write(dir.path(), Arc::clone(&two), &third, &mut next);
        for ((project, titles), ids) in third.iter().zip(&ids) {
            for (title, id) in titles.iter().zip(ids) {
                model.insert((*project, title.clone()), *id);
            }
        }
        check(&three, &model);
        check(&Dictionary::open(dir.path(), three.number).unwrap(), &model);
    }
}

fn numbers(dictionary: &Dictionary) -> Vec<u64> {
    dictionary.files().iter().map(|f| f.number).collect()
}

fn numbered(prefix: &str, count: usize) -> Vec<Vec<u8>> {
    (0..count).map(|i| format!("{prefix}{i:06}").into_bytes()).collect()
}

/// File 1 of `dir`: project 1 with `articles` titles (ids from 0), project 2 with ten.
fn big_and_small(dir: &Path, articles: usize, next: &mut u32) -> Arc<Dictionary> {
    let first = [(1, numbered("Article_", articles)), (2, numbered("Page_", 10))];
    write(dir, Arc::new(Dictionary::empty()), &first, next).0
}

/// [`big_and_small`], then file 2 with project 3's five titles, naming file 1 for the others.
fn two_files(dir: &Path, articles: usize, next: &mut u32) -> Arc<Dictionary> {
    let one = big_and_small(dir, articles, next);
    let (two, _) = write(dir, one, &[(3, numbered("Name_", 5))], next);
    assert_eq!(numbers(&two), [2, 1]);
    two
}

#[test]
fn a_write_names_the_files_holding_the_projects_it_does_not_touch() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = 0;
    let two = two_files(dir.path(), 20_000, &mut next);
    let size = |n| std::fs::metadata(file::file_path(dir.path(), n)).unwrap().len();
    assert!(size(2) * 20 < size(1), "the new file holds project 3 alone: {} bytes", size(2));
    assert_eq!(two.entries(), 20_015);
    // Project 3 is left in file 2, project 1 in file 1, as they are.
    let (three, _) =
        write(dir.path(), Arc::clone(&two), &[(2, vec![b"Page_x".to_vec()])], &mut next);
    assert_eq!(numbers(&three), [3, 1, 2]);
    let reopened = Dictionary::open_reusing(dir.path(), 3, &two).unwrap();
    assert!(Arc::ptr_eq(&reopened.files()[1], &two.files()[1]), "file 1 not opened again");
    for dictionary in [&three, &reopened, &Dictionary::open(dir.path(), 3).unwrap()] {
        assert_eq!(dictionary.get(1, b"Article_019999").unwrap(), Some(19_999));
        assert_eq!(dictionary.get(2, b"Page_000009").unwrap(), Some(20_009));
        assert_eq!(dictionary.get(2, b"Page_x").unwrap(), Some(20_015));
        assert_eq!(dictionary.get(3, b"Name_000004").unwrap(), Some(20_014));
        assert_eq!(dictionary.entries(), 20_016);
    }
    // The next writer keeps the files dictionary 3 reads and removes the others.
    let writer = DictionaryWriter::create(dir.path(), Arc::clone(&three)).unwrap();
    drop(writer);
    let mut left: Vec<u64> = std::fs::read_dir(file::directory(dir.path()))
        .unwrap()
        .map(|e| file::number_of(e.unwrap().file_name().to_str().unwrap()).unwrap())
        .collect();
    left.sort();
    assert_eq!(left, [1, 2, 3]);
    // A file a dictionary names gone (a newer load removed it): readers read meta again.
    std::fs::remove_file(file::file_path(dir.path(), 1)).unwrap();
    let error = Dictionary::open(dir.path(), 3).err().unwrap();
    assert!(file::is_replaced(&error), "{error}");
}

#[test]
fn sections_of_a_file_left_mostly_dead_are_copied_forward() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = 0;
    let one = big_and_small(dir.path(), 20_000, &mut next);
    // Project 1 is rewritten: file 1 would keep project 2's one block of about a hundred.
    let (two, _) =
        write(dir.path(), Arc::clone(&one), &[(1, vec![b"Article_x".to_vec()])], &mut next);
    assert_eq!(numbers(&two), [2], "project 2 copied, file 1 no longer read");
    assert_eq!(two.get(2, b"Page_000003").unwrap(), Some(20_003));
    assert_eq!(two.get(1, b"Article_x").unwrap(), Some(20_010));
    let writer = DictionaryWriter::create(dir.path(), Arc::clone(&two)).unwrap();
    drop(writer);
    assert!(!file::file_path(dir.path(), 1).exists());
}

#[test]
fn titles_that_fill_blocks_land_in_many_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let titles: Vec<Vec<u8>> =
        (0..3000).map(|i| format!("{i:05}{}", "x".repeat(i % 700)).into_bytes()).collect();
    let mut next = 0;
    let (dictionary, ids) =
        write(dir.path(), Arc::new(Dictionary::empty()), &[(7, titles.clone())], &mut next);
    let section = dictionary.section(7).unwrap();
    assert!(section.blocks > 100, "{} blocks", section.blocks);
    for (title, id) in titles.iter().zip(&ids[0]) {
        assert_eq!(dictionary.get(7, title).unwrap(), Some(*id));
    }
}

#[test]
fn short_titles_are_found_through_restart_points() {
    let dir = tempfile::tempdir().unwrap();
    let titles: Vec<Vec<u8>> =
        (0..20_000).map(|i| format!("Article_{:06}", i * 2).into_bytes()).collect();
    let mut next = 0;
    let (dictionary, ids) =
        write(dir.path(), Arc::new(Dictionary::empty()), &[(3, titles.clone())], &mut next);
    assert!(dictionary.section(3).unwrap().blocks < 100, "hundreds of entries per block");
    for (i, (title, id)) in titles.iter().zip(&ids[0]).enumerate() {
        assert_eq!(dictionary.get(3, title).unwrap(), Some(*id));
        let between = format!("Article_{:06}", i * 2 + 1);
        assert_eq!(dictionary.get(3, between.as_bytes()).unwrap(), None);
    }
    assert_eq!(dictionary.get(3, b"Article_").unwrap(), None);
    assert_eq!(dictionary.get(3, b"Z").unwrap(), None);
}

#[test]
fn a_write_without_new_titles_keeps_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = 0;
    let first = [(1, vec![b"A".to_vec(), b"B".to_vec()])];
    let (one, _) = write(dir.path(), Arc::new(Dictionary::empty()), &first, &mut next);
    let (same, ids) = write(dir.path(), Arc::clone(&one), &[(1, vec![b"B".to_vec()])], &mut next);
    assert_eq!(same.number, one.number);
    assert_eq!(ids, vec![vec![1]]);
    let files: Vec<_> = std::fs::read_dir(file::directory(dir.path())).unwrap().collect();
    assert_eq!(files.len(), 1, "the unneeded file was removed");
}

#[test]
fn writers_remove_failed_and_old_files_and_readers_keep_theirs() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = 0;
    let (one, _) =
        write(dir.path(), Arc::new(Dictionary::empty()), &[(1, vec![b"A".to_vec()])], &mut next);
    let (two, _) = write(dir.path(), Arc::clone(&one), &[(1, vec![b"B".to_vec()])], &mut next);
    // A write that fails (dropped unfinished) leaves no file; a stray one from a killed process
    // goes at the next write.
    {
        let mut writer = DictionaryWriter::create(dir.path(), Arc::clone(&two)).unwrap();
        writer.ids(1, [b"C".as_slice()].into_iter(), || Ok(99)).unwrap();
    }
    assert!(!file::file_path(dir.path(), 3).exists());
    std::fs::write(file::file_path(dir.path(), 7), b"stray").unwrap();
    let (three, _) = write(dir.path(), Arc::clone(&two), &[(2, vec![b"C".to_vec()])], &mut next);
    assert_eq!(three.number, 3);
    assert!(!file::file_path(dir.path(), 7).exists());
    assert!(!file::file_path(dir.path(), 1).exists(), "the file before the current one goes");
    assert!(file::file_path(dir.path(), 2).exists(), "the current one stays for readers");
    // A reader that still maps file 1 reads on; opening it anew says it was replaced.
    assert_eq!(one.get(1, b"A").unwrap(), Some(0));
    let error = Dictionary::open(dir.path(), 1).err().unwrap();
    assert!(file::is_replaced(&error), "{error}");
    assert_eq!(three.get(1, b"B").unwrap(), Some(1));
    assert_eq!(three.get(2, b"C").unwrap(), Some(2));
}

#[test]
fn bad_writes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut writer = DictionaryWriter::create(dir.path(), Arc::new(Dictionary::empty())).unwrap();
    let titles = [b"B".as_slice(), b"A".as_slice()];
    let error = writer.ids(1, titles.into_iter(), || Ok(0)).unwrap_err();
    assert!(matches!(error, StoreError::InvalidWrite(_)), "{error}");
    let long = vec![b'x'; MAX_TITLE_BYTES + 1];
    let error = writer.ids(2, [long.as_slice()].into_iter(), || Ok(0)).unwrap_err();
    assert!(matches!(error, StoreError::Limit(_)), "{error}");
    writer.ids(3, [b"A".as_slice()].into_iter(), || Ok(0)).unwrap();
    writer.ids(4, [b"A".as_slice()].into_iter(), || Ok(1)).unwrap();
    let error = writer.ids(3, [b"B".as_slice()].into_iter(), || Ok(2)).unwrap_err();
    assert!(error.to_string().contains("came twice"), "{error}");
}

#[test]
fn damaged_files_are_errors_that_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let titles: Vec<Vec<u8>> = (0..500).map(|i| format!("Title_{i:03}").into_bytes()).collect();
    let mut next = 0;
    let (dictionary, _) =
        write(dir.path(), Arc::new(Dictionary::empty()), &[(1, titles.clone())], &mut next);
    let path = file::file_path(dir.path(), dictionary.number);
    let bytes = std::fs::read(&path).unwrap();
    drop(dictionary);
    for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
        std::fs::write(&path, &bytes[..cut]).unwrap();
        let error = Dictionary::open(dir.path(), 1).err().expect("a truncated file is refused");
        assert!(error.to_string().contains(&path.display().to_string()), "{error}");
    }
    // Damaged blocks: reads fail or find nothing, and never panic.
    for at in (0..bytes.len()).step_by(7) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0xff;
        std::fs::write(&path, &damaged).unwrap();
        if let Ok(dictionary) = Dictionary::open(dir.path(), 1) {
            for title in &titles {
                let _ = dictionary.get(1, title);
            }
            let _ = dictionary.for_each(|_, _, _| Ok(()));
            let mut writer = DictionaryWriter::create(dir.path(), Arc::new(dictionary)).unwrap();
            let _ = writer.ids(1, [b"Title_250x".as_slice()].into_iter(), || Ok(999));
        }
    }
    // A load merging its titles with a block whose entry count is damaged stops there.
    let mut damaged = bytes.clone();
    damaged[1] = 0xff;
    std::fs::write(&path, &damaged).unwrap();
    let old = Arc::new(Dictionary::open(dir.path(), 1).unwrap());
    let mut writer = DictionaryWriter::create(dir.path(), old).unwrap();
    let error = writer.ids(1, [b"Title_250x".as_slice()].into_iter(), || Ok(999)).unwrap_err();
    assert!(error.to_string().contains("entry count"), "{error}");
}

#[test]
fn a_damaged_file_that_names_others_is_an_error_or_reads_never_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let mut next = 0;
    let two = two_files(dir.path(), 2_000, &mut next);
    let path = file::file_path(dir.path(), 2);
    let bytes = std::fs::read(&path).unwrap();
    drop(two);
    for at in (0..bytes.len()).step_by(3) {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x5a;
        std::fs::write(&path, &damaged).unwrap();
        if let Ok(dictionary) = Dictionary::open(dir.path(), 2) {
            for project in 0..5 {
                let _ = dictionary.get(project, b"Article_001000");
                let _ = dictionary.get(project, b"Name_000003");
            }
            let _ = dictionary.for_each(|_, _, _| Ok(()));
        }
    }
    std::fs::write(&path, &bytes).unwrap();
    assert!(Dictionary::open(dir.path(), 2).is_ok());
    // Named 1, the same file says sections of its own are in file 1, itself: refused.
    std::fs::write(file::file_path(dir.path(), 1), &bytes).unwrap();
    let error = Dictionary::open(dir.path(), 1).err().expect("a file naming itself");
    assert!(error.to_string().contains("a section left in a newer file"), "{error}");
}
