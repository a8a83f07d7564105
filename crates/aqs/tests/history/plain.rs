//! The plain second reading of the generated MediaWiki history dumps: cells looked up by
//! column name and the data-formats §5.8 rules written out again, independent of the loader,
//! for the numbers the served answers are compared with.

use crate::common::files_under;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// (project, editor type, page type, YYYY-MM-DD) → [edits, net bytes, abs bytes, new pages],
/// with the `all-*` slices, families and `all-projects`; and (project, day) → new users.
#[derive(Default)]
pub struct Expected {
    pub events: BTreeMap<(String, String, String, String), [i64; 4]>,
    pub users: BTreeMap<(String, String), i64>,
}

pub const NAMES_70_DROPPED: [&str; 8] = [
    "event_log_id",
    "event_user_central_id",
    "event_user_is_temporary",
    "event_user_is_permanent",
    "event_user_is_cross_wiki",
    "user_central_id",
    "user_is_temporary",
    "user_is_permanent",
];

/// The column names of a line of `count` cells (data-formats §2.7's table, by the layout that
/// added each column).
pub fn names(count: usize) -> Vec<&'static str> {
    let added = |n: &str| match n {
        "event_log_id" => 78,
        "event_user_is_cross_wiki" => 77,
        "event_user_central_id" | "user_central_id" => 76,
        _ if NAMES_70_DROPPED.contains(&n) => 74,
        _ => 0,
    };
    aqs_ingest::mediawiki_history::cells::NAMES
        .iter()
        .copied()
        .filter(|n| added(n) <= count)
        .collect()
}

pub fn project_of(db: &str) -> &'static str {
    match db {
        "enwiki" => "en.wikipedia",
        "dewiki" => "de.wikipedia",
        "frwiktionary" => "fr.wiktionary",
        "yowiki" => "yo.wikipedia",
        _ => panic!("not a generated wiki: {db}"),
    }
}

pub fn family_of(project: &str) -> &'static str {
    if project.ends_with(".wikipedia") {
        "all-wikipedia-projects"
    } else {
        "all-wiktionary-projects"
    }
}

/// The editor type and whether the page is content, by the §5.8 rules, from a line's cells.
pub fn slice_of<'a>(get: &dyn Fn(&str) -> &'a str) -> (&'static str, bool) {
    let either = |a: &str, b: &str| if get(a).is_empty() { get(b) } else { get(a) };
    let content =
        either("page_namespace_is_content", "page_namespace_is_content_historical") == "true";
    if get("event_user_is_anonymous") == "true" || get("event_user_is_temporary") == "true" {
        return ("anonymous", content);
    }
    let marks = match get("event_user_id") {
        "" | "0" => get("event_user_is_bot_by_historical"),
        _ => get("event_user_is_bot_by"),
    };
    let marks: Vec<&str> = marks.split(',').collect();
    let editor = if marks.contains(&"group") {
        "group-bot"
    } else if marks.contains(&"name") {
        "name-bot"
    } else {
        "user"
    };
    (editor, content)
}

/// The text of every generated MediaWiki history file (bzip2, one or more streams).
pub fn history_files(dumps: &Path) -> Vec<String> {
    let paths = files_under(dumps, "").into_iter();
    paths
        .filter(|p| p.to_str().unwrap().contains("mediawiki_history"))
        .map(|path| {
            let mut text = String::new();
            bzip2::read::MultiBzDecoder::new(std::fs::File::open(&path).unwrap())
                .read_to_string(&mut text)
                .unwrap();
            text
        })
        .collect()
}

/// A line's cells, by column name.
pub struct Line<'a> {
    cells: Vec<&'a str>,
    names: Vec<&'static str>,
}

impl<'a> Line<'a> {
    pub fn get(&self, name: &str) -> &'a str {
        self.names.iter().position(|x| *x == name).map_or("", |i| self.cells[i])
    }

    /// A revision not deleted with its page: what the timeseries and digests count.
    pub fn is_live_edit(&self) -> bool {
        (self.get("event_entity"), self.get("event_type")) == ("revision", "create")
            && self.get("revision_is_deleted_by_page_deletion") == "false"
    }

    /// The first cell that is not empty (NULL) of the two.
    pub fn either(&self, a: &str, b: &str) -> &'a str {
        if self.get(a).is_empty() { self.get(b) } else { self.get(a) }
    }
}

/// Calls `f` with every line of the generated history files.
pub fn each_line(dumps: &Path, mut f: impl FnMut(&Line<'_>)) {
    for text in history_files(dumps) {
        for line in text.lines() {
            let cells: Vec<&str> = line.split('\t').collect();
            let names = names(cells.len());
            f(&Line { cells, names });
        }
    }
}

pub fn expected(dumps: &Path) -> Expected {
    let mut out = Expected::default();
    each_line(dumps, |line| {
        let get = |n: &str| line.get(n);
        let either = |a: &str, b: &str| line.either(a, b);
        let project = project_of(get("wiki_db"));
        let projects = [project, family_of(project), "all-projects"];
        let (editor, content) = slice_of(&get);
        let page = if content { "content" } else { "non-content" };
        let mut add = |day: &str, values: [i64; 4]| {
            for p in projects {
                for e in [editor, "all-editor-types"] {
                    for t in [page, "all-page-types"] {
                        let key = (p.to_string(), e.to_string(), t.to_string(), day.to_string());
                        let sums = out.events.entry(key).or_default();
                        for (s, v) in sums.iter_mut().zip(values) {
                            *s += v;
                        }
                    }
                }
            }
        };
        match (get("event_entity"), get("event_type")) {
            ("revision", "create") if get("revision_is_deleted_by_page_deletion") == "false" => {
                let diff: i64 = get("revision_text_bytes_diff").parse().unwrap_or(0);
                add(&get("event_timestamp")[..10], [1, diff, diff.abs(), 0]);
            }
            ("page", "create")
                if get("page_is_deleted") == "false" && get("page_is_redirect") != "true" =>
            {
                add(&either("page_first_edit_timestamp", "event_timestamp")[..10], [0, 0, 0, 1]);
            }
            ("user", "create") if get("user_is_created_by_self") == "true" => {
                let day = &get("event_timestamp")[..10];
                for p in projects {
                    *out.users.entry((p.to_string(), day.to_string())).or_default() += 1;
                }
            }
            _ => {}
        }
    });
    out
}

/// (project, `editors` or `pages`, editor type, page type, Druid timestamp of the day or
/// month) → editors (pages) with 1–4, 5–24, 25–99, 100+ edits, by the §5.8 grouping sets.
pub type DigestCounts = BTreeMap<(String, String, String, String, String), [u64; 4]>;

/// An editor's (page's) edits in a period per (editor type, page type).
pub type SliceEdits = BTreeMap<(String, String), u64>;

pub fn expected_digests(dumps: &Path) -> DigestCounts {
    // (project, entity, name, period) → edits per (editor type, page type).
    let mut edits: BTreeMap<(String, String, String, String), SliceEdits> = BTreeMap::new();
    each_line(dumps, |line| {
        let get = |n: &str| line.get(n);
        let either = |a: &str, b: &str| line.either(a, b);
        if !line.is_live_edit() {
            return;
        }
        let project = project_of(get("wiki_db")).to_string();
        let (editor, content) = slice_of(&get);
        let slice =
            (editor.to_string(), if content { "content" } else { "non-content" }.to_string());
        let time = get("event_timestamp");
        // The granularity, then the Druid timestamp (a month's first day has the stamp of
        // its month).
        let periods = [
            format!("daily {}T00:00:00.000Z", &time[..10]),
            format!("monthly {}-01T00:00:00.000Z", &time[..7]),
        ];
        let user = either("event_user_text", "event_user_text_historical").to_string();
        let page = format!(
            "{}:{}",
            either("page_namespace", "page_namespace_historical"),
            either("page_title", "page_title_historical")
        );
        for period in &periods {
            let mut add = |entity: &str, name: &str| {
                let key = (project.clone(), entity.to_string(), name.to_string(), period.clone());
                *edits.entry(key).or_default().entry(slice.clone()).or_default() += 1;
            };
            add("editors", &user);
            if get("page_is_redirect") == "false" {
                add("pages", &page);
            }
        }
    });
    let mut out = DigestCounts::new();
    for ((project, entity, _, period), slices) in edits {
        let mut sums: BTreeMap<(String, String), u64> = BTreeMap::new();
        for ((editor, page), n) in slices {
            for e in [editor.as_str(), "all-editor-types"] {
                for p in [page.as_str(), "all-page-types"] {
                    *sums.entry((e.to_string(), p.to_string())).or_default() += n;
                }
            }
        }
        for ((e, p), n) in sums {
            let level = match n {
                1..=4 => 0,
                5..=24 => 1,
                25..=99 => 2,
                _ => 3,
            };
            out.entry((project.clone(), entity.clone(), e, p, period.clone())).or_default()
                [level] += 1;
        }
    }
    out
}

/// The expected results of a route over [first, end) days, daily or monthly.
pub fn results(
    expected: &Expected,
    route: &str,
    key: (&str, &str, &str),
    days: &[String],
    monthly: bool,
) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for day in days {
        let stamp = if monthly {
            format!("{}-01T00:00:00.000Z", &day[..7])
        } else {
            format!("{day}T00:00:00.000Z")
        };
        let value = match route {
            "registered-users/new" => {
                expected.users.get(&(key.0.to_string(), day.clone())).copied().unwrap_or(0)
            }
            _ => {
                let k = (key.0.to_string(), key.1.to_string(), key.2.to_string(), day.clone());
                let sums = expected.events.get(&k).copied().unwrap_or_default();
                match route {
                    "edits/aggregate" => sums[0],
                    "bytes-difference/net/aggregate" => sums[1],
                    "bytes-difference/absolute/aggregate" => sums[2],
                    _ => sums[3],
                }
            }
        };
        match out.last_mut() {
            Some((s, v)) if *s == stamp => *v += value,
            _ => out.push((stamp, value)),
        }
    }
    out
}

/// (project, `page` or `editor`, stored name, editor type or page type, YYYY-MM-DD) → [edits,
/// net bytes, abs bytes], with the `all-*` filters, families and `all-projects`.
pub type EntityCounts = BTreeMap<(String, String, String, String, String), [i64; 3]>;

/// A text cell's escapes undone: `\t`, `\n` and `\r` (data-formats §2.7: a backslash
/// itself is not escaped).
pub fn unescape(cell: &str) -> String {
    cell.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")
}

/// The canonical prefix of the namespaces the generator writes, as stored (underscores).
fn namespace_prefix(namespace: &str) -> &'static str {
    match namespace {
        "0" => "",
        "1" => "Talk:",
        "2" => "User:",
        "3" => "User_talk:",
        "4" => "Project:",
        "10" => "Template:",
        "828" => "Module:",
        other => panic!("a namespace the generator does not write: {other}"),
    }
}

pub fn expected_per_entity(dumps: &Path) -> EntityCounts {
    let mut out = EntityCounts::new();
    each_line(dumps, |line| {
        let get = |n: &str| line.get(n);
        let either = |a: &str, b: &str| line.either(a, b);
        if !line.is_live_edit() {
            return;
        }
        let project = project_of(get("wiki_db"));
        let (editor, content) = slice_of(&get);
        let page_type = if content { "content" } else { "non-content" };
        let diff: i64 = get("revision_text_bytes_diff").parse().unwrap_or(0);
        let day = &get("event_timestamp")[..10];
        let title = either("page_title", "page_title_historical");
        let user = either("event_user_text", "event_user_text_historical");
        let mut subjects = Vec::new();
        if !title.is_empty() {
            let ns = either("page_namespace", "page_namespace_historical");
            let name = format!("{}{}", namespace_prefix(ns), unescape(title).replace(' ', "_"));
            subjects.push(("page", name, editor));
        }
        if !user.is_empty() {
            subjects.push(("editor", unescape(user), page_type));
        }
        for (subject, name, filter) in subjects {
            let all = if subject == "page" { "all-editor-types" } else { "all-page-types" };
            for p in [project, family_of(project), "all-projects"] {
                for f in [filter, all] {
                    let key = (p.into(), subject.into(), name.clone(), f.into(), day.into());
                    let sums = out.entry(key).or_default();
                    for (s, v) in sums.iter_mut().zip([1, diff, diff.abs()]) {
                        *s += v;
                    }
                }
            }
        }
    });
    out
}

/// (project, `editors` or `edited-pages`, editor type, page type, `YYYY-MM-DD` or `YYYY-MM`)
/// → per name (`None`: NULL) [edits, net bytes, abs bytes], of every revision (deleted pages'
/// too), per wiki.
pub type TopCounts =
    BTreeMap<(String, String, String, String, String), BTreeMap<Option<String>, [i64; 3]>>;

pub fn expected_tops(dumps: &Path) -> TopCounts {
    let mut out = TopCounts::new();
    each_line(dumps, |line| {
        let get = |n: &str| line.get(n);
        let either = |a: &str, b: &str| line.either(a, b);
        let time = get("event_timestamp");
        if (get("event_entity"), get("event_type")) != ("revision", "create") || time.is_empty() {
            return;
        }
        let project = project_of(get("wiki_db"));
        let (editor, content) = slice_of(&get);
        let page_type = if content { "content" } else { "non-content" };
        let diff: i64 = get("revision_text_bytes_diff").parse().unwrap_or(0);
        let user = Some(either("event_user_text", "event_user_text_historical"))
            .filter(|u| !u.is_empty())
            .map(unescape);
        let title = either("page_title", "page_title_historical");
        let page = (!title.is_empty()).then(|| {
            let ns = either("page_namespace", "page_namespace_historical");
            format!("{}{}", namespace_prefix(ns).replace('_', " "), unescape(title))
        });
        for (entity, name) in [("editors", &user), ("edited-pages", &page)] {
            for period in [&time[..10], &time[..7]] {
                for e in [editor, "all-editor-types"] {
                    for p in [page_type, "all-page-types"] {
                        let key =
                            (project.into(), entity.into(), e.into(), p.into(), period.into());
                        let sums = out.entry(key).or_default().entry(name.clone()).or_default();
                        for (s, v) in sums.iter_mut().zip([1, diff, diff.abs()]) {
                            *s += v;
                        }
                    }
                }
            }
        }
    });
    out
}
