//! A load of several wikis' MediaWiki history files (each wiki's last batch is written while
//! the next wiki is read): every wiki is loaded, and a wiki that fails stops the load after
//! the wikis before it are written, with none after it.

mod common;

use aqs_core::dates::YearMonth;
use aqs_core::history::snapshots::wiki_loads;
use aqs_core::memory::MemoryStore;
use std::path::{Path, PathBuf};

/// A small generated history (four wikis, January 2022 to January 2023).
fn history(dir: &Path) -> Vec<PathBuf> {
    let snapshot = YearMonth::new(2023, 1).unwrap();
    aqs_ingest::generate::mediawiki_history::generate(dir, snapshot, 40.0, 1).unwrap().0
}

fn loaded_wikis(store: &MemoryStore) -> Vec<String> {
    let mut wikis: Vec<String> = wiki_loads(store).unwrap().into_iter().map(|l| l.wiki).collect();
    wikis.sort();
    wikis
}

#[test]
fn every_wiki_is_loaded_and_a_failing_wiki_stops_the_load_after_the_ones_before() {
    let dir = tempfile::tempdir().unwrap();
    let files = history(dir.path());
    let store = MemoryStore::new();
    common::load(&store, &files, 0.01).unwrap();
    assert_eq!(loaded_wikis(&store), ["dewiki", "enwiki", "frwiktionary", "yowiki"]);

    // One of enwiki's files (the second wiki in load order) made of lines of no layout.
    let mut files = files;
    let at = files.iter().position(|f| f.to_string_lossy().contains(".enwiki.")).unwrap();
    let name = files[at].file_name().unwrap().to_string_lossy().replace(".bz2", "");
    let bad = dir.path().join(name);
    std::fs::write(&bad, "not\ta history line\n".repeat(50)).unwrap();
    files[at] = bad.clone();
    let store = MemoryStore::new();
    let error = format!("{:#}", common::load(&store, &files, 0.01).unwrap_err());
    assert!(error.contains(&bad.display().to_string()), "{error}");
    assert_eq!(loaded_wikis(&store), ["dewiki"], "the wiki before, none after");
}
