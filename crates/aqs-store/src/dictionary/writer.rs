//! Writes the next title dictionary file: the current file merged with a write's titles, in
//! one sequential pass over each project's section that the write touches; the sections of
//! projects it does not touch are copied block for block.
//!
//! Projects may come in any order, each once; a project's titles must come ascending. A title
//! already in the dictionary gets its id back, a new one gets the next id from the caller.
//! [`DictionaryWriter::finish`] makes the file durable and returns its number, which the
//! caller stores in `meta` in the same transaction as the data that uses the new ids: until
//! that commits, no reader knows the file. A writer dropped unfinished removes its file.

use super::file::{self, BLOCK, Dictionary, MAGIC, RESTART, Section, put_entry};
use crate::codec::{Reader, put_varint};
use aqs_core::error::{StoreError, StoreResult};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The longest title the store accepts, in bytes (a title must fit in a block).
pub const MAX_TITLE_BYTES: usize = 1024;

/// A section of the new file, as it is written.
#[derive(Default)]
struct NewSection {
    project: u16,
    first_block: u32,
    blocks: u32,
    entries: u64,
    /// Each block's first title: varint length, bytes (the index's encoding).
    first_titles: Vec<u8>,
}

/// The blocks of the new file, filled one entry at a time.
struct Blocks {
    out: BufWriter<File>,
    written: u32,
    /// The block being built, after its two-byte entry count.
    block: Vec<u8>,
    count: u16,
    /// Offsets in the block of its restart points (every [`RESTART`]th entry, stored whole).
    restarts: Vec<u16>,
    previous: Vec<u8>,
    entry: Vec<u8>,
}

impl Blocks {
    fn emit(&mut self, section: &mut NewSection, title: &[u8], id: u32) -> StoreResult<()> {
        let restart = usize::from(self.count) % RESTART == 0;
        self.entry.clear();
        put_entry(&mut self.entry, (!restart).then_some(&self.previous[..]), title, id);
        let table = 2 * (self.restarts.len() + usize::from(restart));
        if self.count > 0 && 2 + self.block.len() + self.entry.len() + table > BLOCK {
            self.flush()?;
            self.entry.clear();
            put_entry(&mut self.entry, None, title, id);
        }
        if usize::from(self.count) % RESTART == 0 {
            self.restarts.push((2 + self.block.len()) as u16);
        }
        if self.count == 0 {
            if section.blocks == 0 {
                section.first_block = self.written;
            }
            section.blocks += 1;
            put_varint(&mut section.first_titles, title.len() as u64);
            section.first_titles.extend_from_slice(title);
        }
        self.block.extend_from_slice(&self.entry);
        self.count += 1;
        self.previous.clear();
        self.previous.extend_from_slice(title);
        section.entries += 1;
        Ok(())
    }

    /// Writes the block being built, padded to [`BLOCK`] bytes.
    fn flush(&mut self) -> StoreResult<()> {
        if self.count == 0 {
            return Ok(());
        }
        self.out.write_all(&self.count.to_le_bytes())?;
        self.out.write_all(&self.block)?;
        let table = 2 * self.restarts.len();
        self.out.write_all(&[0u8; BLOCK][..BLOCK - 2 - self.block.len() - table])?;
        for offset in self.restarts.drain(..) {
            self.out.write_all(&offset.to_le_bytes())?;
        }
        self.written = self.written.checked_add(1).ok_or_else(too_large)?;
        self.block.clear();
        self.count = 0;
        Ok(())
    }
}

fn too_large() -> StoreError {
    StoreError::Limit("the title dictionary outgrew 2^32 blocks".into())
}

/// The current file's section of the project being merged, read entry by entry.
struct OldCursor {
    /// The file holding the section, the next block to read and the section's end.
    file: u32,
    block: u32,
    end: u32,
    /// Position in the current block, and its entries left.
    pos: usize,
    left: u16,
    key: Vec<u8>,
    id: u32,
    valid: bool,
}

impl OldCursor {
    fn new(old: &Dictionary, project: u16) -> StoreResult<OldCursor> {
        let (file, block, end) = old
            .section(project)
            .map_or((0, 0, 0), |s| (s.file, s.first_block, s.first_block + s.blocks));
        let mut cursor =
            OldCursor { file, block, end, pos: 0, left: 0, key: Vec::new(), id: 0, valid: false };
        cursor.advance(old)?;
        Ok(cursor)
    }

    fn advance(&mut self, old: &Dictionary) -> StoreResult<()> {
        while self.left == 0 {
            if self.block == self.end {
                self.valid = false;
                return Ok(());
            }
            self.block += 1;
            self.left = file::block_count(old.file_block(self.file, self.block - 1))?;
            self.pos = 2;
            self.key.clear();
        }
        let bytes = old.file_block(self.file, self.block - 1);
        let mut reader = Reader::new(&bytes[self.pos..]);
        self.id = file::decode_entry(&mut reader, &mut self.key)?;
        self.pos += reader.position();
        self.left -= 1;
        self.valid = true;
        Ok(())
    }
}

/// The project being merged.
struct Current {
    old: OldCursor,
    section: NewSection,
    last_title: Option<Vec<u8>>,
}

pub(crate) struct DictionaryWriter {
    old: Arc<Dictionary>,
    path: PathBuf,
    number: u64,
    blocks: Blocks,
    sections: Vec<NewSection>,
    current: Option<Current>,
    done: HashSet<u16>,
    added: u64,
    /// Sections of the old dictionary this file leaves out ([`DictionaryWriter::forget`]).
    forgotten: u64,
    finished: bool,
}

impl DictionaryWriter {
    /// Starts the file after `old` in the store in `store`. Call it inside the store's write
    /// transaction: it first removes every dictionary file `old` does not read (those of loads
    /// that failed, and those only the dictionaries before `old` read, which readers have had a
    /// whole load's time to leave).
    pub fn create(store: &Path, old: Arc<Dictionary>) -> StoreResult<DictionaryWriter> {
        let dir = file::directory(store);
        std::fs::create_dir_all(&dir)?;
        let live: HashSet<u64> = old.files().iter().map(|f| f.number).collect();
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let number = name.to_str().and_then(file::number_of);
            if number.is_some_and(|n| !live.contains(&n)) {
                std::fs::remove_file(entry.path())?;
            }
        }
        let number = old.number + 1;
        let path = file::file_path(store, number);
        let out = BufWriter::with_capacity(1 << 20, File::create(&path)?);
        let blocks = Blocks {
            out,
            written: 0,
            block: Vec::with_capacity(BLOCK),
            count: 0,
            restarts: Vec::new(),
            previous: Vec::new(),
            entry: Vec::new(),
        };
        Ok(DictionaryWriter {
            old,
            path,
            number,
            blocks,
            sections: Vec::new(),
            current: None,
            done: HashSet::new(),
            added: 0,
            forgotten: 0,
            finished: false,
        })
    }

    /// The dictionary this writer started from.
    pub fn old(&self) -> &Arc<Dictionary> {
        &self.old
    }

    fn enter(&mut self, project: u16) -> StoreResult<()> {
        if self.current.as_ref().is_some_and(|c| c.section.project == project) {
            return Ok(());
        }
        self.close_project()?;
        if !self.done.insert(project) {
            return Err(StoreError::InvalidWrite(format!(
                "project id {project} came twice: a write gives each project's titles together"
            )));
        }
        let old = OldCursor::new(&self.old, project)?;
        let section = NewSection { project, ..NewSection::default() };
        self.current = Some(Current { old, section, last_title: None });
        Ok(())
    }

    /// The ids of `titles` (ascending, after any given before for `project`), taking the next
    /// id from `new_id` for each title that is new.
    pub fn ids<'t>(
        &mut self,
        project: u16,
        titles: impl Iterator<Item = &'t [u8]>,
        mut new_id: impl FnMut() -> StoreResult<u32>,
    ) -> StoreResult<Vec<u32>> {
        self.enter(project)?;
        let Some(current) = self.current.as_mut() else {
            unreachable!("entered above");
        };
        let (old, blocks) = (&self.old, &mut self.blocks);
        let mut ids = Vec::new();
        for title in titles {
            if title.len() > MAX_TITLE_BYTES {
                return Err(StoreError::Limit(format!(
                    "a title of {} bytes is longer than {MAX_TITLE_BYTES}",
                    title.len()
                )));
            }
            if current.last_title.as_deref().is_some_and(|last| last >= title) {
                return Err(StoreError::InvalidWrite(format!(
                    "title {:?} after {:?}: titles must be ascending and unique",
                    String::from_utf8_lossy(title),
                    String::from_utf8_lossy(current.last_title.as_deref().unwrap_or_default())
                )));
            }
            let cursor = &mut current.old;
            while cursor.valid && cursor.key.as_slice() < title {
                blocks.emit(&mut current.section, &cursor.key, cursor.id)?;
                cursor.advance(old)?;
            }
            let id = if cursor.valid && cursor.key.as_slice() == title {
                let id = cursor.id;
                cursor.advance(old)?;
                id
            } else {
                self.added += 1;
                new_id()?
            };
            blocks.emit(&mut current.section, title, id)?;
            ids.push(id);
            let last = current.last_title.get_or_insert_with(Vec::new);
            last.clear();
            last.extend_from_slice(title);
        }
        Ok(ids)
    }

    /// Leaves `project`'s section out of the new dictionary: none of its titles is read from it
    /// (`reclaim.rs` gives its ids back). Call it before any title of the project is given.
    pub fn forget(&mut self, project: u16) -> StoreResult<()> {
        self.close_project()?;
        if !self.done.insert(project) {
            return Err(StoreError::InvalidWrite(format!(
                "project id {project} forgotten after its titles were given"
            )));
        }
        if self.old.section(project).is_some() {
            self.forgotten += 1;
        }
        Ok(())
    }

    /// Writes the rest of the current project's old titles and closes its section.
    fn close_project(&mut self) -> StoreResult<()> {
        let Some(mut current) = self.current.take() else {
            return Ok(());
        };
        while current.old.valid {
            self.blocks.emit(&mut current.section, &current.old.key, current.old.id)?;
            current.old.advance(&self.old)?;
        }
        self.blocks.flush()?;
        if current.section.entries > 0 {
            self.sections.push(current.section);
        }
        Ok(())
    }

    /// The sections of `old` this write did not touch: copied into this file when the file
    /// holding them would keep less than half of its blocks live (so no file stays mostly
    /// dead), named by that file's number otherwise. Returns the (project, file) named.
    fn place_untouched(&mut self) -> StoreResult<Vec<(u16, u64)>> {
        let old = Arc::clone(&self.old);
        let untouched: Vec<&Section> =
            old.sections().into_iter().filter(|s| !self.done.contains(&s.project)).collect();
        let mut live: HashMap<u32, u64> = HashMap::new();
        for s in &untouched {
            *live.entry(s.file).or_default() += u64::from(s.blocks);
        }
        let mut refs = Vec::new();
        for s in untouched {
            let holder = &old.files()[s.file as usize];
            if 2 * live[&s.file] >= u64::from(holder.blocks) {
                refs.push((s.project, holder.number));
                continue;
            }
            let mut section = NewSection {
                project: s.project,
                first_block: self.blocks.written,
                blocks: s.blocks,
                entries: s.entries,
                first_titles: Vec::new(),
            };
            for i in 0..s.first_titles.len() {
                let title = old.first_title(s, i);
                put_varint(&mut section.first_titles, title.len() as u64);
                section.first_titles.extend_from_slice(title);
            }
            self.blocks.out.write_all(old.block_bytes(s, s.first_block, s.blocks))?;
            self.blocks.written =
                self.blocks.written.checked_add(s.blocks).ok_or_else(too_large)?;
            self.sections.push(section);
        }
        Ok(refs)
    }

    /// Completes the file and makes it durable. Returns its number, or `None` when no title
    /// was new and no section forgotten (the file is then removed and the current one stays).
    pub fn finish(mut self) -> StoreResult<Option<u64>> {
        self.close_project()?;
        if self.added == 0 && self.forgotten == 0 {
            return Ok(None);
        }
        let refs = self.place_untouched()?;
        // The index: every project in id order, a section of this file or the file holding it.
        self.sections.sort_by_key(|s| s.project);
        let mut index = Vec::new();
        put_varint(&mut index, (self.sections.len() + refs.len()) as u64);
        let (mut entries, mut refs) = (0, refs.into_iter().peekable());
        for s in &self.sections {
            while let Some((project, holder)) = refs.next_if(|r| r.0 < s.project) {
                put_varint(&mut index, u64::from(project));
                put_varint(&mut index, holder);
            }
            for value in
                [u64::from(s.project), 0, u64::from(s.first_block), u64::from(s.blocks), s.entries]
            {
                put_varint(&mut index, value);
            }
            index.extend_from_slice(&s.first_titles);
            entries += s.entries;
        }
        for (project, holder) in refs {
            put_varint(&mut index, u64::from(project));
            put_varint(&mut index, holder);
        }
        let index_offset = u64::from(self.blocks.written) * BLOCK as u64;
        let out = &mut self.blocks.out;
        out.write_all(&index)?;
        out.write_all(MAGIC)?;
        for word in [index_offset, index.len() as u64, entries] {
            out.write_all(&word.to_le_bytes())?;
        }
        out.flush()?;
        out.get_ref().sync_all()?;
        if let Some(dir) = self.path.parent() {
            File::open(dir)?.sync_all()?;
        }
        self.finished = true;
        Ok(Some(self.number))
    }
}

impl Drop for DictionaryWriter {
    fn drop(&mut self) {
        if !self.finished {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
