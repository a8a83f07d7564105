//! Sample MediaWiki history dumps (data-formats §2.7):
//! `other/mediawiki_history/<snapshot>/<wiki_db>/<snapshot>.<wiki_db>.<time_bucket>.tsv.bz2`
//! for four wikis of different sizes and time buckets (`enwiki` by month, `dewiki` and
//! `frwiktionary` by year, `yowiki` all-time), from January of the year before the snapshot
//! to the snapshot's last day.
//!
//! What real histories hold, in proportion: registered users who register themselves (some
//! created by others or by the system), bots by group and by name, IP editors (v4 and v6) and
//! temporary accounts; pages in content and other namespaces, redirects, pages moved (edits
//! before the move carry the old title as historical) and pages deleted (their revisions are
//! marked deleted with the page). And every irregular cell form: escaped tabs and line
//! breaks, a comma inside an array item, a backslash left as it is, NULL current values that
//! fall back to the historical ones, a NULL deletion flag, a NULL byte difference, an editor
//! with no name, negative byte differences. `yowiki` is written in the 70-column layout and
//! `frwiktionary` in the 74-column one; `dewiki`'s file is two bzip2 streams.
//!
//! Lines are sorted by timestamp within a file, as the dumper writes them.

use super::super::mediawiki_history::cells::{NAMES, added_in};
use super::poisson;
use anyhow::{Context, Result};
use aqs_core::dates::{Day, YearMonth};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The time buckets of a wiki's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bucket {
    Month,
    Year,
    AllTime,
}

/// The generated wikis: database, share of the edits, time bucket, column layout.
const WIKIS: [(&str, f64, Bucket, usize); 4] = [
    ("enwiki", 0.6, Bucket::Month, 78),
    ("dewiki", 0.25, Bucket::Year, 78),
    ("frwiktionary", 0.1, Bucket::Year, 74),
    ("yowiki", 0.05, Bucket::AllTime, 70),
];

/// Namespaces pages are created in (number, content or not, weight).
const NAMESPACES: [(i64, bool, f64); 7] = [
    (0, true, 0.62),
    (1, false, 0.1),
    (2, false, 0.1),
    (3, false, 0.08),
    (4, false, 0.04),
    (10, false, 0.04),
    (828, false, 0.02),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Registered,
    GroupBot,
    NameBot,
    Ip,
    Temporary,
}

struct User {
    id: u64,
    name: String,
    kind: Kind,
    /// Who created the account: self, peer, system.
    created_by: &'static str,
}

struct Page {
    id: u64,
    namespace: i64,
    title: String,
    /// The title before a move, used by edits before `moved_on`.
    old_title: Option<(String, Day)>,
    redirect: Option<bool>,
    deleted: bool,
    bytes: i64,
}

/// One line's cells, by column name, in the 78-column layout.
struct Line {
    cells: Vec<String>,
}

impl Line {
    fn new(wiki: &str) -> Line {
        let mut cells = vec![String::new(); NAMES.len()];
        cells[0] = wiki.to_string();
        Line { cells }
    }

    fn set(&mut self, name: &str, value: impl ToString) -> &mut Line {
        let i = NAMES.iter().position(|n| *n == name).unwrap_or(0);
        self.cells[i] = value.to_string();
        self
    }

    /// The line in a layout of `columns` cells.
    fn write(&self, columns: usize, out: &mut Vec<u8>) {
        let mut first = true;
        for (i, cell) in self.cells.iter().enumerate() {
            if added_in(i + 1) > columns {
                continue;
            }
            if !first {
                out.push(b'\t');
            }
            first = false;
            out.extend_from_slice(cell.as_bytes());
        }
        out.push(b'\n');
    }
}

fn timestamp(day: Day, seconds: u32) -> String {
    format!("{day} {:02}:{:02}:{:02}.0", seconds / 3600, seconds / 60 % 60, seconds % 60)
}

/// The sample's history: the snapshot of the last generated day's month, with about half as
/// many edits over its fifteen months as the sample has articles (2,000 to 50,000); returns
/// (files, lines, bytes).
pub fn generate_sample(options: &super::GenerateOptions) -> Result<(Vec<PathBuf>, u64, u64)> {
    let last = options.start.add_days(options.days.saturating_sub(1) as i32);
    let per_day = (options.articles as f64 / 2.0).clamp(2_000.0, 50_000.0) / 456.0;
    let (files, lines) = generate(&options.out, last.year_month(), per_day, options.seed)?;
    let bytes = files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum();
    Ok((files, lines, bytes))
}

/// Writes the history of every wiki up to the end of `snapshot`, about `edits_per_day`
/// revisions a day in all; returns the files and their lines. The history starts in January of
/// the year before the snapshot, and the same seed gives the same events day by day: a later
/// snapshot of the same year holds an earlier one's history and more, as real snapshots do.
pub fn generate(
    out: &Path,
    snapshot: YearMonth,
    edits_per_day: f64,
    seed: u64,
) -> Result<(Vec<PathBuf>, u64)> {
    let start =
        YearMonth::new(snapshot.year() - 1, 1).map_or(snapshot.first_day(), |m| m.first_day());
    let end = snapshot.last_day();
    let (mut files, mut lines) = (Vec::new(), 0u64);
    for (w, (wiki, share, bucket, columns)) in WIKIS.into_iter().enumerate() {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (w as u64 + 1).wrapping_mul(0x9e37_79b9));
        let per_day = edits_per_day * share;
        let dir = out.join("other/mediawiki_history").join(snapshot.to_string()).join(wiki);
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        // One file's text at a time, written when the next file's first line comes.
        let mut file: Option<(String, Vec<u8>)> = None;
        let mut write = |name: &str, text: &[u8]| -> Result<()> {
            let path = dir.join(format!("{snapshot}.{wiki}.{name}.tsv.bz2"));
            let streams = if wiki == "dewiki" { 2 } else { 1 };
            write_bz2(&path, text, streams)?;
            lines += text.iter().filter(|b| **b == b'\n').count() as u64;
            files.push(path);
            Ok(())
        };
        let mut failed = None;
        wiki_history(&mut rng, wiki, (start, end), per_day, &mut |day, line| {
            let name = match bucket {
                Bucket::Month => day.year_month().to_string(),
                Bucket::Year => day.year_month().year().to_string(),
                Bucket::AllTime => "all-time".to_string(),
            };
            if file.as_ref().is_some_and(|(n, _)| *n != name) {
                if let Some((n, text)) = file.take() {
                    if let Err(e) = write(&n, &text) {
                        failed.get_or_insert(e);
                    }
                }
            }
            line.write(columns, &mut file.get_or_insert_with(|| (name, Vec::new())).1);
        });
        if let Some(e) = failed {
            return Err(e);
        }
        if let Some((n, text)) = file.take() {
            write(&n, &text)?;
        }
    }
    Ok((files, lines))
}

/// Writes `text` as `streams` concatenated bzip2 streams, split at line ends.
fn write_bz2(path: &Path, text: &[u8], streams: usize) -> Result<()> {
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
    );
    let mut rest = text;
    for s in (1..=streams).rev() {
        let mut cut = rest.len() / s;
        while cut < rest.len() && rest[cut.saturating_sub(1)] != b'\n' {
            cut += 1;
        }
        let (part, after) = rest.split_at(cut);
        let mut encoder = bzip2::write::BzEncoder::new(&mut file, bzip2::Compression::fast());
        encoder.write_all(part)?;
        encoder.finish()?;
        rest = after;
    }
    file.flush().with_context(|| format!("cannot write {}", path.display()))
}

/// A wiki's events, in time order, day by day to `emit`.
fn wiki_history(
    rng: &mut ChaCha8Rng,
    wiki: &str,
    (start, end): (Day, Day),
    per_day: f64,
    emit: &mut dyn FnMut(Day, &Line),
) {
    let mut users: Vec<User> = Vec::new();
    // The indexes of the users with accounts (not IP editors), for picking editors.
    let mut registered: Vec<usize> = Vec::new();
    let mut pages: Vec<Page> = Vec::new();
    let mut out: Vec<(Day, u32, Line)> = Vec::new();
    let mut revision = 1000u64;
    let mut day = start;
    while day <= end {
        // A few new accounts a day, more of them on busy days.
        for _ in 0..poisson(rng, (per_day / 8.0).max(0.3)) {
            let second = rng.random_range(0..86_400);
            let user = new_user(rng, users.len() as u64 + 1, day);
            out.push((day, second, user_create(wiki, &user, day, second)));
            registered.push(users.len());
            users.push(user);
        }
        let weekend = matches!(day.epoch_days().rem_euclid(7), 2 | 3);
        let edits = poisson(rng, per_day * if weekend { 0.85 } else { 1.05 });
        for _ in 0..edits {
            let second = rng.random_range(0..86_400);
            let user = pick_user(rng, &mut users, &registered);
            let new_page = pages.is_empty() || rng.random::<f64>() < 0.08;
            if new_page {
                let page = new_page_of(rng, pages.len() as u64 + 1, day);
                out.push((day, second, page_create(wiki, &page, &users[user], day, second)));
                pages.push(page);
            }
            let p = match new_page {
                true => pages.len() - 1,
                false => zipf(rng, pages.len()),
            };
            revision += 1;
            let line = edit(rng, wiki, (&mut pages[p], &users[user]), (day, second), revision);
            out.push((day, second, line));
            if rng.random::<f64>() < 0.002 {
                out.push((
                    day,
                    second,
                    page_event(wiki, &pages[p], &users[user], "move", day, second),
                ));
            }
        }
        out.sort_by_key(|(d, s, _)| (*d, *s));
        for (d, _, line) in out.drain(..) {
            emit(d, &line);
        }
        day = day.next();
    }
}

/// An index below `n`, the first ones much more often (pages and users of a real wiki).
fn zipf(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((n as f64).powf(u) - 1.0).floor().clamp(0.0, (n - 1) as f64) as usize
}

fn new_user(rng: &mut ChaCha8Rng, id: u64, day: Day) -> User {
    let r: f64 = rng.random();
    let temporary_era = day >= Day::parse_compact("20240601").unwrap_or(day);
    let kind = match r {
        _ if r < 0.04 => Kind::GroupBot,
        _ if r < 0.07 => Kind::NameBot,
        _ if r < 0.20 && temporary_era => Kind::Temporary,
        _ => Kind::Registered,
    };
    let name = match kind {
        Kind::GroupBot => format!("Maintenance helper {id}"),
        Kind::NameBot => format!("Archive{id}Bot"),
        Kind::Temporary => format!("~{}-{id}-{}", day.year(), id % 97),
        // A name with a comma, one with a backslash, one written with an escaped tab.
        _ if id % 53 == 7 => format!("Smith, J{id}"),
        _ if id % 61 == 5 => format!("C:\\Users\\{id}"),
        _ => format!("Editor {id}"),
    };
    let created_by = match kind {
        Kind::Temporary => "system",
        _ if rng.random::<f64>() < 0.1 => "peer",
        _ if rng.random::<f64>() < 0.05 => "system",
        _ => "self",
    };
    User { id, name, kind, created_by }
}

/// A user for an edit: an IP editor now and then, else a registered one (or a temporary
/// account) weighted to the most active.
fn pick_user(rng: &mut ChaCha8Rng, users: &mut Vec<User>, registered: &[usize]) -> usize {
    if users.is_empty() || rng.random::<f64>() < 0.12 {
        let id = 0;
        let name = match rng.random::<f64>() < 0.8 {
            true => format!("192.0.{}.{}", rng.random_range(0..4), rng.random_range(1..255)),
            false => format!("2001:db8::{:x}", rng.random_range(1..4096)),
        };
        users.push(User { id, name, kind: Kind::Ip, created_by: "" });
        return users.len() - 1;
    }
    match registered.is_empty() {
        true => 0,
        false => registered[zipf(rng, registered.len())],
    }
}

fn new_page_of(rng: &mut ChaCha8Rng, id: u64, day: Day) -> Page {
    let mut r: f64 = rng.random();
    let mut namespace = (0, true);
    for (ns, content, weight) in NAMESPACES {
        namespace = (ns, content);
        if r < weight {
            break;
        }
        r -= weight;
    }
    let title = match id % 41 {
        3 => format!("Tab\\tin_title_{id}"),
        4 => format!("Zürich_{id}"),
        5 => format!("Path\\\\to_{id}"),
        _ => format!("Article_{id}"),
    };
    let old_title = (id % 29 == 1).then(|| (format!("Draft_article_{id}"), day.add_days(20)));
    let redirect = match id % 37 {
        0 => None,
        _ => Some(rng.random::<f64>() < 0.1),
    };
    let deleted = rng.random::<f64>() < 0.03;
    Page { id, namespace: namespace.0, title, old_title, redirect, deleted, bytes: 0 }
}

fn bool_cell(b: Option<bool>) -> String {
    b.map_or(String::new(), |b| b.to_string())
}

/// The performer columns of a line.
fn performer(line: &mut Line, user: &User) {
    let anonymous = user.kind == Kind::Ip;
    let temporary = user.kind == Kind::Temporary;
    let (groups, bot_by) = match user.kind {
        Kind::GroupBot => ("bot,autoconfirmed", "group"),
        Kind::NameBot if user.id % 2 == 0 => ("bot,flood\\,mass", "name,group"),
        Kind::NameBot => ("autoconfirmed", "name"),
        _ => ("", ""),
    };
    line.set("event_user_text_historical", &user.name)
        .set("event_user_groups_historical", groups)
        .set("event_user_groups", groups)
        .set("event_user_is_bot_by_historical", bot_by)
        .set("event_user_is_anonymous", anonymous)
        .set("event_user_is_temporary", temporary)
        .set("event_user_is_permanent", !anonymous && !temporary);
    if !anonymous {
        let text = match user.id % 89 {
            // An editor whose current name is not known: the historical one counts.
            13 => String::new(),
            _ => user.name.replace('\t', "\\t"),
        };
        line.set("event_user_id", user.id)
            .set("event_user_central_id", user.id + 5_000_000)
            .set("event_user_text", text)
            .set("event_user_is_bot_by", bot_by)
            .set("event_user_is_created_by_self", user.created_by == "self")
            .set("event_user_is_created_by_system", user.created_by == "system")
            .set("event_user_is_created_by_peer", user.created_by == "peer");
    }
}

fn page_columns(line: &mut Line, page: &Page, day: Day) {
    let (content, ns) = (page.namespace == 0, page.namespace);
    let historical = match &page.old_title {
        Some((old, moved)) if day < *moved => old.clone(),
        _ => page.title.clone(),
    };
    line.set("page_id", page.id)
        .set("page_title_historical", historical)
        .set("page_namespace_historical", ns)
        .set("page_namespace_is_content_historical", content)
        .set("page_is_redirect", bool_cell(page.redirect))
        .set("page_is_deleted", page.deleted);
    // Now and then the current title and namespace are NULL: the historical ones count.
    if page.id % 31 != 2 {
        line.set("page_title", &page.title)
            .set("page_namespace", ns)
            .set("page_namespace_is_content", content);
    }
}

fn user_create(wiki: &str, user: &User, day: Day, second: u32) -> Line {
    let mut line = Line::new(wiki);
    line.set("event_log_id", user.id * 7)
        .set("event_entity", "user")
        .set("event_type", "create")
        .set("event_timestamp", timestamp(day, second))
        .set("event_comment", "")
        .set("user_id", user.id)
        .set("user_text_historical", &user.name)
        .set("user_text", &user.name)
        .set("user_is_created_by_self", user.created_by == "self")
        .set("user_is_created_by_system", user.created_by == "system")
        .set("user_is_created_by_peer", user.created_by == "peer")
        .set("user_is_anonymous", false)
        .set("user_is_temporary", user.kind == Kind::Temporary)
        .set("user_is_permanent", user.kind != Kind::Temporary)
        .set("user_creation_timestamp", timestamp(day, second));
    performer(&mut line, user);
    line
}

fn page_create(wiki: &str, page: &Page, user: &User, day: Day, second: u32) -> Line {
    let mut line = page_event(wiki, page, user, "create", day, second);
    line.set("page_first_edit_timestamp", timestamp(day, second))
        .set("page_creation_timestamp", timestamp(day, second));
    // The reconstructed creation's own timestamp is sometimes missing: the first edit's
    // counts.
    if page.id % 43 == 6 {
        line.set("event_timestamp", "");
    }
    line
}

fn page_event(wiki: &str, page: &Page, user: &User, kind: &str, day: Day, second: u32) -> Line {
    let mut line = Line::new(wiki);
    line.set("event_entity", "page")
        .set("event_type", kind)
        .set("event_timestamp", timestamp(day, second))
        .set("event_log_id", page.id * 11)
        .set("event_comment", "moved\\nover a redirect");
    performer(&mut line, user);
    page_columns(&mut line, page, day);
    line
}

fn edit(
    rng: &mut ChaCha8Rng,
    wiki: &str,
    (page, user): (&mut Page, &User),
    (day, second): (Day, u32),
    revision: u64,
) -> Line {
    let size: i64 = match rng.random::<f64>() {
        r if r < 0.3 => -rng.random_range(1..400),
        _ => rng.random_range(0..2_000),
    };
    let parent = page.bytes;
    page.bytes = (page.bytes + size).max(0);
    let mut line = Line::new(wiki);
    line.set("event_entity", "revision")
        .set("event_type", "create")
        .set("event_timestamp", timestamp(day, second))
        .set("event_comment", "fix\\ttypo, see [[talk]]")
        .set("revision_id", revision)
        .set("revision_parent_id", revision - 1)
        .set("revision_minor_edit", size.abs() < 20)
        .set("revision_text_bytes", page.bytes)
        .set("revision_content_model", "wikitext")
        .set("revision_content_format", "text/x-wiki")
        .set("revision_tags", "mobile edit,visualeditor");
    let diff = match revision % 101 {
        17 => String::new(),
        _ => (page.bytes - parent).to_string(),
    };
    line.set("revision_text_bytes_diff", diff);
    let deleted = match revision % 211 {
        9 => None,
        _ => Some(page.deleted),
    };
    line.set("revision_is_deleted_by_page_deletion", bool_cell(deleted));
    performer(&mut line, user);
    page_columns(&mut line, page, day);
    line
}
