//! The embedded backend: one LMDB environment (through `heed`) holding every table.
//!
//! - [`EmbeddedStore`]: opens or creates a store directory, checks its format version, and
//!   implements the `aqs-core` store traits ([`aqs_core::pageviews::PageviewsRead`] and
//!   [`aqs_core::pageviews::PageviewsWrite`]).
//! - `segments`: per-article data lives in immutable per-month segments listed in a manifest;
//!   a load appends one and merges a few, so it never rewrites the store.
//! - `codec`: the byte layouts of keys and values.
//!
//! Every write is one LMDB write transaction: readers in this process or any other see the
//! data before it or after it, never part of it, and a load that dies leaves no trace.
//! `docs/store-format.md` describes the format; [`FORMAT_VERSION`] names it.

#[doc(hidden)]
mod blocks;
pub mod codec;
mod compact;
mod dictionary;
mod entity;
mod feature_usage;
mod merge;
mod month_tops;
mod pageviews;
mod project_series;
mod publish;
mod ranked;
mod reclaim;
mod scan;
mod segments;
mod series;
mod slots;
mod top;
mod write;

pub use dictionary::MAX_TITLE_BYTES;
pub use feature_usage::EmbeddedCounters;
pub use merge::MIN_MERGE;
pub use reclaim::IdUsage;

use aqs_core::error::{StoreError, StoreResult};
pub(crate) use dictionary::file::Dictionary;
pub(crate) use dictionary::names::Names;
use heed::types::Bytes;
use heed::{Database, Env, EnvOpenOptions, RoTxn, RwTxn, WithoutTls};
use segments::Manifest;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, RwLock, Weak};

/// The store format this build reads and writes.
pub const FORMAT_VERSION: u32 = 5;

/// The format before, which this build opens as it is and marks as [`FORMAT_VERSION`]: version
/// 5 only adds what giving ids back records (`reclaim.rs`), which a version 4 build would
/// ignore (and then number project ids over live ones).
const UPGRADED_FORMAT: u32 = 4;

/// The default LMDB map size: the most the store may grow to. Address space only; the file
/// grows with the data.
pub const DEFAULT_MAP_SIZE: usize = 64 << 30;

type Table = Database<Bytes, Bytes>;

const META_FORMAT: &[u8] = b"format_version";
const META_GENERATION: &[u8] = b"generation";
const META_MANIFEST: &[u8] = b"manifest";
const META_NEXT_SEGMENT: &[u8] = b"next_segment";
const META_NEXT_ARTICLE: &[u8] = b"next_article";
const META_DICTIONARY: &[u8] = b"dictionary";
const META_NAMES: &[u8] = b"top_names";
/// Moved by every write of segments, the manifest or the dictionary: what readers' cached
/// snapshots are checked against.
const META_SEGMENTS_GENERATION: &[u8] = b"segments_generation";

/// The size of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSize {
    pub name: String,
    pub entries: u64,
    pub bytes: u64,
}

/// Tunables of [`EmbeddedStore::open_with`].
#[derive(Debug, Clone)]
pub struct StoreOptions {
    pub map_size: usize,
    /// Fault injection for tests: every write waits this long inside its transaction, just
    /// before committing, so a test can kill a load mid-write.
    pub pause_before_commit: Option<std::time::Duration>,
    /// A month whose segments take less than this is kept in one segment (see
    /// [`segments::SMALL_MONTH_BYTES`], the default; 0 keeps only the binary counter).
    pub small_month_bytes: u64,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            map_size: DEFAULT_MAP_SIZE,
            pause_before_commit: None,
            small_month_bytes: segments::SMALL_MONTH_BYTES,
        }
    }
}

struct Tables {
    meta: Table,
    /// project name → u16 id.
    projects: Table,
    /// `project_id ‖ access ‖ agent ‖ granularity ‖ period` → views.
    project_series: Table,
    /// `project_id ‖ access ‖ kind ‖ period` → a top list.
    top: Table,
    /// first article id of a run (u32 BE) → the project id of the run's articles.
    article_projects: Table,
    /// The series tables of every family other than pageviews (`series.rs`).
    series: Table,
    /// The index of `series` by period (`series.rs`).
    series_periods: Table,
    /// The texts of `series` keys by id, and their ids (`series/texts.rs`).
    series_parts: Table,
    series_part_ids: Table,
    /// The names lists use, by id, and their ids (`ranked.rs`); the titles of articles on
    /// pageviews top lists of kind 3, by article id (`top/`; loads now write them to the
    /// names file, `dictionary/names.rs`).
    list_names: Table,
    list_ids: Table,
}

/// What readers cache between requests; rebuilt when the generation changes.
#[derive(Clone)]
struct Snapshot {
    /// The LMDB transaction id it was read at (or last found current at).
    txn_id: usize,
    /// The segments generation (`META_SEGMENTS_GENERATION`) it was read at.
    generation: u64,
    manifest: Manifest,
    project_ids: HashMap<String, u16>,
    /// The segment tables, by slot.
    slots: Vec<Table>,
    /// The title dictionary file the transaction names.
    dictionary: Arc<Dictionary>,
    /// The top-list names file the transaction names.
    names: Arc<Names>,
    /// [`slots::Slots::epoch`] once every handle in `slots` was open.
    slots_epoch: u64,
}

struct Inner {
    env: Env<WithoutTls>,
    pause_before_commit: Option<std::time::Duration>,
    small_month_bytes: u64,
    /// Milliseconds a write may spend merging after it publishes (`u64::MAX`: no limit).
    merge_budget_millis: std::sync::atomic::AtomicU64,
    tables: Tables,
    slots: slots::Slots,
    /// The top-list candidates of the last complete month merged whole (`month_tops.rs`).
    month_tops: Mutex<Option<month_tops::CachedTops>>,
    snapshot: RwLock<Option<Arc<Snapshot>>>,
    /// The last title dictionary opened.
    dictionary: Mutex<Arc<Dictionary>>,
    /// The last top-list names file opened.
    names: Mutex<Arc<Names>>,
    /// The generation as of LMDB's last committed transaction id: `(txn id, generation)`.
    generation: Mutex<(u64, u64)>,
    /// The generations of the datasets as of LMDB's last committed transaction id.
    dataset_generations: Mutex<(u64, [u64; aqs_core::table::Dataset::ALL.len()])>,
    /// The ids of series key texts readers have found (`series/texts.rs`).
    text_ids: series::SharedTextIds,
    path: PathBuf,
}

/// The embedded store. Cheap to clone; every clone shares one LMDB environment.
#[derive(Clone)]
pub struct EmbeddedStore {
    inner: Arc<Inner>,
}

/// LMDB must not open one environment twice in a process: every open of a path shares it.
static OPEN_STORES: LazyLock<Mutex<HashMap<PathBuf, Weak<Inner>>>> =
    LazyLock::new(Default::default);

fn engine(e: heed::Error) -> StoreError {
    match e {
        heed::Error::Io(io) => StoreError::Io(io),
        heed::Error::Mdb(heed::MdbError::MapFull) => StoreError::Limit(
            "the store reached its map size; reopen it with a larger --map-size".to_string(),
        ),
        other => StoreError::Engine(other.to_string()),
    }
}

fn u32_value(bytes: &[u8], what: &str) -> StoreResult<u32> {
    Ok(u32::from_be_bytes(bytes.try_into().map_err(|_| codec::corrupt(what))?))
}

fn u64_value(bytes: &[u8], what: &str) -> StoreResult<u64> {
    Ok(u64::from_be_bytes(bytes.try_into().map_err(|_| codec::corrupt(what))?))
}

impl EmbeddedStore {
    /// Opens the store in `dir`, creating it when the directory holds none.
    pub fn open(dir: &Path) -> StoreResult<EmbeddedStore> {
        EmbeddedStore::open_with(dir, &StoreOptions::default())
    }

    pub fn open_with(dir: &Path, options: &StoreOptions) -> StoreResult<EmbeddedStore> {
        std::fs::create_dir_all(dir)?;
        let path = dir.canonicalize()?;
        let mut open = OPEN_STORES.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(inner) = open.get(&path).and_then(Weak::upgrade) {
            return Ok(EmbeddedStore { inner });
        }
        let mut env_options = EnvOpenOptions::new().read_txn_without_tls();
        env_options.map_size(options.map_size).max_dbs(16 + slots::MAX_SLOTS);
        // SAFETY: LMDB maps the file into memory; the mapping stays valid because this process
        // opens each environment once (the OPEN_STORES registry above) and nothing here
        // truncates or rewrites the file outside LMDB. Other processes coordinate through
        // LMDB's own lock file.
        #[allow(unsafe_code)]
        let env = unsafe { env_options.open(&path) }.map_err(engine)?;
        let tables = create_tables(&env, &path)?;
        let inner = Arc::new(Inner {
            env,
            pause_before_commit: options.pause_before_commit,
            small_month_bytes: options.small_month_bytes,
            merge_budget_millis: std::sync::atomic::AtomicU64::new(u64::MAX),
            tables,
            slots: slots::Slots::default(),
            month_tops: Mutex::new(None),
            snapshot: RwLock::new(None),
            dictionary: Mutex::new(Arc::new(Dictionary::empty())),
            names: Mutex::new(Arc::new(Names::empty())),
            generation: Mutex::new((0, 0)),
            dataset_generations: Mutex::new((0, Default::default())),
            text_ids: Default::default(),
            path: path.clone(),
        });
        {
            let rtxn = inner.env.read_txn().map_err(engine)?;
            inner.slots.refresh(&inner.env, inner.tables.meta, &rtxn)?;
        }
        open.insert(path, Arc::downgrade(&inner));
        Ok(EmbeddedStore { inner })
    }

    /// The directory of the store.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Bytes of the store in use: LMDB pages not on its free list, the title dictionary and
    /// the top-list names.
    pub fn used_bytes(&self) -> StoreResult<u64> {
        let (_rtxn, snapshot) = self.read_snapshot()?;
        let files = snapshot.dictionary.file_bytes() + snapshot.names.file_bytes();
        Ok(self.inner.env.non_free_pages_size().map_err(engine)? + files)
    }

    /// Bytes the store's files take on disk (LMDB's file, the title dictionary and the
    /// top-list names).
    pub fn file_bytes(&self) -> StoreResult<u64> {
        let (_rtxn, snapshot) = self.read_snapshot()?;
        let lmdb = std::fs::metadata(self.inner.path.join("data.mdb"))?.len();
        Ok(lmdb + snapshot.dictionary.file_bytes() + snapshot.names.file_bytes())
    }

    /// Entries and bytes (pages × page size) of every table, in the order of
    /// docs/store-format.md.
    pub fn table_sizes(&self) -> StoreResult<Vec<TableSize>> {
        let (rtxn, snapshot) = self.read_snapshot()?;
        let t = &self.inner.tables;
        let mut out = Vec::new();
        // Segment tables: those of entity tables apart (`entity.rs`), the rest per article.
        let entity_slots = entity::slots_by_table(t, &rtxn, &snapshot)?;
        let taken: std::collections::HashSet<u32> =
            entity_slots.iter().flat_map(|(_, slots)| slots.iter().copied()).collect();
        let slots = (0..snapshot.slots.len() as u32)
            .filter(|s| !taken.contains(s))
            .map(|s| snapshot.slots[s as usize])
            .collect();
        let tables: [(&'static str, Vec<Table>); 11] = [
            ("meta", vec![t.meta]),
            ("projects", vec![t.projects]),
            // Per-article data: every segment table.
            ("series", slots),
            ("project_series", vec![t.project_series]),
            ("top", vec![t.top]),
            ("article_projects", vec![t.article_projects]),
            ("series_tables", vec![t.series]),
            ("series_periods", vec![t.series_periods]),
            ("series_parts", vec![t.series_parts, t.series_part_ids]),
            ("list_names", vec![t.list_names]),
            ("list_ids", vec![t.list_ids]),
        ];
        let size = |name: String, parts: &[Table]| -> StoreResult<TableSize> {
            let (mut entries, mut bytes) = (0u64, 0u64);
            for part in parts {
                let stat = part.stat(&rtxn).map_err(engine)?;
                let pages = stat.branch_pages + stat.leaf_pages + stat.overflow_pages;
                entries += stat.entries as u64;
                bytes += pages as u64 * u64::from(stat.page_size);
            }
            Ok(TableSize { name, entries, bytes })
        };
        for (name, parts) in tables {
            out.push(size(name.to_string(), &parts)?);
        }
        let names = &snapshot.names;
        let (name, entries, bytes) = ("top_names".to_string(), names.entries(), names.file_bytes());
        out.insert(5, TableSize { name, entries, bytes });
        // The title dictionary: the entity tables' names apart.
        let dictionary = &snapshot.dictionary;
        let (mut entries, mut bytes) = (dictionary.entries(), dictionary.file_bytes());
        for (name, slots) in &entity_slots {
            let parts: Vec<Table> = slots.iter().map(|s| snapshot.slots[*s as usize]).collect();
            out.push(size(format!("{name} (segments)"), &parts)?);
            let (names, names_bytes) = entity::name_sizes(&snapshot, name);
            out.push(TableSize {
                name: format!("{name} (names)"),
                entries: names,
                bytes: names_bytes,
            });
            entries -= names;
            bytes -= names_bytes;
        }
        out.insert(2, TableSize { name: "articles".to_string(), entries, bytes });
        Ok(out)
    }

    /// How long each write of this process may spend on merges after it has published its
    /// data (`None`, the default: until they are done). A write that runs out leaves its merge
    /// under way, reading the same, for the next write to finish (`merge/mod.rs`).
    pub fn set_merge_budget(&self, budget: Option<std::time::Duration>) {
        let millis = budget.map_or(u64::MAX, |b| u64::try_from(b.as_millis()).unwrap_or(u64::MAX));
        self.inner.merge_budget_millis.store(millis, std::sync::atomic::Ordering::Relaxed);
    }

    fn merge_budget(&self) -> Option<std::time::Duration> {
        match self.inner.merge_budget_millis.load(std::sync::atomic::Ordering::Relaxed) {
            u64::MAX => None,
            millis => Some(std::time::Duration::from_millis(millis)),
        }
    }

    /// Opens the handles of every segment table committed so far (call it while this process
    /// has no write transaction open).
    pub(crate) fn refresh_slots(&self) -> StoreResult<()> {
        let rtxn = self.read_txn()?;
        self.inner.slots.refresh(&self.inner.env, self.inner.tables.meta, &rtxn)?;
        Ok(())
    }

    fn read_txn(&self) -> StoreResult<RoTxn<'_, WithoutTls>> {
        self.inner.env.read_txn().map_err(engine)
    }

    /// The store's generation, asked on every request (the response cache compares it). A
    /// read transaction is opened only when LMDB's last committed transaction id moved since
    /// the last answer; that id is read from the map without a transaction or a lock, and
    /// every commit (this process's or a loader's) moves it.
    pub(crate) fn current_generation(&self) -> StoreResult<u64> {
        let txn_id = self.inner.env.info().last_txn_id as u64;
        let mut known = self.inner.generation.lock().unwrap_or_else(|p| p.into_inner());
        if known.0 != txn_id || txn_id == 0 {
            // Kept under the id of the transaction that read it: the environment's last id
            // can name a commit of another process that read transactions do not see yet.
            let rtxn = self.read_txn()?;
            *known = (rtxn.id() as u64, read_generation(&self.inner.tables, &rtxn)?);
        }
        Ok(known.1)
    }

    /// A read transaction and its snapshot. A transaction begun before this process opened a
    /// segment table cannot use its handle, so when the snapshot names tables opened after the
    /// transaction began, a new transaction is begun.
    fn read_snapshot(&self) -> StoreResult<(RoTxn<'_, WithoutTls>, Arc<Snapshot>)> {
        let mut replaced = 0;
        loop {
            let epoch = self.inner.slots.epoch();
            let rtxn = self.read_txn()?;
            let snapshot = match self.snapshot(&rtxn) {
                // A load replaced the transaction's dictionary file after it began: begin anew.
                Err(e) if dictionary::file::is_replaced(&e) && replaced < 3 => {
                    replaced += 1;
                    continue;
                }
                other => other?,
            };
            if snapshot.slots_epoch <= epoch {
                return Ok((rtxn, snapshot));
            }
        }
    }

    /// The snapshot for this read transaction, from the cache when nothing changed.
    fn snapshot(&self, rtxn: &RoTxn<'_, WithoutTls>) -> StoreResult<Arc<Snapshot>> {
        let txn_id = rtxn.id();
        let cached = self.inner.snapshot.read().unwrap_or_else(|p| p.into_inner()).clone();
        if let Some(s) = cached.as_ref().filter(|s| s.txn_id == txn_id) {
            return Ok(Arc::clone(s));
        }
        let generation = read_segments_generation(&self.inner.tables, rtxn)?;
        if let Some(s) = cached.filter(|s| s.generation == generation) {
            // Newer transactions that did not change the data: remember this one as current.
            let current = Arc::new(Snapshot { txn_id, ..Snapshot::clone(&s) });
            *self.inner.snapshot.write().unwrap_or_else(|p| p.into_inner()) =
                Some(Arc::clone(&current));
            return Ok(current);
        }
        let tables = &self.inner.tables;
        let manifest = match tables.meta.get(rtxn, META_MANIFEST).map_err(engine)? {
            Some(bytes) => Manifest::decode(bytes)?,
            None => Manifest::default(),
        };
        let mut project_ids = HashMap::new();
        for entry in tables.projects.iter(rtxn).map_err(engine)? {
            let (name, id) = entry.map_err(engine)?;
            let name = std::str::from_utf8(name).map_err(|_| codec::corrupt("project name"))?;
            let id = u16::from_be_bytes(id.try_into().map_err(|_| codec::corrupt("project id"))?);
            project_ids.insert(name.to_string(), id);
        }
        let dictionary = self.dictionary(dictionary_number(tables, rtxn)?)?;
        let names = self.names(names_number(tables, rtxn)?)?;
        let slots = self.inner.slots.refresh(&self.inner.env, tables.meta, rtxn)?;
        let slots_epoch = self.inner.slots.epoch();
        let snapshot = Arc::new(Snapshot {
            txn_id,
            generation,
            manifest,
            project_ids,
            slots,
            dictionary,
            names,
            slots_epoch,
        });
        *self.inner.snapshot.write().unwrap_or_else(|p| p.into_inner()) =
            Some(Arc::clone(&snapshot));
        Ok(snapshot)
    }
}

impl EmbeddedStore {
    /// Title dictionary `number`, opened once per process and shared (the files it shares
    /// with the one open before are not opened again).
    pub(crate) fn dictionary(&self, number: u64) -> StoreResult<Arc<Dictionary>> {
        let mut last = self.inner.dictionary.lock().unwrap_or_else(|p| p.into_inner());
        if last.number != number {
            *last = Arc::new(Dictionary::open_reusing(&self.inner.path, number, &last)?);
        }
        Ok(Arc::clone(&last))
    }

    /// Top-list names file `number`, opened once per process and shared.
    pub(crate) fn names(&self, number: u64) -> StoreResult<Arc<Names>> {
        let mut last = self.inner.names.lock().unwrap_or_else(|p| p.into_inner());
        if last.number != number {
            *last = Arc::new(Names::open(&self.inner.path, number)?);
        }
        Ok(Arc::clone(&last))
    }
}

/// The number of the top-list names file that `txn` sees (0: none yet).
pub(crate) fn names_number(tables: &Tables, txn: &RoTxn) -> StoreResult<u64> {
    match tables.meta.get(txn, META_NAMES).map_err(engine)? {
        Some(bytes) => u64_value(bytes, "names number"),
        None => Ok(0),
    }
}

/// The number of the title dictionary file that `txn` sees (0: none yet).
pub(crate) fn dictionary_number(tables: &Tables, txn: &RoTxn) -> StoreResult<u64> {
    match tables.meta.get(txn, META_DICTIONARY).map_err(engine)? {
        Some(bytes) => u64_value(bytes, "dictionary number"),
        None => Ok(0),
    }
}

/// What snapshots are checked against (`META_SEGMENTS_GENERATION`).
pub(crate) fn read_segments_generation(
    tables: &Tables,
    txn: &RoTxn<'_, WithoutTls>,
) -> StoreResult<u64> {
    match tables.meta.get(txn, META_SEGMENTS_GENERATION).map_err(engine)? {
        Some(bytes) => u64_value(bytes, "segments generation"),
        None => Ok(0),
    }
}

fn read_generation(tables: &Tables, txn: &RoTxn<'_, WithoutTls>) -> StoreResult<u64> {
    match tables.meta.get(txn, META_GENERATION).map_err(engine)? {
        Some(bytes) => u64_value(bytes, "generation"),
        None => Ok(0),
    }
}

/// Opens the store's tables, creating those it lacks, once its format is checked: a store of
/// another format is refused before anything is written to it.
fn create_tables(env: &Env<WithoutTls>, path: &Path) -> StoreResult<Tables> {
    let mut wtxn = env.write_txn().map_err(engine)?;
    let meta = env.create_database(&mut wtxn, Some("meta")).map_err(engine)?;
    check_format(meta, &mut wtxn, path)?;
    let mut create = |name: &str| -> StoreResult<Table> {
        env.create_database(&mut wtxn, Some(name)).map_err(engine)
    };
    let tables = Tables {
        meta,
        projects: create("projects")?,
        project_series: create("project_series")?,
        top: create("top")?,
        article_projects: create("article_projects")?,
        series: create("series_tables")?,
        series_periods: create("series_periods")?,
        series_parts: create("series_parts")?,
        series_part_ids: create("series_part_ids")?,
        list_names: create("list_names")?,
        list_ids: create("list_ids")?,
    };
    wtxn.commit().map_err(engine)?;
    Ok(tables)
}

/// Writes the format version into a new store, or refuses a store of another version.
fn check_format(meta: Table, wtxn: &mut RwTxn, path: &Path) -> StoreResult<()> {
    match meta.get(wtxn, META_FORMAT).map_err(engine)?.map(|b| u32_value(b, "format version")) {
        None => meta.put(wtxn, META_FORMAT, &FORMAT_VERSION.to_be_bytes()).map_err(engine),
        Some(Ok(FORMAT_VERSION)) => Ok(()),
        Some(Ok(UPGRADED_FORMAT)) => {
            meta.put(wtxn, META_FORMAT, &FORMAT_VERSION.to_be_bytes()).map_err(engine)
        }
        Some(Ok(found)) => Err(StoreError::UnsupportedFormat {
            found,
            supported: FORMAT_VERSION,
            hint: format!(
                "{} was written by another aqs version; load the data again into a new --data directory",
                path.display()
            ),
        }),
        Some(Err(e)) => Err(e),
    }
}

/// For tests: overwrites the stored format version.
#[doc(hidden)]
pub fn set_format_version_for_tests(store: &EmbeddedStore, version: u32) -> StoreResult<()> {
    let mut wtxn: RwTxn<'_> = store.inner.env.write_txn().map_err(engine)?;
    store.inner.tables.meta.put(&mut wtxn, META_FORMAT, &version.to_be_bytes()).map_err(engine)?;
    wtxn.commit().map_err(engine)
}

/// For tests: a store in a new directory (kept while the directory lives).
#[cfg(test)]
pub(crate) fn test_store() -> (tempfile::TempDir, EmbeddedStore) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let options = StoreOptions { map_size: 1 << 26, ..Default::default() };
    let store = EmbeddedStore::open_with(dir.path(), &options).expect("a new store");
    (dir, store)
}
