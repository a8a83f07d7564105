//! The title dictionary's file: every (project, title) → article id, sorted and front-coded in
//! 4 KiB blocks, one run of blocks per project, with the first title of each block in an
//! index at the end (docs/store-format.md, "The title dictionary").
//!
//! A file is written once, in order, by [`super::writer::DictionaryWriter`], and never changed:
//! a load that adds titles writes the next file and the store's `meta` names it in the same
//! commit as the day's data. So the dictionary a load reads is one sequential pass over a
//! compact file, however scattered the store's own pages have become.

use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::error::{StoreError, StoreResult};
use memmap2::Mmap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The size of a block; entries never span two.
pub(crate) const BLOCK: usize = 4096;
/// Every this many entries of a block, one is stored whole and its offset listed at the
/// block's end.
pub(crate) const RESTART: usize = 16;
pub(crate) const MAGIC: &[u8; 8] = b"AQSDICT1";
/// magic, index offset, index length, entries: 8 bytes each.
pub(crate) const FOOTER: usize = 32;
const _: () = assert!(FOOTER == MAGIC.len() + 3 * 8);

/// The directory of the dictionary files inside a store directory.
pub(crate) fn directory(store: &Path) -> PathBuf {
    store.join("dictionary")
}

/// The path of dictionary file `number` (1, 2, …; 0 is the empty dictionary, with no file).
pub(crate) fn file_path(store: &Path, number: u64) -> PathBuf {
    directory(store).join(format!("{number:010}.dict"))
}

/// The number of a dictionary file name, if it is one.
pub(crate) fn number_of(name: &str) -> Option<u64> {
    name.strip_suffix(".dict")?.parse().ok()
}

/// Maps a file written whole (a dictionary or names file) and reads its footer's three u64 LE
/// words after `magic`; `what` names the kind of file in errors.
pub(crate) fn map_footed(
    path: &Path,
    magic: &[u8; 8],
    what: &str,
) -> StoreResult<(Mmap, [u64; 3])> {
    let file = std::fs::File::open(path)?;
    // SAFETY: these files are written whole before the commit that names them and never
    // written again; a newer load only unlinks them, which keeps this mapping valid.
    #[allow(unsafe_code)]
    let map = unsafe { Mmap::map(&file) }?;
    let len = map.len();
    if len < FOOTER || &map[len - FOOTER..len - FOOTER + 8] != magic {
        return Err(corrupt(&format!("{what} file {}: no footer (truncated?)", path.display())));
    }
    let word = |i: usize| {
        let at = len - FOOTER + 8 * i;
        u64::from_le_bytes(map[at..at + 8].try_into().expect("8 bytes"))
    };
    let words = [word(1), word(2), word(3)];
    Ok((map, words))
}

/// One project's run of blocks.
#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub project: u16,
    pub first_block: u32,
    pub blocks: u32,
    pub entries: u64,
    /// The first title of each block: (start, length) in the file's index bytes.
    pub first_titles: Vec<(u32, u16)>,
}

/// An open dictionary file (or the empty dictionary).
pub(crate) struct Dictionary {
    pub number: u64,
    map: Option<Mmap>,
    /// Where the index starts in the file.
    index_offset: usize,
    sections: HashMap<u16, Section>,
    entries: u64,
}

impl Dictionary {
    pub fn empty() -> Dictionary {
        Dictionary { number: 0, map: None, index_offset: 0, sections: HashMap::new(), entries: 0 }
    }

    /// Opens dictionary file `number` of the store in `store`. An `Io` error of kind
    /// `NotFound` means a newer load replaced it: read the store's `meta` again.
    pub fn open(store: &Path, number: u64) -> StoreResult<Dictionary> {
        if number == 0 {
            return Ok(Dictionary::empty());
        }
        let path = file_path(store, number);
        let (map, [index_offset, index_len, entries]) = map_footed(&path, MAGIC, "dictionary")?;
        let bad = |what: &str| corrupt(&format!("dictionary file {}: {what}", path.display()));
        let (index_offset, index_len, len) = (index_offset as usize, index_len as usize, map.len());
        if index_offset % BLOCK != 0 || index_offset.checked_add(index_len) != Some(len - FOOTER) {
            return Err(bad("index out of place"));
        }
        let blocks = (index_offset / BLOCK) as u64;
        let index = &map[index_offset..index_offset + index_len];
        let sections = read_index(index, blocks).map_err(|e| bad(&e.to_string()))?;
        Ok(Dictionary { number, map: Some(map), index_offset, sections, entries })
    }

    /// How many titles it holds.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The size of its file.
    pub fn file_bytes(&self) -> u64 {
        self.map.as_ref().map_or(0, |m| m.len() as u64)
    }

    pub fn section(&self, project: u16) -> Option<&Section> {
        self.sections.get(&project)
    }

    /// Every section, in project-id order.
    pub fn sections(&self) -> Vec<&Section> {
        let mut all: Vec<&Section> = self.sections.values().collect();
        all.sort_by_key(|s| s.project);
        all
    }

    fn bytes(&self) -> &[u8] {
        self.map.as_deref().unwrap_or_default()
    }

    /// The bytes of blocks `first..first + count`.
    pub fn block_bytes(&self, first: u32, count: u32) -> &[u8] {
        &self.bytes()[first as usize * BLOCK..(first + count) as usize * BLOCK]
    }

    /// The first title of block `i` of `section`.
    pub fn first_title(&self, section: &Section, i: usize) -> &[u8] {
        let (start, len) = section.first_titles[i];
        let at = self.index_offset + start as usize;
        &self.bytes()[at..at + usize::from(len)]
    }

    /// The article id of `title` in `project`.
    pub fn get(&self, project: u16, title: &[u8]) -> StoreResult<Option<u32>> {
        let Some(section) = self.section(project) else {
            return Ok(None);
        };
        // How many blocks start at or before `title`: it is in the last of them.
        let (mut after, mut end) = (0, section.first_titles.len());
        while after < end {
            let mid = (after + end) / 2;
            if self.first_title(section, mid) <= title {
                after = mid + 1;
            } else {
                end = mid;
            }
        }
        let Some(block) = after.checked_sub(1) else {
            return Ok(None);
        };
        let block = self.block_bytes(section.first_block + block as u32, 1);
        let mut entries = BlockEntries::from_restart(block, title)?;
        while let Some(id) = entries.advance()? {
            match entries.key().cmp(title) {
                std::cmp::Ordering::Less => {}
                std::cmp::Ordering::Equal => return Ok(Some(id)),
                std::cmp::Ordering::Greater => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Calls `f` with every title of `project` and its id, in title order.
    pub fn for_each_in(
        &self,
        project: u16,
        mut f: impl FnMut(&[u8], u32) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let Some(section) = self.section(project) else {
            return Ok(());
        };
        for block in section.first_block..section.first_block + section.blocks {
            let mut entries = BlockEntries::new(self.block_bytes(block, 1))?;
            while let Some(id) = entries.advance()? {
                f(entries.key(), id)?;
            }
        }
        Ok(())
    }

    /// Calls `f` with every (project, title, id), by project id and title.
    pub fn for_each(
        &self,
        mut f: impl FnMut(u16, &[u8], u32) -> StoreResult<()>,
    ) -> StoreResult<()> {
        for section in self.sections() {
            self.for_each_in(section.project, |title, id| f(section.project, title, id))?;
        }
        Ok(())
    }
}

/// The sections of an index, checked against the file's `blocks`.
fn read_index(index: &[u8], blocks: u64) -> StoreResult<HashMap<u16, Section>> {
    let mut sections = HashMap::new();
    let mut reader = Reader::new(index);
    let count = reader.varint()?;
    for _ in 0..count {
        let project = u16::try_from(reader.varint()?).map_err(|_| corrupt("project id"))?;
        let first_block = reader.varint()?;
        let block_count = reader.varint()?;
        let entries = reader.varint()?;
        let end = first_block.checked_add(block_count);
        if end.is_none_or(|end| end > blocks) || block_count == 0 {
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
        sections.insert(project, Section { project, first_block, blocks, entries, first_titles });
    }
    Ok(sections)
}

/// The entries of one block, decoded one at a time.
pub(crate) struct BlockEntries<'a> {
    reader: Reader<'a>,
    left: u16,
    key: Vec<u8>,
}

impl<'a> BlockEntries<'a> {
    pub fn new(block: &'a [u8]) -> StoreResult<BlockEntries<'a>> {
        let count = block_count(block)?;
        Ok(BlockEntries { reader: Reader::new(&block[2..]), left: count, key: Vec::new() })
    }

    /// The entries of `block` from its last restart point at or before `title` (every
    /// [`RESTART`]th entry is stored whole and listed at the block's end): a lookup decodes at
    /// most [`RESTART`] entries.
    pub fn from_restart(block: &'a [u8], title: &[u8]) -> StoreResult<BlockEntries<'a>> {
        let count = block_count(block)?;
        let restarts = usize::from(count).div_ceil(RESTART);
        let table = BLOCK - 2 * restarts;
        let offset = |r: usize| -> StoreResult<usize> {
            let at = table + 2 * r;
            let offset = usize::from(u16::from_le_bytes([block[at], block[at + 1]]));
            match (2..table).contains(&offset) {
                true => Ok(offset),
                false => Err(corrupt("dictionary restart point outside its block")),
            }
        };
        // The last restart whose title is at or before `title` (or the first).
        let (mut after, mut end) = (1, restarts);
        while after < end {
            let mid = (after + end) / 2;
            let mut reader = Reader::new(&block[offset(mid)?..table]);
            let (_shared, len) = (reader.varint()?, reader.varint()? as usize);
            if reader.bytes(len)? <= title {
                after = mid + 1;
            } else {
                end = mid;
            }
        }
        let r = after - 1;
        let left = (usize::from(count) - r * RESTART).min(RESTART) as u16;
        let reader = Reader::new(&block[offset(r)?..table]);
        Ok(BlockEntries { reader, left, key: Vec::new() })
    }

    /// The next entry's id (its title is [`BlockEntries::key`]), or `None` at the block's end.
    pub fn advance(&mut self) -> StoreResult<Option<u32>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        decode_entry(&mut self.reader, &mut self.key).map(Some)
    }

    pub fn key(&self) -> &[u8] {
        &self.key
    }
}

/// The entry count of a block, checked against the room its restart table leaves.
pub(crate) fn block_count(block: &[u8]) -> StoreResult<u16> {
    if block.len() != BLOCK {
        return Err(corrupt("dictionary block of the wrong size"));
    }
    let count = u16::from_le_bytes([block[0], block[1]]);
    if usize::from(count).div_ceil(RESTART) * 2 + 2 > BLOCK {
        return Err(corrupt("dictionary block entry count"));
    }
    Ok(count)
}

/// Decodes the entry at `reader` into `key` (which holds the previous title of the block)
/// and returns its id.
pub(crate) fn decode_entry(reader: &mut Reader<'_>, key: &mut Vec<u8>) -> StoreResult<u32> {
    let shared = reader.varint()? as usize;
    let suffix = reader.varint()? as usize;
    if shared > key.len() {
        return Err(corrupt("dictionary entry shares more than the previous title"));
    }
    key.truncate(shared);
    key.extend_from_slice(reader.bytes(suffix)?);
    reader.u32().map_err(|_| corrupt("dictionary article id"))
}

/// Appends one entry to a block being built: how many bytes it shares with the previous title
/// (none for a block's first), the rest of the title, and the id.
pub(crate) fn put_entry(out: &mut Vec<u8>, previous: Option<&[u8]>, title: &[u8], id: u32) {
    let shared = previous.map_or(0, |p| p.iter().zip(title).take_while(|(a, b)| a == b).count());
    put_varint(out, shared as u64);
    put_varint(out, (title.len() - shared) as u64);
    out.extend_from_slice(&title[shared..]);
    put_varint(out, u64::from(id));
}

/// The store error for a missing dictionary file, which readers retry.
pub(crate) fn is_replaced(error: &StoreError) -> bool {
    matches!(error, StoreError::Io(e) if e.kind() == std::io::ErrorKind::NotFound)
}
