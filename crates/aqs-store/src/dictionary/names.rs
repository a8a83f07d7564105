//! The titles of articles on pageviews top lists, by article id, in a file of their own beside
//! the title dictionary (docs/store-format.md, "Top-list names").
//!
//! The dictionary finds an id from a title; a top list needs the way back for its thousand
//! entries. A file written whole, in id order, answers that in a binary search and one short
//! block decode, takes about two bytes per name beyond the title, and leaves nothing behind
//! when the next load replaces it: the LMDB table it replaced took new titles at random places,
//! so every day's load copied most of its pages and left the old ones free.
//!
//! Layout: blocks of up to [`PER_BLOCK`] names, each name a varint id less the previous one's
//! (the first: less the block's first id, so 0), a varint length and the title's bytes; then
//! the index, per block its first id (u32 LE) and offset (u64 LE); then a footer: magic, index
//! offset, block count, name count (8 bytes each). A load that lists new names writes file
//! `n + 1` (the old names merged with the new in one pass), the store's `meta` names it in
//! the load's commit, and the old file is removed once that commit is done.

use super::file::{FOOTER, map_footed};
use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::error::StoreResult;
use memmap2::Mmap;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Names per block: a lookup decodes at most this many.
const PER_BLOCK: usize = 32;
const MAGIC: &[u8; 8] = b"AQSNAME1";
const INDEX_ENTRY: usize = 12;

/// The path of names file `number` (0 is the empty file, which is never written).
pub(crate) fn file_path(store: &Path, number: u64) -> PathBuf {
    super::file::directory(store).join(format!("{number:010}.names"))
}

/// An open names file.
pub(crate) struct Names {
    pub number: u64,
    map: Option<Mmap>,
    index_offset: usize,
    blocks: usize,
    entries: u64,
}

impl Names {
    pub fn empty() -> Names {
        Names { number: 0, map: None, index_offset: 0, blocks: 0, entries: 0 }
    }

    /// Opens names file `number` of the store in `store`. An `Io` error of kind `NotFound`
    /// means a newer load replaced it: read the store's `meta` again.
    pub fn open(store: &Path, number: u64) -> StoreResult<Names> {
        if number == 0 {
            return Ok(Names::empty());
        }
        let path = file_path(store, number);
        let (map, [index_offset, blocks, entries]) = map_footed(&path, MAGIC, "names")?;
        let bad = |what: &str| corrupt(&format!("names file {}: {what}", path.display()));
        let (index_offset, blocks, len) = (index_offset as usize, blocks as usize, map.len());
        let index_end = blocks.checked_mul(INDEX_ENTRY).and_then(|b| b.checked_add(index_offset));
        if index_end != Some(len - FOOTER) {
            return Err(bad("index out of place"));
        }
        let names = Names { number, map: Some(map), index_offset, blocks, entries };
        for block in 0..blocks {
            if names.block_offset(block) > index_offset {
                return Err(bad("a block past the index"));
            }
        }
        Ok(names)
    }

    /// How many names it holds.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The size of its file.
    pub fn file_bytes(&self) -> u64 {
        self.map.as_ref().map_or(0, |m| m.len() as u64)
    }

    fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }

    fn index_entry(&self, block: usize) -> &[u8] {
        let at = self.index_offset + block * INDEX_ENTRY;
        &self.bytes()[at..at + INDEX_ENTRY]
    }

    fn block_first_id(&self, block: usize) -> u32 {
        u32::from_le_bytes(self.index_entry(block)[..4].try_into().expect("4 bytes"))
    }

    fn block_offset(&self, block: usize) -> usize {
        u64::from_le_bytes(self.index_entry(block)[4..].try_into().expect("8 bytes")) as usize
    }

    /// The bytes of block `block`.
    fn block(&self, block: usize) -> StoreResult<&[u8]> {
        let start = self.block_offset(block);
        let end = match block + 1 < self.blocks {
            true => self.block_offset(block + 1),
            false => self.index_offset,
        };
        self.bytes().get(start..end).ok_or_else(|| corrupt("names file: blocks out of order"))
    }

    /// Calls `f` with each name of block `block` and its id, in id order, until it returns
    /// `false`.
    fn each_in<'a>(
        &'a self,
        block: usize,
        mut f: impl FnMut(u32, &'a [u8]) -> bool,
    ) -> StoreResult<()> {
        let mut reader = Reader::new(self.block(block)?);
        let mut id = self.block_first_id(block);
        while !reader.is_empty() {
            let delta = u32::try_from(reader.varint()?).map_err(|_| corrupt("names: id"))?;
            id = id.checked_add(delta).ok_or_else(|| corrupt("names: id"))?;
            let len = reader.varint()? as usize;
            if !f(id, reader.bytes(len)?) {
                break;
            }
        }
        Ok(())
    }

    /// The title of article `id`, if a list named it.
    pub fn get(&self, id: u32) -> StoreResult<Option<&[u8]>> {
        // How many blocks start at or before `id`: it is in the last of them.
        let (mut after, mut end) = (0, self.blocks);
        while after < end {
            let mid = (after + end) / 2;
            if self.block_first_id(mid) <= id {
                after = mid + 1;
            } else {
                end = mid;
            }
        }
        let Some(block) = after.checked_sub(1) else { return Ok(None) };
        let mut found = None;
        self.each_in(block, |at, title| {
            if at == id {
                found = Some(title);
            }
            at < id
        })?;
        Ok(found)
    }

    /// Calls `f` with every name and its id, in id order.
    fn for_each(&self, mut f: impl FnMut(u32, &[u8]) -> StoreResult<()>) -> StoreResult<()> {
        for block in 0..self.blocks {
            let mut result = Ok(());
            self.each_in(block, |id, title| {
                result = f(id, title);
                result.is_ok()
            })?;
            result?;
        }
        Ok(())
    }

    /// Writes file `self.number + 1`: these names and `new` (ids this file lacks), durable when
    /// it returns. Stale names files (of loads that failed) are removed first; this one stays
    /// for readers until [`remove_other_names`] after the commit that names the new one.
    pub fn write_next(&self, store: &Path, new: &BTreeMap<u32, Vec<u8>>) -> StoreResult<u64> {
        let number = self.number + 1;
        remove_other_names(store, &[self.number])?;
        let path = file_path(store, number);
        let mut writer = Writer {
            out: BufWriter::with_capacity(1 << 20, File::create(&path)?),
            path,
            written: 0,
            index: Vec::new(),
            in_block: 0,
            previous: 0,
            entries: 0,
            entry: Vec::new(),
            done: false,
        };
        let mut new = new.iter().peekable();
        self.for_each(|id, title| {
            while let Some((&next, name)) = new.next_if(|(next, _)| **next < id) {
                writer.push(next, name)?;
            }
            new.next_if(|(next, _)| **next == id);
            writer.push(id, title)
        })?;
        for (&id, name) in new {
            writer.push(id, name)?;
        }
        writer.finish()?;
        Ok(number)
    }
}

/// Removes every names file of the store but those numbered in `keep`.
pub(crate) fn remove_other_names(store: &Path, keep: &[u64]) -> StoreResult<()> {
    let dir = super::file::directory(store);
    std::fs::create_dir_all(&dir)?;
    for entry in std::fs::read_dir(&dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let number = name.to_str().and_then(|n| n.strip_suffix(".names")?.parse::<u64>().ok());
        if number.is_some_and(|n| !keep.contains(&n)) {
            match std::fs::remove_file(entry.path()) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
    }
    Ok(())
}

/// A names file being written; removed if dropped unfinished.
struct Writer {
    out: BufWriter<File>,
    path: PathBuf,
    written: u64,
    index: Vec<u8>,
    in_block: usize,
    previous: u32,
    entries: u64,
    /// The entry being encoded (kept for its capacity).
    entry: Vec<u8>,
    done: bool,
}

impl Writer {
    fn push(&mut self, id: u32, title: &[u8]) -> StoreResult<()> {
        let mut entry = std::mem::take(&mut self.entry);
        entry.clear();
        if self.in_block == PER_BLOCK || self.entries == 0 {
            self.index.extend_from_slice(&id.to_le_bytes());
            self.index.extend_from_slice(&self.written.to_le_bytes());
            self.in_block = 0;
            self.previous = id;
        }
        put_varint(&mut entry, u64::from(id - self.previous));
        put_varint(&mut entry, title.len() as u64);
        entry.extend_from_slice(title);
        self.out.write_all(&entry)?;
        self.written += entry.len() as u64;
        self.entry = entry;
        self.previous = id;
        self.in_block += 1;
        self.entries += 1;
        Ok(())
    }

    fn finish(mut self) -> StoreResult<()> {
        let blocks = (self.index.len() / INDEX_ENTRY) as u64;
        self.out.write_all(&self.index)?;
        self.out.write_all(MAGIC)?;
        for word in [self.written, blocks, self.entries] {
            self.out.write_all(&word.to_le_bytes())?;
        }
        self.out.flush()?;
        self.out.get_ref().sync_all()?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        self.done = true;
        Ok(())
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(pairs: &[(u32, &str)]) -> BTreeMap<u32, Vec<u8>> {
        pairs.iter().map(|(id, t)| (*id, t.as_bytes().to_vec())).collect()
    }

    #[test]
    fn names_merge_into_the_next_file_and_are_found_by_id() {
        let dir = tempfile::tempdir().unwrap();
        // Enough names for several blocks, with gaps between ids.
        let first: BTreeMap<u32, Vec<u8>> =
            (0..200u32).map(|i| (i * 7 + 3, format!("Title_{i}_é").into_bytes())).collect();
        let one = Names::empty().write_next(dir.path(), &first).unwrap();
        let one = Names::open(dir.path(), one).unwrap();
        assert_eq!(one.entries(), 200);
        for (id, title) in &first {
            assert_eq!(one.get(*id).unwrap(), Some(&title[..]), "id {id}");
            assert_eq!(one.get(id + 1).unwrap(), None);
        }
        assert_eq!(one.get(0).unwrap(), None, "below the first id");
        assert_eq!(one.get(u32::MAX).unwrap(), None, "past the last id");

        // New names before, between and after the old ones; an old id given again keeps its
        // old title.
        let second = names(&[(0, "Zero"), (11, "Eleven"), (10, "Ten_again"), (5000, "Last")]);
        let two = one.write_next(dir.path(), &second).unwrap();
        let two = Names::open(dir.path(), two).unwrap();
        assert_eq!(two.entries(), 203);
        assert_eq!(two.get(0).unwrap(), Some(&b"Zero"[..]));
        assert_eq!(two.get(11).unwrap(), Some(&b"Eleven"[..]));
        assert_eq!(two.get(10).unwrap(), Some(&first[&10][..]));
        assert_eq!(two.get(5000).unwrap(), Some(&b"Last"[..]));
        for (id, title) in &first {
            assert_eq!(two.get(*id).unwrap(), Some(&title[..]));
        }
        // The old file stays until the commit; then the others go.
        assert!(file_path(dir.path(), 1).exists());
        remove_other_names(dir.path(), &[2]).unwrap();
        assert!(!file_path(dir.path(), 1).exists() && file_path(dir.path(), 2).exists());
    }

    #[test]
    fn a_truncated_or_foreign_file_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let number = Names::empty().write_next(dir.path(), &names(&[(4, "A")])).unwrap();
        let path = file_path(dir.path(), number);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        let error = Names::open(dir.path(), number).err().unwrap().to_string();
        assert!(error.contains("names file") && error.contains("truncated"), "{error}");
        assert!(matches!(
            Names::open(dir.path(), 9),
            Err(aqs_core::error::StoreError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound
        ));
    }
}
