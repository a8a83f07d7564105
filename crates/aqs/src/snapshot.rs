//! `aqs snapshot ...`: the MediaWiki history snapshots a store holds, and which one is served.
//! An activation is one atomic write: a running `aqs serve`, in this process or another,
//! answers from the new snapshot at its next request.

use crate::cli::BackendArgs;
use crate::commands::open_backend;
use anyhow::{Result, anyhow, bail};
use aqs_core::dates::YearMonth;
use aqs_core::history::request::parse_snapshot;
use aqs_core::history::snapshots;
use aqs_core::table::WriteStore;
use clap::{Args, Subcommand};
use std::collections::BTreeMap;

#[derive(Subcommand)]
pub enum SnapshotCommand {
    /// List the snapshots: name, wikis, events, when loaded, and which is active
    List(ListArgs),
    /// Serve a snapshot from now on (its project-family totals are computed first)
    Activate(ActivateArgs),
    /// Serve the snapshot that was active before the active one
    Rollback(ListArgs),
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
    /// The snapshot, YYYY-MM (the month in the dump files' names)
    #[arg(value_name = "SNAPSHOT")]
    pub name: String,
}

pub fn run(command: SnapshotCommand) -> Result<()> {
    match command {
        SnapshotCommand::List(args) => print!("{}", list(&args.store)?),
        SnapshotCommand::Activate(args) => {
            let month = parse_snapshot(&args.name).ok_or_else(|| {
                anyhow!("{:?} is not a snapshot name: expected YYYY-MM", args.name)
            })?;
            activate(&args.store, month)?;
            println!("active: {month}");
        }
        SnapshotCommand::Rollback(args) => {
            let backend = open_backend(&args.store, false)?;
            let Some(previous) = snapshots::previous(backend.writer())? else {
                bail!("no snapshot was active before the active one: nothing to roll back to");
            };
            drop(backend);
            activate(&args.store, previous)?;
            println!("active: {previous} (rolled back)");
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

fn activate_in(store: &dyn WriteStore, month: YearMonth) -> Result<()> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(batch) = snapshots::activation(store, month, now)? else {
        bail!("snapshot {month} holds no wiki: load its mediawiki_history files first (aqs load)");
    };
    store.publish_series(&batch)?;
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
    Ok(out)
}
