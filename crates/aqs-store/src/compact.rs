//! `aqs compact`: every month's segments merged into one, and a copy of the store whose LMDB
//! pages are all full.
//!
//! LMDB fills a page to the end only when keys come in order to the end of a table
//! (`MDB_APPEND`); a write in the middle of a table (a history load's top lists, a month at a
//! time between the months before; hashed name keys) splits full pages in two, and a table of
//! such writes ends up about two-thirds full. The copy is written table by table in key order
//! with `MDB_APPEND` from one read transaction, so its pages are full: on the sparse generated
//! history a sixth smaller than LMDB's own compacting copy (BENCHMARKS.md).

use crate::dictionary::{self, file::Dictionary};
use crate::{EmbeddedStore, StoreOptions, Table, dictionary_number, engine, names_number};
use aqs_core::error::{StoreError, StoreResult};
use heed::PutFlags;
use std::path::Path;

/// Entries a transaction of the copy writes at most (bounds its dirty pages).
const COPY_ENTRIES: usize = 1 << 20;

impl EmbeddedStore {
    /// Finishes giving back the ids of deleted entity rows (`reclaim.rs`), then merges every
    /// month's segments into one (what a load does when a month completes).
    pub fn compact(&self) -> StoreResult<()> {
        crate::reclaim::sweep(self)?;
        let (rtxn, snapshot) = self.read_snapshot()?;
        let parts = snapshot.manifest.parts();
        drop(rtxn);
        self.merge_months(&parts, true, None).map(|_| ())
    }

    /// Merges every month into one segment, then writes a copy of the store into `dest` (a new
    /// or empty directory), every table in key order: the copy's file is exactly the pages in
    /// use, and they are full. The copy is read through one read transaction, so a running
    /// server and loader are not disturbed; serve the copy by pointing `--data` at it.
    pub fn compact_into(&self, dest: &Path) -> StoreResult<()> {
        if dest.join("data.mdb").exists() {
            return Err(StoreError::Io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} already holds a store; compact into a new directory", dest.display()),
            )));
        }
        self.compact()?;
        let map_size = self.inner.env.info().map_size;
        {
            let copy =
                EmbeddedStore::open_with(dest, &StoreOptions { map_size, ..Default::default() })?;
            self.copy_tables(&copy)?;
        }
        // The copy names the dictionary and names files current when it began: copy those (a
        // dictionary's file and the older files holding its other sections).
        let copy = EmbeddedStore::open(dest)?;
        let rtxn = copy.read_txn()?;
        type FilePath = fn(&Path, u64) -> std::path::PathBuf;
        let dictionary =
            Dictionary::open(&self.inner.path, dictionary_number(&copy.inner.tables, &rtxn)?)?;
        let mut files: Vec<(u64, FilePath)> = (dictionary.files().iter())
            .map(|f| (f.number, dictionary::file::file_path as FilePath))
            .collect();
        files.push((names_number(&copy.inner.tables, &rtxn)?, dictionary::names::file_path));
        for (number, path) in files.into_iter().filter(|(n, _)| *n > 0) {
            std::fs::create_dir_all(dictionary::file::directory(dest))?;
            std::fs::copy(path(&self.inner.path, number), path(&copy.inner.path, number))?;
        }
        Ok(())
    }

    /// Copies every table of this store, as one read transaction sees it, into the new store
    /// `copy` (whose tables it empties first), in key order with `MDB_APPEND`.
    fn copy_tables(&self, copy: &EmbeddedStore) -> StoreResult<()> {
        let rtxn = self.read_txn()?;
        let main: heed::Database<heed::types::Bytes, heed::types::Bytes> = (self.inner.env)
            .open_database(&rtxn, None)
            .map_err(engine)?
            .ok_or_else(|| StoreError::Corrupt("no main database".into()))?;
        let mut names = Vec::new();
        for entry in main.iter(&rtxn).map_err(engine)? {
            let (name, _) = entry.map_err(engine)?;
            names.push(
                String::from_utf8(name.to_vec())
                    .map_err(|_| crate::codec::corrupt("table name"))?,
            );
        }
        for name in names {
            let Some(source): Option<Table> =
                self.inner.env.open_database(&rtxn, Some(&name)).map_err(engine)?
            else {
                continue;
            };
            let mut wtxn = copy.inner.env.write_txn().map_err(engine)?;
            let target: Table =
                copy.inner.env.create_database(&mut wtxn, Some(&name)).map_err(engine)?;
            target.clear(&mut wtxn).map_err(engine)?;
            let mut written = 0;
            for entry in source.iter(&rtxn).map_err(engine)? {
                let (key, value) = entry.map_err(engine)?;
                target.put_with_flags(&mut wtxn, PutFlags::APPEND, key, value).map_err(engine)?;
                written += 1;
                if written % COPY_ENTRIES == 0 {
                    wtxn.commit().map_err(engine)?;
                    wtxn = copy.inner.env.write_txn().map_err(engine)?;
                }
            }
            wtxn.commit().map_err(engine)?;
        }
        Ok(())
    }
}
