//! One title dictionary file: the sections (projects' runs of blocks) it holds itself, and the
//! projects of its dictionary whose sections it leaves in the older files that hold them
//! (docs/store-format.md, "The title dictionary"). A write copies a section it does not
//! touch only when the file holding it would otherwise be mostly dead; otherwise it names that
//! file, so a load that brings one wiki's names does not copy every other project's titles.

use super::file::{BLOCK, FOOTER, MAGIC, file_path, map_footed};
use crate::codec::{Reader, corrupt};
use aqs_core::error::StoreResult;
use memmap2::Mmap;
use std::collections::HashMap;
use std::path::Path;

/// One project's run of blocks in the file that holds it.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub project: u16,
    /// Which of its dictionary's files holds it (an index into them; 0 in a file of its own).
    pub file: u32,
    pub first_block: u32,
    pub blocks: u32,
    pub entries: u64,
    /// The first title of each block: (start, length) in the holding file's index bytes.
    pub first_titles: Vec<(u32, u16)>,
}

/// A mapped dictionary file.
pub(crate) struct Holder {
    pub number: u64,
    map: Mmap,
    /// Where the index starts in the file.
    index_offset: usize,
    /// Its blocks, live or not.
    pub blocks: u32,
    /// The sections written in it.
    pub own: HashMap<u16, Section>,
    /// The projects of the dictionary it names whose sections older files hold, and those
    /// files' numbers.
    pub refs: Vec<(u16, u64)>,
}

impl Holder {
    /// Opens file `number` of the store in `store`. An `Io` error of kind `NotFound` means a
    /// newer load replaced it: read the store's `meta` again.
    pub fn open(store: &Path, number: u64) -> StoreResult<Holder> {
        let path = file_path(store, number);
        let (map, [index_offset, index_len, _entries]) = map_footed(&path, MAGIC, "dictionary")?;
        let bad = |what: &str| corrupt(&format!("dictionary file {}: {what}", path.display()));
        let (index_offset, index_len, len) = (index_offset as usize, index_len as usize, map.len());
        if index_offset % BLOCK != 0 || index_offset.checked_add(index_len) != Some(len - FOOTER) {
            return Err(bad("index out of place"));
        }
        let blocks = u32::try_from(index_offset / BLOCK).map_err(|_| bad("too many blocks"))?;
        let index = &map[index_offset..index_offset + index_len];
        let (own, refs) = read_index(index, blocks, number).map_err(|e| bad(&e.to_string()))?;
        Ok(Holder { number, map, index_offset, blocks, own, refs })
    }

    /// The file's bytes of blocks `first..first + count`.
    pub fn block_bytes(&self, first: u32, count: u32) -> &[u8] {
        &self.map[first as usize * BLOCK..(first + count) as usize * BLOCK]
    }

    /// Bytes of the file's index, from `start`, `len` long.
    pub fn index_bytes(&self, start: u32, len: u16) -> &[u8] {
        let at = self.index_offset + start as usize;
        &self.map[at..at + usize::from(len)]
    }

    pub fn len(&self) -> u64 {
        self.map.len() as u64
    }
}

/// A file's index: the sections it holds, and the (project, older file) of the others.
type Index = (HashMap<u16, Section>, Vec<(u16, u64)>);

/// The sections of an index, checked against the file's `blocks`, and the projects it leaves
/// in older files than `number`.
fn read_index(index: &[u8], blocks: u32, number: u64) -> StoreResult<Index> {
    let (mut own, mut refs) = (HashMap::new(), Vec::new());
    let mut reader = Reader::new(index);
    let count = reader.varint()?;
    for _ in 0..count {
        let project = u16::try_from(reader.varint()?).map_err(|_| corrupt("project id"))?;
        let holder = reader.varint()?;
        if holder != 0 {
            if holder >= number {
                return Err(corrupt("a section left in a newer file"));
            }
            refs.push((project, holder));
            continue;
        }
        let first_block = reader.varint()?;
        let block_count = reader.varint()?;
        let entries = reader.varint()?;
        let end = first_block.checked_add(block_count);
        if end.is_none_or(|end| end > u64::from(blocks)) || block_count == 0 {
            return Err(corrupt("section outside the file"));
        }
        let mut first_titles = Vec::with_capacity(block_count as usize);
        for _ in 0..block_count {
            let title_len = reader.varint()?;
            let len = u16::try_from(title_len).map_err(|_| corrupt("title length"))?;
            let start = u32::try_from(reader.position()).map_err(|_| corrupt("index size"))?;
            reader.bytes(usize::from(len))?;
            first_titles.push((start, len));
        }
        let (first_block, blocks) = (first_block as u32, block_count as u32);
        let section = Section { project, file: 0, first_block, blocks, entries, first_titles };
        own.insert(project, section);
    }
    Ok((own, refs))
}
