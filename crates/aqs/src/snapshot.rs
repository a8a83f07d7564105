//! `aqs snapshot ...`: the MediaWiki history snapshots a store holds, and which one is served.
//! An activation is one atomic write: a running `aqs serve`, in this process or another,
//! answers from the new snapshot at its next request.

use crate::cli::BackendArgs;
use crate::commands::open_backend;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::YearMonth;
use aqs_core::history::request::parse_snapshot;
use aqs_core::history::{attempts, check, snapshots};
use aqs_core::table::WriteStore;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// List the snapshots: name, wikis, events, when loaded, and which is active
    List(ListArgs),
    /// Compare a snapshot with an earlier one (default: the active one): per project and
    /// month, edits, new pages, new registered users and editors; exit 1 when it fails
    Check(CheckArgs),
    /// Serve a snapshot from now on, once it passes `aqs snapshot check` against the active
    /// one (its project-family totals are computed first)
    Activate(ActivateArgs),
    /// Serve the snapshot that was active before the active one
    Rollback(ListArgs),
    /// Delete a snapshot's data (never the active one's); the embedded store gives the ids of
    /// its pages and editors back to later loads
    Drop(DropArgs),
}

#[derive(Args)]
pub struct DropArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    /// The snapshot, YYYY-MM
    #[arg(value_name = "SNAPSHOT")]
    pub name: String,
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub store: BackendArgs,
}

#[derive(Args)]
pub struct ActivateArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    #[command(flatten)]
    pub bounds: BoundsArgs,
    /// Activate even when the check fails
    #[arg(long)]
    pub force: bool,
    /// Once active, keep this many of the newest snapshots (and the active one), dropping
    /// the others; 0 keeps every snapshot
    #[arg(long, default_value_t = 2, value_name = "N")]
    pub keep: usize,
    /// The snapshot, YYYY-MM (the month in the dump files' names)
    #[arg(value_name = "SNAPSHOT")]
    pub name: String,
}

#[derive(Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub store: BackendArgs,
    #[command(flatten)]
    pub bounds: BoundsArgs,
    /// The snapshot to compare with (default: the active one, else the newest earlier one)
    #[arg(long, value_name = "SNAPSHOT")]
    pub against: Option<String>,
    /// Print the report as JSON (for monitoring jobs)
    #[arg(long)]
    pub json: bool,
    /// The snapshot to check, YYYY-MM
    #[arg(value_name = "SNAPSHOT")]
    pub name: String,
}

/// How far a month may move between two snapshots.
#[derive(Args, Clone, Copy)]
pub struct BoundsArgs {
    /// The largest share a month's number may lose (deletions)
    #[arg(long, default_value_t = 0.05, value_name = "SHARE")]
    pub max_shrink: f64,
    /// The largest share a past month's number may gain
    #[arg(long, default_value_t = 0.5, value_name = "SHARE")]
    pub max_growth: f64,
    /// Months below this number in both snapshots are not compared
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub min_count: u64,
}

impl BoundsArgs {
    fn bounds(self) -> check::Bounds {
        check::Bounds {
            max_shrink: self.max_shrink,
            max_growth: self.max_growth,
            min_count: self.min_count,
        }
    }
}

fn snapshot_name(text: &str) -> Result<YearMonth> {
    parse_snapshot(text).ok_or_else(|| anyhow!("{text:?} is not a snapshot name: expected YYYY-MM"))
}

/// The check of `month` against `against` (default: the active snapshot when it is another,
/// else the newest earlier one); `None` when there is nothing to compare with.
fn check_report(
    store: &dyn WriteStore,
    month: YearMonth,
    against: Option<YearMonth>,
    bounds: check::Bounds,
) -> Result<Option<check::Report>> {
    let loaded: Vec<YearMonth> =
        snapshots::wiki_loads(store)?.into_iter().map(|l| l.snapshot).collect();
    if !loaded.contains(&month) {
        bail!("snapshot {month} holds no wiki: load its mediawiki_history files first (aqs load)");
    }
    let against = match against {
        Some(a) => Some(a),
        None => snapshots::active(store)?
            .filter(|a| *a != month)
            .or_else(|| loaded.iter().copied().filter(|m| *m < month).max()),
    };
    let Some(against) = against else { return Ok(None) };
    let (after, before) = (check::numbers(store, month)?, check::numbers(store, against)?);
    Ok(Some(check::compare((month, &after), (against, &before), bounds)))
}

pub fn run(command: SnapshotCommand) -> Result<()> {
    match command {
        SnapshotCommand::List(args) => out!("{}", list(&args.store)?),
        SnapshotCommand::Check(args) => {
            let month = snapshot_name(&args.name)?;
            let against = args.against.as_deref().map(snapshot_name).transpose()?;
            let backend = open_backend(&args.store, false)?;
            let bounds = args.bounds.bounds();
            let Some(report) = check_report(backend.writer(), month, against, bounds)? else {
                outln!("check of {month}: no earlier snapshot to compare with");
                return Ok(());
            };
            match args.json {
                true => outln!("{}", report.json()),
                false => out!("{report}"),
            }
            if !report.ok() {
                bail!("snapshot {month} failed its check against {}", report.against);
            }
        }
        SnapshotCommand::Activate(args) => {
            let month = snapshot_name(&args.name)?;
            let backend = open_backend(&args.store, false)?;
            refuse_if_dropping(backend.writer(), month)?;
            if let Some(report) = check_report(backend.writer(), month, None, args.bounds.bounds())?
            {
                out!("{report}");
                if !report.ok() && !args.force {
                    bail!(
                        "snapshot {month} was not activated: it failed its check (--force activates it anyway)"
                    );
                }
            }
            drop(backend);
            activate(&args.store, month)?;
            outln!("active: {month}");
            let backend = open_backend(&args.store, false)?;
            for old in snapshots::beyond_kept(backend.writer(), args.keep)? {
                let rows = snapshots::drop_snapshot(backend.writer(), old, &drop_step(old))?;
                outln!("dropped: {old} ({rows} rows; --keep {} keeps the newest)", args.keep);
            }
        }
        SnapshotCommand::Drop(args) => {
            let month = snapshot_name(&args.name)?;
            let backend = open_backend(&args.store, false)?;
            let store = backend.writer();
            if snapshots::active(store)? == Some(month) {
                bail!(
                    "snapshot {month} is the active one: activate another first (aqs snapshot activate or rollback)"
                );
            }
            // A drop that was killed is run again: the snapshot is no longer listed.
            let listed = snapshots::wiki_loads(store)?.iter().any(|l| l.snapshot == month);
            if !listed && !attempts::being_dropped(store, month)? {
                bail!("the store holds no snapshot {month} (aqs snapshot list)");
            }
            let rows = snapshots::drop_snapshot(store, month, &drop_step(month))?;
            outln!("dropped: {month} ({rows} rows)");
        }
        SnapshotCommand::Rollback(args) => {
            let backend = open_backend(&args.store, false)?;
            let Some(previous) = snapshots::previous(backend.writer())? else {
                bail!("no snapshot was active before the active one: nothing to roll back to");
            };
            drop(backend);
            activate(&args.store, previous)?;
            outln!("active: {previous} (rolled back)");
        }
    }
    Ok(())
}

/// Activates `month`: fails when the store holds no wiki of it.
pub fn activate(args: &BackendArgs, month: YearMonth) -> Result<()> {
    let backend = open_backend(args, false)?;
    activate_in(backend.writer(), month)
}

/// Activates the newest snapshot the store holds, if any (the demo's).
pub fn activate_newest(store: &dyn WriteStore) -> Result<Option<YearMonth>> {
    let newest = snapshots::wiki_loads(store)?.into_iter().map(|l| l.snapshot).max();
    if let Some(month) = newest {
        activate_in(store, month)?;
    }
    Ok(newest)
}

/// What a drop tells of its progress: a debug log per table (tests pause it where
/// `AQS_TEST_PAUSE_DROP` names a table).
fn drop_step(month: YearMonth) -> impl Fn(&str) {
    move |table: &str| {
        tracing::debug!("dropping {month}: {table} done");
        aqs_ingest::load::test_pause("AQS_TEST_PAUSE_DROP", table);
    }
}

/// A snapshot being dropped (or whose drop was killed) is not activated.
fn refuse_if_dropping(store: &dyn WriteStore, month: YearMonth) -> Result<()> {
    if attempts::being_dropped(store, month)? {
        bail!(
            "snapshot {month} is being dropped, or a drop of it did not finish: aqs snapshot drop {month} finishes it"
        );
    }
    Ok(())
}

fn activate_in(store: &dyn WriteStore, month: YearMonth) -> Result<()> {
    refuse_if_dropping(store, month)?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    if !snapshots::activate(store, month, now)? {
        bail!("snapshot {month} holds no wiki: load its mediawiki_history files first (aqs load)");
    }
    Ok(())
}

/// The table `aqs snapshot list` prints.
pub fn list(args: &BackendArgs) -> Result<String> {
    let backend = open_backend(args, false)?;
    let store = backend.writer();
    let active = snapshots::active(store)?;
    let mut by_snapshot: BTreeMap<YearMonth, (usize, u64, String)> = BTreeMap::new();
    for load in snapshots::wiki_loads(store)? {
        let entry = by_snapshot.entry(load.snapshot).or_default();
        entry.0 += 1;
        entry.1 += load.events;
        entry.2 = entry.2.clone().max(load.loaded.to_string());
    }
    let mut out = String::from("snapshot  wikis  events      loaded      active\n");
    for (month, (wikis, events, loaded)) in by_snapshot.iter().rev() {
        let mark = if Some(*month) == active { "yes" } else { "" };
        out.push_str(&format!("{month}  {wikis:>5}  {events:>10}  {loaded}  {mark}\n"));
    }
    if by_snapshot.is_empty() {
        out.push_str("(none: load mediawiki_history files with aqs load)\n");
    }
    // Loads under way, and what killed loads left (`aqs_core::history::attempts`); drops
    // under way or killed.
    let (mut loads, mut ended, mut unknown) = (0, 0, 0);
    for attempt in attempts::recorded(store)? {
        let running = attempt.process.running();
        match (attempt.drop_of(), running) {
            (Some(month), Some(false)) => out.push_str(&format!(
                "snapshot {month}: a drop that did not finish (aqs snapshot drop {month} finishes it, as does the next history load)\n"
            )),
            (Some(month), _) => out.push_str(&format!("snapshot {month}: being dropped\n")),
            (None, Some(true)) => loads += 1,
            (None, Some(false)) => ended += 1,
            (None, None) => unknown += 1,
        }
    }
    if loads + ended + unknown > 0 {
        out.push_str(&format!(
            "history loads recorded as under way: {loads} running; {ended} of processes that have ended (the next history load deletes what readers do not read); {unknown} of other hosts\n"
        ));
    }
    Ok(out)
}
