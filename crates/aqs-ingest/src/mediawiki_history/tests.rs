//! The reader against the example line of data-formats §2.7, and against a plain second
//! reading of the generated dumps (cells looked up by column name, the §5.8 rules written out
//! again) over every layout and irregular cell the generator writes.

use super::*;
use crate::generate::mediawiki_history::generate;
use aqs_core::dates::{Day, Period, YearMonth};
use std::collections::BTreeMap;
use std::io::Read;

/// data-formats §2.7's example (78 columns).
const EXAMPLE: &str = "dewiki\t\trevision\tcreate\t2021-03-04 12:34:56.0\ttypo\t123456\t987654\tBeispielnutzer\tBeispielnutzer\t\t\tautoconfirmed,editor\tautoconfirmed,editor\t\t\ttrue\tfalse\tfalse\tfalse\tfalse\ttrue\tfalse\t2015-06-01 08:00:00.0\t2015-06-01 08:00:00.0\t2015-06-02 10:11:12.0\t4521\t86400\t4242\tBerlin\tBerlin\t0\ttrue\t0\ttrue\tfalse\tfalse\t2002-01-17 09:43:00.0\t2002-01-17 09:43:00.0\t10231\t3600\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t210000001\t209999000\ttrue\t\tfalse\t250123\t-3\t0123456789abcdefghijklmnopqrstu\twikitext\ttext/x-wiki\tfalse\t\tfalse\t\t\tfalse\tfalse\tmobile edit,mobile web edit";

#[test]
fn the_example_line_is_an_edit_of_a_content_page_by_a_user() {
    assert_eq!(EXAMPLE.split('\t').count(), 78);
    let mut reader = Reader::default();
    let (project, event) = reader.read(EXAMPLE).unwrap();
    assert_eq!(project, "de.wikipedia");
    let expected = Edit {
        day: Day::parse_compact("20210304").unwrap(),
        user_text: Some("Beispielnutzer".into()),
        user_type: UserType::User,
        page_title: Some("Berlin".into()),
        page_type: PageType::Content,
        redirect: Some(false),
        bytes_diff: -3,
    };
    assert_eq!(event, Event::Edit(expected));
}

#[test]
fn malformed_lines_say_what_is_wrong() {
    let mut reader = Reader::default();
    let short: Vec<&str> = EXAMPLE.split('\t').take(75).collect();
    assert_eq!(reader.read(&short.join("\t")).unwrap_err(), Malformed::Columns(75));
    let bad_flag = EXAMPLE.replace("\t-3\t", "\tminus three\t");
    let e = reader.read(&bad_flag).unwrap_err();
    assert_eq!(e.to_string(), "RevisionTextBytesDiff is not an integer");
    let unknown = EXAMPLE.replacen("dewiki", "nosuchwikix", 1);
    assert_eq!(
        reader.read(&unknown).unwrap_err().to_string(),
        "unknown wiki database \"nosuchwikix\""
    );
    let bad_time = EXAMPLE.replacen("2021-03-04 12:34:56.0", "2021-03-04T12:34:56Z", 1);
    assert!(reader.read(&bad_time).unwrap_err().to_string().contains("EventTimestamp"));
}

#[test]
fn file_names_give_the_snapshot_and_the_wiki() {
    let march = YearMonth::new(2026, 5).unwrap();
    assert_eq!(parse_file_name("2026-05.enwiki.2024-03.tsv.bz2"), Some((march, "enwiki")));
    assert_eq!(parse_file_name("2026-05.dewiki.2024.tsv.bz2"), Some((march, "dewiki")));
    assert_eq!(parse_file_name("2026-05.aawiki.all-time.tsv"), Some((march, "aawiki")));
    assert_eq!(parse_file_name("2026-05.aawiki.sometime.tsv.bz2"), None);
    assert_eq!(parse_file_name("pageviews-20240101-user.bz2"), None);
}

/// What the plain reading counts per (project, day): edits, their byte differences (net and
/// absolute), new pages, new registered users; and the editors and pages with edits.
#[derive(Debug, Default, PartialEq, Eq)]
struct DayCounts {
    edits: u64,
    net: i64,
    abs: i64,
    new_pages: u64,
    new_users: u64,
    editors: std::collections::BTreeSet<(Option<String>, String)>,
    pages: std::collections::BTreeSet<(Option<String>, String)>,
}

fn project_of_db(db: &str) -> &'static str {
    match db {
        "enwiki" => "en.wikipedia",
        "dewiki" => "de.wikipedia",
        "frwiktionary" => "fr.wiktionary",
        "yowiki" => "yo.wikipedia",
        _ => panic!("the generator wrote {db}"),
    }
}

/// The plain second reading of one line: the cells by name in the line's layout.
fn plain(line: &str, counts: &mut BTreeMap<(String, String), DayCounts>) {
    let cells: Vec<&str> = line.split('\t').collect();
    let names: Vec<&str> = cells::NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| cells::added_in(i + 1) <= cells.len())
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(names.len(), cells.len());
    let get =
        |name: &str| -> &str { names.iter().position(|n| *n == name).map_or("", |i| cells[i]) };
    let unescape = |s: &str| s.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r");
    let or = |a: &str, b: &str| -> Option<String> {
        let v = match get(a) {
            "" => get(b),
            v => v,
        };
        (!v.is_empty()).then(|| unescape(v))
    };
    let project = project_of_db(get("wiki_db")).to_string();
    let day_of = |t: &str| t[..10].to_string();
    let user_type = || -> &'static str {
        if get("event_user_is_anonymous") == "true" || get("event_user_is_temporary") == "true" {
            return "anonymous";
        }
        let marks = match get("event_user_id") {
            "" | "0" => get("event_user_is_bot_by_historical"),
            _ => get("event_user_is_bot_by"),
        };
        let marks: Vec<&str> = marks.split(',').collect();
        if marks.contains(&"group") {
            "group_bot"
        } else if marks.contains(&"name") {
            "name_bot"
        } else {
            "user"
        }
    };
    match (get("event_entity"), get("event_type")) {
        ("revision", "create") if get("revision_is_deleted_by_page_deletion") == "false" => {
            let c = counts.entry((project, day_of(get("event_timestamp")))).or_default();
            let diff: i64 = get("revision_text_bytes_diff").parse().unwrap_or(0);
            c.edits += 1;
            c.net += diff;
            c.abs += diff.abs();
            let user = match get("event_user_text") {
                "" => get("event_user_text_historical"),
                text => text,
            };
            let user = (!user.is_empty()).then(|| unescape(user));
            c.editors.insert((user, user_type().to_string()));
            let ns = match get("page_namespace") {
                "" => get("page_namespace_historical"),
                ns => ns,
            };
            let prefix = match ns {
                "0" => "",
                "1" => "Talk:",
                "2" => "User:",
                "3" => "User talk:",
                "4" => "Project:",
                "10" => "Template:",
                "828" => "Module:",
                other => panic!("the generator wrote namespace {other}"),
            };
            let title = or("page_title", "page_title_historical").map(|t| format!("{prefix}{t}"));
            let content = match get("page_namespace_is_content") {
                "" => get("page_namespace_is_content_historical"),
                c => c,
            };
            c.pages.insert((title, content.to_string()));
        }
        ("page", "create") => {
            let t = match get("page_first_edit_timestamp") {
                "" => get("event_timestamp"),
                t => t,
            };
            if get("page_is_deleted") == "false" && get("page_is_redirect") != "true" {
                counts.entry((project, day_of(t))).or_default().new_pages += 1;
            }
        }
        ("user", "create") if get("user_is_created_by_self") == "true" => {
            counts.entry((project, day_of(get("event_timestamp")))).or_default().new_users += 1;
        }
        _ => {}
    }
}

#[test]
fn generated_dumps_read_as_a_plain_reading_of_them_counts() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = YearMonth::new(2025, 3).unwrap();
    let (files, lines) = generate(dir.path(), snapshot, 30_000.0 / 455.0, 7).unwrap();
    assert!(lines > 30_000, "{lines} lines");
    let mut layouts = std::collections::BTreeSet::new();
    let (mut expected, mut found) = (BTreeMap::new(), BTreeMap::new());
    let mut reader = Reader::default();
    let mut uncounted = 0u64;
    for path in &files {
        let name = path.file_name().unwrap().to_str().unwrap();
        let (month, wiki) = parse_file_name(name).unwrap();
        assert_eq!(month, snapshot);
        let mut text = String::new();
        // Multi-stream files (dewiki) read whole.
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        for line in text.lines() {
            layouts.insert(line.split('\t').count());
            assert!(line.starts_with(wiki));
            plain(line, &mut expected);
            let (project, event) = reader.read(line).unwrap_or_else(|e| panic!("{e}: {line}"));
            let key = |day: Day| (project.to_string(), day.to_string());
            match event {
                Event::Edit(edit) => {
                    let c: &mut DayCounts = found.entry(key(edit.day)).or_default();
                    c.edits += 1;
                    c.net += edit.bytes_diff;
                    c.abs += edit.bytes_diff.abs();
                    let user_type = match edit.user_type {
                        UserType::Anonymous => "anonymous",
                        UserType::GroupBot => "group_bot",
                        UserType::NameBot => "name_bot",
                        UserType::User => "user",
                    };
                    c.editors.insert((edit.user_text.map(|t| t.into_owned()), user_type.into()));
                    let content = (edit.page_type == PageType::Content).to_string();
                    c.pages.insert((edit.page_title.map(String::from), content));
                }
                Event::NewPage { day, .. } => found.entry(key(day)).or_default().new_pages += 1,
                Event::NewUser { day } => found.entry(key(day)).or_default().new_users += 1,
                Event::HiddenEdit(_) | Event::Uncounted => uncounted += 1,
            }
        }
    }
    assert_eq!(layouts.into_iter().collect::<Vec<_>>(), [70, 74, 78]);
    assert!(uncounted > 0);
    assert_eq!(found.len(), expected.len());
    for (key, counts) in &expected {
        assert_eq!(found.get(key), Some(counts), "{key:?}");
    }
    let edits: u64 = expected.values().map(|c| c.edits).sum();
    assert!((20_000..40_000).contains(&edits), "{edits} edits");
    let types: std::collections::BTreeSet<&str> =
        expected.values().flat_map(|c| c.editors.iter().map(|(_, t)| t.as_str())).collect();
    assert_eq!(types.len(), 4, "every editor type: {types:?}");
    let irregular = |f: &dyn Fn(&DayCounts) -> bool| expected.values().any(f);
    assert!(irregular(&|c| c
        .editors
        .iter()
        .any(|(u, _)| u.as_deref().is_some_and(|u| u.contains(',')))));
    assert!(irregular(&|c| c
        .pages
        .iter()
        .any(|(t, _)| t.as_deref().is_some_and(|t| t.contains('\t')))));
    assert!(irregular(&|c| c
        .pages
        .iter()
        .any(|(t, _)| t.as_deref().is_some_and(|t| t.starts_with("User talk:")))));
    assert!(irregular(&|c| c.net < 0));
}

#[test]
fn events_are_counted_into_every_slice_of_their_project_and_day() {
    // Two projects' edits in turns on one day, and a new page dated a day before them (a
    // page's first edit): each lands in its own (project, day), in the four slices of its
    // editor type and page type (theirs and the `all-*` ones), no other slice gets a row.
    let day = |d: &str| Day::parse_compact(d).unwrap();
    let edit = |user_type, page_type, bytes_diff| {
        Event::Edit(Edit {
            day: day("20240102"),
            user_text: Some("Ann".into()),
            user_type,
            page_title: Some("P".into()),
            page_type,
            redirect: Some(false),
            bytes_diff,
        })
    };
    let new_page = Event::NewPage {
        day: day("20240101"),
        user_type: UserType::User,
        page_type: PageType::Content,
    };
    let events = [
        ("en.wikipedia", edit(UserType::User, PageType::Content, 5)),
        ("de.wikipedia", edit(UserType::Anonymous, PageType::NonContent, -2)),
        ("en.wikipedia", edit(UserType::User, PageType::NonContent, -3)),
        ("en.wikipedia", new_page),
        ("en.wikipedia", edit(UserType::User, PageType::Content, 1)),
    ];
    let mut counts = load::WikiCounts::default();
    for (project, event) in &events {
        counts.count(project, event).unwrap();
    }
    let [rows, _, _] = counts.rows("2024-01");
    let get = |project: &str, e: &str, p: &str, period: Period| {
        let key = vec!["2024-01".to_string(), project.into(), e.into(), p.into()];
        rows.get(&(key, period)).map(|n| n.0)
    };
    let (d1, d2) = (Period::Day(day("20240101")), Period::Day(day("20240102")));
    let month = Period::Month(YearMonth::new(2024, 1).unwrap());
    // Edits, net bytes (an i64's bits), absolute bytes, new pages.
    let en_all = [3, 3, 9, 0];
    assert_eq!(get("en.wikipedia", "all-editor-types", "all-page-types", d2), Some(en_all));
    assert_eq!(get("en.wikipedia", "user", "content", d2), Some([2, 6, 6, 0]));
    assert_eq!(get("en.wikipedia", "user", "non-content", d2), Some([1, -3i64 as u64, 3, 0]));
    assert_eq!(get("en.wikipedia", "all-editor-types", "content", d2), Some([2, 6, 6, 0]));
    assert_eq!(get("en.wikipedia", "anonymous", "all-page-types", d2), None);
    assert_eq!(get("en.wikipedia", "user", "all-page-types", d1), Some([0, 0, 0, 1]));
    assert_eq!(get("en.wikipedia", "user", "non-content", d1), None);
    assert_eq!(
        get("en.wikipedia", "all-editor-types", "all-page-types", month),
        Some([3, 3, 9, 1])
    );
    let de = [1, -2i64 as u64, 2, 0];
    assert_eq!(get("de.wikipedia", "anonymous", "non-content", d2), Some(de));
    assert_eq!(get("de.wikipedia", "all-editor-types", "all-page-types", month), Some(de));
    assert_eq!(get("de.wikipedia", "user", "all-page-types", d2), None);
    // Rows a (project, day): en on the 2nd edited in two base slices (user content, user
    // non-content): those, user/all, all/content, all/non-content and all/all; one base slice
    // makes four rows.
    let on = |project: &str, period| {
        rows.keys().filter(|(k, p)| k[1] == project && *p == period).count()
    };
    assert_eq!((on("en.wikipedia", d2), on("en.wikipedia", d1), on("de.wikipedia", d2)), (6, 4, 4));
}
