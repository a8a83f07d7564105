//! The title dictionary's file: every (project, title) → article id, sorted and front-coded in
//! 4 KiB blocks, one run of blocks per project, with the first title of each block in an
//! index at the end (docs/store-format.md, "The title dictionary").
//!
//! A file is written once, in order, by [`super::writer::DictionaryWriter`], and never changed:
//! a load that adds titles writes the next file and the store's `meta` names it in the same
//! commit as the day's data. So the dictionary a load reads is one sequential pass over a
//! compact file, however scattered the store's own pages have become. The file holds the
//! sections the load touched and names the older files holding the others ([`super::holder`]):
//! a [`Dictionary`] is the file and those.

use super::holder::Holder;
pub(crate) use super::holder::Section;
use crate::codec::{Reader, corrupt, put_varint};
use aqs_core::error::{StoreError, StoreResult};
use memmap2::Mmap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The size of a block; entries never span two.
pub(crate) const BLOCK: usize = 4096;
/// Every this many entries of a block, one is stored whole and its offset listed at the
/// block's end.
pub(crate) const RESTART: usize = 16;
pub(crate) const MAGIC: &[u8; 8] = b"AQSDICT2";
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

/// A title dictionary: the sections of the file its number names, some held in that file,
/// the others in the older files it names (or the empty dictionary).
pub(crate) struct Dictionary {
    pub number: u64,
    /// The file `number` first, then the older files holding its other sections.
    files: Vec<Arc<Holder>>,
    sections: HashMap<u16, Section>,
    entries: u64,
}

impl Dictionary {
    pub fn empty() -> Dictionary {
        Dictionary { number: 0, files: Vec::new(), sections: HashMap::new(), entries: 0 }
    }

    /// Opens dictionary `number` of the store in `store`. An `Io` error of kind `NotFound`
    /// means a newer load replaced a file of it: read the store's `meta` again.
    pub fn open(store: &Path, number: u64) -> StoreResult<Dictionary> {
        Dictionary::open_reusing(store, number, &Dictionary::empty())
    }

    /// Opens dictionary `number`, taking the files `previous` has open as they are (files are
    /// never changed), so a dictionary that names a large older file does not read its index
    /// again.
    pub fn open_reusing(
        store: &Path,
        number: u64,
        previous: &Dictionary,
    ) -> StoreResult<Dictionary> {
        if number == 0 {
            return Ok(Dictionary::empty());
        }
        // A store that has loaded many wikis' histories names a file per wiki load.
        let open: HashMap<u64, &Arc<Holder>> =
            previous.files.iter().map(|f| (f.number, f)).collect();
        let load = |n: u64| -> StoreResult<Arc<Holder>> {
            match open.get(&n) {
                Some(file) => Ok(Arc::clone(file)),
                None => Ok(Arc::new(Holder::open(store, n)?)),
            }
        };
        let top = load(number)?;
        let mut sections: HashMap<u16, Section> = top.own.clone();
        let mut files = vec![Arc::clone(&top)];
        let mut at_of: HashMap<u64, usize> = HashMap::from([(number, 0)]);
        for &(project, holder) in &top.refs {
            let at = match at_of.get(&holder) {
                Some(&at) => at,
                None => {
                    files.push(load(holder)?);
                    at_of.insert(holder, files.len() - 1);
                    files.len() - 1
                }
            };
            let Some(section) = files[at].own.get(&project) else {
                let path = file_path(store, number);
                return Err(corrupt(&format!(
                    "dictionary file {}: project {project} left in file {holder}, which lacks it",
                    path.display()
                )));
            };
            sections.insert(project, Section { file: at as u32, ..section.clone() });
        }
        let entries = sections.values().map(|s| s.entries).sum();
        Ok(Dictionary { number, files, sections, entries })
    }

    /// How many titles it holds.
    pub fn entries(&self) -> u64 {
        self.entries
    }

    /// The size of its files.
    pub fn file_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.len()).sum()
    }

    /// Its files: this dictionary's, then those holding its other sections.
    pub fn files(&self) -> &[Arc<Holder>] {
        &self.files
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

    /// The bytes of blocks `first..first + count` of the file holding `section`.
    pub fn block_bytes(&self, section: &Section, first: u32, count: u32) -> &[u8] {
        self.files[section.file as usize].block_bytes(first, count)
    }

    /// Block `block` of its file `file` (a [`Section::file`]).
    pub fn file_block(&self, file: u32, block: u32) -> &[u8] {
        self.files[file as usize].block_bytes(block, 1)
    }

    /// The first title of block `i` of `section`.
    pub fn first_title(&self, section: &Section, i: usize) -> &[u8] {
        let (start, len) = section.first_titles[i];
        self.files[section.file as usize].index_bytes(start, len)
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
        let block = self.block_bytes(section, section.first_block + block as u32, 1);
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
            let mut entries = BlockEntries::new(self.block_bytes(section, block, 1))?;
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
