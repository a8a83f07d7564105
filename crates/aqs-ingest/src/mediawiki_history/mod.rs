//! MediaWiki history dumps (`other/mediawiki_history/<snapshot>/<wiki_db>/
//! <snapshot>.<wiki_db>.<time_bucket>.tsv.bz2`, data-formats §2.7) reduced to what the edits,
//! editors, edited-pages, registered-users and bytes-difference routes count (§5.8).
//!
//! - [`cells`]: the column layouts (70 to 78 columns) and the cell encoding.
//! - [`digests`]: the editors and pages edited per day and month, by activity level.
//! - [`early_writer`]: the thread that writes a load's batches while the next is counted.
//! - [`event`]: a line reduced to an edit, a new page, a new registered user, or nothing.
//! - [`load`]: a wiki's files of a snapshot counted into the history tables.
//! - [`names`]: the page titles and user texts of a wiki, numbered once for every table.
//! - [`per_entity`]: the edits per page and per editor and day.
//! - [`periods`]: the day and month under way, for the digests and the top lists.
//! - [`rows`]: the per-page, per-editor and top-list rows taken out of the counters.
//! - [`slots`]: a period's values per name number, for the digests, the top lists and the
//!   per-page and per-editor days.
//! - [`split`]: a line's cells, its tabs found eight bytes at a time.
//! - [`tops`]: the top lists of editors and pages per day and month.
//! - [`wikis`]: the project of a wiki database, the canonical namespace names.

pub mod cells;
pub mod digests;
pub mod early_writer;
pub mod event;
pub mod load;
pub mod names;
pub mod per_entity;
pub mod periods;
pub mod rows;
pub mod slots;
pub mod split;
pub mod tops;
pub mod wikis;

pub use event::{Edit, Event, Malformed, PageType, Reader, UserType};

/// The snapshot and wiki of a dump file name (`2026-05.enwiki.2024-03.tsv.bz2`,
/// `2026-05.dewiki.2024.tsv.bz2`, `2026-05.aawiki.all-time.tsv.bz2`).
pub fn parse_file_name(name: &str) -> Option<(aqs_core::dates::YearMonth, &str)> {
    let rest = name.strip_suffix(".bz2").unwrap_or(name);
    let rest = rest.strip_suffix(".tsv")?;
    let mut parts = rest.splitn(3, '.');
    let (snapshot, wiki, bucket) = (parts.next()?, parts.next()?, parts.next()?);
    let (y, m) = snapshot.split_once('-')?;
    if y.len() != 4 || m.len() != 2 || wiki.is_empty() {
        return None;
    }
    let bucket_ok = bucket == "all-time"
        || (bucket.len() == 4 && bucket.bytes().all(|b| b.is_ascii_digit()))
        || (bucket.len() == 7 && bucket.as_bytes()[4] == b'-');
    let month = aqs_core::dates::YearMonth::new(y.parse().ok()?, m.parse().ok()?)?;
    bucket_ok.then_some((month, wiki))
}

#[cfg(test)]
mod tests;
