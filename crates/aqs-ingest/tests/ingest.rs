//! Loading, importing and generating, against the in-memory reference store.

use aqs_core::dates::{Day, Hour, TopPeriod, YearMonth};
use aqs_core::memory::MemoryStore;
use aqs_core::pageviews::{PageviewsRead, PageviewsWrite, Period, TopArticles};
use aqs_core::params::{Access, Agent};
use aqs_core::project::Project;
use aqs_ingest::generate::{GenerateOptions, generate};
use aqs_ingest::import::{ImportTable, import_files};
use aqs_ingest::lists::{Allowlist, Disallowed};
use aqs_ingest::load::{LoadOptions, NoProgress, load_files};
use aqs_ingest::pageview_complete::{LineError, parse_line};
use aqs_ingest::report::LoadReport;
use std::path::{Path, PathBuf};

mod generated;

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path)
}

fn day(s: &str) -> Day {
    Day::parse_compact(s).unwrap()
}

fn project(p: &str) -> Project {
    Project::from_stored(p)
}

fn load_with(
    store: &MemoryStore,
    files: &[PathBuf],
    disallowed: &Disallowed,
    max_bad_share: f64,
) -> anyhow::Result<LoadReport> {
    let allowlist = Allowlist::shipped();
    let options = LoadOptions {
        allowlist: &allowlist,
        disallowed,
        max_bad_share,
        format: None,
        progress: &NoProgress,
        memory_bytes: 64 << 20,
        spill_dir: std::env::temp_dir(),
        day_seconds: None,
        snapshot: None,
    };
    load_files(store, files, &options)
}

fn load(store: &MemoryStore, files: &[PathBuf]) -> LoadReport {
    let disallowed = Disallowed::from_file(&fixture("disallowed.tsv")).unwrap();
    load_with(store, files, &disallowed, 0.5).expect("load succeeds")
}

fn views(
    store: &MemoryStore,
    p: &str,
    title: &str,
    d: &str,
    access: Access,
    agent: Agent,
) -> Option<u32> {
    let series = store.article_series(&project(p), title, day(d), day(d)).unwrap();
    series.first().map(|(_, v)| v.get(access, agent))
}

#[test]
fn every_fixture_line_parses_or_is_refused_for_its_reason() {
    let text =
        std::fs::read_to_string(fixture("pageview_complete/pageviews-20240301-user")).unwrap();
    type Parsed = (String, String, Option<u64>, u32);
    let outcomes: Vec<Result<Parsed, LineError>> = text
        .split('\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            parse_line(l)
                .map(|p| (p.project.into_owned(), p.title.into_owned(), p.page_id, p.total))
        })
        .collect();
    let ok = |p: &str, t: &str, id: Option<u64>, total: u32| {
        Ok((p.to_string(), t.to_string(), id, total))
    };
    assert_eq!(
        outcomes,
        vec![
            ok("commons.wikimedia", "File:Foo.jpg", Some(12345), 1),
            ok("de.wikipedia", "Berlin", Some(736), 14),
            ok("en.wikipedia", "\"Weird_Al\"_Yankovic", Some(99), 4),
            ok("en.wikipedia", "-", None, 41),
            ok("en.wikipedia", "AC/DC", Some(55), 3),
            ok("en.wikipedia", "Albert_Einstein", Some(736), 14),
            ok("en.wikipedia", "Albert_Einstein", None, 1),
            ok("en.wikipedia", "Albert_Einstein", None, 12),
            ok("en.wikipedia", "Are_You_the_One?", Some(7), 2),
            ok("en.wikipedia", "TabInside", Some(8), 1),
            ok("en.wikipedia", "CRLF_Line", Some(3), 2),
            ok("en.wikipedia", "Ünïcødé_日本語", None, 2),
            ok("en.wikipedia", "Disallowed_Title", Some(5), 9),
            ok("fr.wiktionary", "chat", None, 3),
            ok("wikidata", "Q42", Some(138), 20),
            ok("xx.notawiki", "Foo", Some(1), 1),
            Err(LineError::FieldCount),
            Err(LineError::Access),
            Err(LineError::Total),
            Err(LineError::TotalMismatch),
            Err(LineError::HourlyEncoding),
        ]
    );
}

#[test]
fn a_day_loads_with_sums_lists_and_a_report() {
    let store = MemoryStore::new();
    let report = load(&store, &[fixture("pageview_complete/pageviews-20240301-user")]);
    let d = "20240301";
    // Three lines of one article (two page ids, one legacy 5-field line) are summed.
    assert_eq!(
        views(&store, "en.wikipedia", "Albert_Einstein", d, Access::MobileWeb, Agent::User),
        Some(15)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "Albert_Einstein", d, Access::AllAccess, Agent::AllAgents),
        Some(27)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "\"Weird_Al\"_Yankovic", d, Access::Desktop, Agent::User),
        Some(4)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "TabInside", d, Access::Desktop, Agent::User),
        Some(1)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "-", d, Access::Desktop, Agent::User),
        Some(41),
        "the - title is kept per article"
    );
    assert_eq!(
        views(&store, "en.wikipedia", "Disallowed_Title", d, Access::Desktop, Agent::User),
        None
    );
    assert_eq!(views(&store, "xx.notawiki", "Foo", d, Access::Desktop, Agent::User), None);

    assert_eq!(report.lines_read, 22);
    assert_eq!(report.skipped_total(), 6);
    assert_eq!(report.skipped["empty line"], 1);
    assert_eq!(report.unexpected_domains.get("xx.notawiki"), Some(&1));
    assert_eq!(report.disallowed_rows, 1);
    assert!(report.examples[0].ends_with("pageviews-20240301-user:17: expected 6 fields (or 5 in legacy lines) separated by single spaces"), "{:?}", report.examples);
    let summary = report.to_string();
    assert!(
        summary.contains("xx.notawiki") && summary.contains("lines skipped:     6"),
        "{summary}"
    );

    // Top: user views, without `-` and the disallowed title; all-access sums the accesses.
    let top =
        store.top(&project("en.wikipedia"), Access::AllAccess, TopPeriod::Day(day(d))).unwrap();
    let Some(TopArticles::List(entries)) = top else { panic!("no top list") };
    let listed: Vec<(&str, u64, u32)> =
        entries.iter().map(|e| (e.article.as_str(), e.views, e.rank)).collect();
    assert_eq!(
        &listed[..3],
        &[("Albert_Einstein", 27, 1), ("\"Weird_Al\"_Yankovic", 4, 2), ("AC/DC", 3, 3)]
    );
    assert!(listed.iter().all(|(t, ..)| *t != "-" && *t != "Disallowed_Title"));

    // Per-project keeps `-` and the disallowed title (they are pageviews of the project).
    let hourly = store
        .project_series(
            &project("en.wikipedia"),
            Access::Desktop,
            Agent::User,
            Period::Hour(Hour::new(day(d), 0).unwrap()),
            Period::Hour(Hour::new(day(d), 23).unwrap()),
        )
        .unwrap();
    let total: u64 = hourly.iter().map(|(_, v)| v).sum();
    assert_eq!(total, 4 + 41 + 12 + 2 + 1 + 2 + 9);
    let daily = store
        .project_series(
            &project("all-projects"),
            Access::AllAccess,
            Agent::AllAgents,
            Period::Day(day(d)),
            Period::Day(day(d)),
        )
        .unwrap();
    assert_eq!(
        daily,
        vec![(Period::Day(day(d)), 1 + 14 + 4 + 41 + 3 + 14 + 1 + 12 + 2 + 1 + 2 + 2 + 9 + 3 + 20)]
    );
}

#[test]
fn multi_stream_bzip2_reads_the_same_as_plain_text() {
    let (plain, compressed) = (MemoryStore::new(), MemoryStore::new());
    load(&plain, &[fixture("pageview_complete/pageviews-20240301-user")]);
    load(&compressed, &[fixture("bz2/pageviews-20240301-user.bz2")]);
    assert_eq!(
        plain.article_day(day("20240301")).unwrap(),
        compressed.article_day(day("20240301")).unwrap()
    );
    assert!(!plain.article_day(day("20240301")).unwrap().is_empty());
}

#[test]
fn a_truncated_file_fails_the_load_and_stores_nothing() {
    let store = MemoryStore::new();
    let err = load_with(
        &store,
        &[fixture("truncated/pageviews-20240301-user.bz2")],
        &Disallowed::default(),
        0.5,
    )
    .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("pageviews-20240301-user.bz2: cannot read past line")
            && message.contains("truncated or corrupt"),
        "{message}"
    );
    assert!(store.article_days_loaded().unwrap().is_empty());
}

/// Progress that asks the load to stop from its `calls`-th question on.
struct CancelAfter {
    calls: u32,
    asked: std::sync::atomic::AtomicU32,
}

impl aqs_ingest::load::Progress for CancelAfter {
    fn cancelled(&self) -> bool {
        self.asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1 >= self.calls
    }
}

#[test]
fn an_interrupt_while_a_day_is_stored_abandons_the_day() {
    // The fixture has fewer than 65,536 lines, so its reader never asks: the first question
    // is before the day, the second at the first row stored, the third before the commit.
    for calls in [2, 3] {
        let store = MemoryStore::new();
        let allowlist = Allowlist::shipped();
        let progress = CancelAfter { calls, asked: Default::default() };
        let options = LoadOptions {
            allowlist: &allowlist,
            disallowed: &Disallowed::default(),
            max_bad_share: 0.5,
            format: None,
            progress: &progress,
            memory_bytes: 64 << 20,
            spill_dir: std::env::temp_dir(),
            day_seconds: None,
            snapshot: None,
        };
        let files = [fixture("pageview_complete/pageviews-20240301-user")];
        let err = load_files(&store, &files, &options).unwrap_err();
        assert!(err.is::<aqs_ingest::load::Interrupted>(), "{calls}: {err:#}");
        assert!(store.article_days_loaded().unwrap().is_empty(), "{calls}: nothing published");
    }
}

#[test]
fn too_many_bad_lines_fail_the_load_and_keep_the_served_data() {
    let store = MemoryStore::new();
    load(&store, &[fixture("pageview_complete/pageviews-20240301-spider")]);
    let before = store.article_day(day("20240301")).unwrap();
    // The fixture's 6 bad lines are within the 10 any file may have: add 10 more.
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("pageviews-20240301-user");
    let mut text =
        std::fs::read_to_string(fixture("pageview_complete/pageviews-20240301-user")).unwrap();
    text.push_str(&"zz.wikipedia\n".repeat(10));
    std::fs::write(&user, text).unwrap();
    let err = load_with(&store, &[user], &Disallowed::default(), 0.01).unwrap_err();
    assert!(err.to_string().contains("16 of 32 lines are malformed"), "{err}");
    assert_eq!(store.article_day(day("20240301")).unwrap(), before);
}

#[test]
fn loading_one_agent_keeps_the_other_agents_of_the_day() {
    let store = MemoryStore::new();
    load(&store, &[fixture("pageview_complete/pageviews-20240301-user")]);
    load(&store, &[fixture("pageview_complete/pageviews-20240301-spider")]);
    let d = "20240301";
    assert_eq!(
        views(&store, "en.wikipedia", "Albert_Einstein", d, Access::Desktop, Agent::Spider),
        Some(5)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "Albert_Einstein", d, Access::Desktop, Agent::User),
        Some(12)
    );
    assert_eq!(
        views(&store, "en.wikipedia", "Only_Spiders", d, Access::MobileWeb, Agent::AllAgents),
        Some(2)
    );
    let hour2 = Period::Hour(Hour::new(day(d), 2).unwrap());
    let all = store
        .project_series(&project("en.wikipedia"), Access::AllAccess, Agent::AllAgents, hour2, hour2)
        .unwrap();
    // Hour C: user 4 (`-`) + user 5 (Albert_Einstein, mobile web) + spider 2 (Only_Spiders).
    assert_eq!(all, vec![(hour2, 11)]);
    // Reloading the spider file replaces only the spiders.
    load(&store, &[fixture("pageview_complete/pageviews-20240301-spider")]);
    assert_eq!(
        views(&store, "en.wikipedia", "Albert_Einstein", d, Access::AllAccess, Agent::AllAgents),
        Some(27 + 5)
    );
}

#[test]
fn format_forces_a_parser_but_the_public_name_must_say_the_day() {
    use aqs_ingest::load::DumpFormat;
    let store = MemoryStore::new();
    let allowlist = Allowlist::shipped();
    let disallowed = Disallowed::default();
    let load = |format, file: &str| {
        let options = LoadOptions {
            allowlist: &allowlist,
            disallowed: &disallowed,
            max_bad_share: 0.5,
            format,
            progress: &NoProgress,
            memory_bytes: 64 << 20,
            spill_dir: std::env::temp_dir(),
            day_seconds: None,
            snapshot: None,
        };
        load_files(&store, &[fixture(file)], &options)
    };
    let err = load(Some(DumpFormat::PageviewComplete), "projectviews-20240301-010000").unwrap_err();
    assert!(err.to_string().contains("must keep its public name, pageviews-YYYYMMDD-"), "{err}");
    let err = load(Some(DumpFormat::Projectviews), "pageview_complete/pageviews-20240301-spider")
        .unwrap_err();
    assert!(
        err.to_string().contains("must keep its public name, projectviews-YYYYMMDD-HH0000"),
        "{err}"
    );
    let err = load(None, "disallowed.tsv").unwrap_err();
    assert!(err.to_string().contains("disallowed.tsv: not a known dump file name"), "{err}");
    assert_eq!(
        load(Some(DumpFormat::Projectviews), "projectviews-20240301-010000").unwrap().project_rows,
        8
    );
    assert!(store.article_days_loaded().unwrap().is_empty());
}

#[test]
fn projectviews_give_user_series_for_desktop_and_all_access() {
    let store = MemoryStore::new();
    let report = load(&store, &[fixture("projectviews-20240301-010000")]);
    let hour = Period::Hour(Hour::new(day("20240301"), 0).unwrap());
    let read = |p: &str, access| {
        store.project_series(&project(p), access, Agent::User, hour, hour).unwrap()
    };
    assert_eq!(read("de.wikipedia", Access::Desktop), vec![(hour, 100)]);
    assert_eq!(read("de.wikipedia", Access::AllAccess), vec![(hour, 150)]);
    assert_eq!(read("commons.wikimedia", Access::Desktop), vec![(hour, 7)]);
    assert_eq!(read("all-projects", Access::AllAccess), vec![(hour, 166)]);
    assert_eq!(report.unexpected_domains.get("zz.wikipedia"), Some(&1));
}

fn generate_into(
    dir: &Path,
    start: &str,
    days: u32,
    articles: usize,
) -> aqs_ingest::generate::GenerateSummary {
    let options = GenerateOptions {
        out: dir.to_path_buf(),
        start: day(start),
        days,
        projects: 3,
        articles,
        seed: 7,
    };
    generate(&options, |_, _| {}).unwrap()
}

#[test]
fn the_generator_is_deterministic() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let sa = generate_into(a.path(), "20240301", 2, 300);
    let sb = generate_into(b.path(), "20240301", 2, 300);
    // Per day: three agent files, 24 projectviews hours, two unique devices files, 24
    // projectcounts hours, a mediacounts file. And the MediaWiki history of snapshot 2024-03:
    // enwiki by month from January 2023 (15 files), dewiki and frwiktionary by year (2 each),
    // yowiki all-time (1).
    assert_eq!(sa.files.len(), 2 * (3 + 24 + 2 + 24 + 1) + 15 + 2 + 2 + 1);
    for (fa, fb) in sa.files.iter().zip(&sb.files) {
        assert_eq!(std::fs::read(fa).unwrap(), std::fs::read(fb).unwrap(), "{}", fa.display());
    }
}

#[test]
fn a_complete_month_gets_monthly_rows_and_top_lists() {
    let dir = tempfile::tempdir().unwrap();
    generate_into(dir.path(), "20230201", 28, 120);
    let store = MemoryStore::new();
    let report =
        load_with(&store, &[dir.path().to_path_buf()], &Disallowed::default(), 0.05).unwrap();
    let february = YearMonth::new(2023, 2).unwrap();
    assert_eq!(report.months_rolled_up, vec![february]);
    assert_eq!(report.days.len(), 28);
    // Per day: two malformed pageview lines (and one line of a project outside the allowlist),
    // two irregular projectcounts lines and a malformed mediacounts line; two irregular lines in
    // the month's geoeditors file.
    assert_eq!(report.skipped_total(), 28 * (2 + 2 + 1) + 2);
    assert_eq!(report.unexpected_domains.get("example.wikipedia"), Some(&28));
    let en = project("en.wikipedia");
    let (first, last) = (february.first_day(), february.last_day());
    let daily = store
        .project_series(
            &en,
            Access::MobileWeb,
            Agent::Spider,
            Period::Day(first),
            Period::Day(last),
        )
        .unwrap();
    let monthly = store
        .project_series(
            &en,
            Access::MobileWeb,
            Agent::Spider,
            Period::Month(february),
            Period::Month(february),
        )
        .unwrap();
    assert_eq!(monthly, vec![(Period::Month(february), daily.iter().map(|(_, v)| v).sum())]);
    let Some(TopArticles::List(top)) =
        store.top(&en, Access::Desktop, TopPeriod::Month(february)).unwrap()
    else {
        panic!("no monthly top")
    };
    let main_page = top.iter().find(|e| e.article == "Main_Page").expect("Main_Page is listed");
    let series = store.article_series(&en, "Main_Page", first, last).unwrap();
    assert_eq!(
        main_page.views,
        series.iter().map(|(_, v)| u64::from(v.get(Access::Desktop, Agent::User))).sum::<u64>()
    );
    assert_eq!(main_page.rank, 1);
}

fn write_jsonl(dir: &Path, name: &str, lines: &[&str]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    path
}

#[test]
fn imported_rows_are_served_as_exported() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let articles = write_jsonl(
        dir.path(),
        "a.jsonl",
        &[
            r#"{"_domain":"analytics.wikimedia.org","project":"en.wikipedia","article":"Main_Page","granularity":"daily","timestamp":"2016010100","aa":16357307,"du":null,"mwu":"12"}"#,
        ],
    );
    let report = import_files(&store, ImportTable::PerArticleFlat, &[articles]).unwrap();
    assert_eq!(report.rows_read, 1);
    let series = store
        .article_series(&project("en.wikipedia"), "Main_Page", day("20160101"), day("20160101"))
        .unwrap();
    assert_eq!(series[0].1.get(Access::AllAccess, Agent::AllAgents), 16_357_307);
    assert_eq!(series[0].1.get(Access::MobileWeb, Agent::User), 12);
    assert_eq!(series[0].1.get(Access::Desktop, Agent::User), 0);

    let projects = write_jsonl(
        dir.path(),
        "p.jsonl",
        &[
            r#"{"project":"en.wikipedia","access":"desktop","agent":"user","granularity":"monthly","timestamp":"2015070100","views":null,"v":4376666686}"#,
            r#"{"project":"en.wikipedia","access":"desktop","agent":"user","granularity":"monthly","timestamp":"2015080100","views":12,"v":null}"#,
        ],
    );
    import_files(&store, ImportTable::PerProjectV2, &[projects]).unwrap();
    let july = Period::Month(YearMonth::new(2015, 7).unwrap());
    let august = Period::Month(YearMonth::new(2015, 8).unwrap());
    assert_eq!(
        store
            .project_series(&project("en.wikipedia"), Access::Desktop, Agent::User, july, august)
            .unwrap(),
        vec![(july, 4_376_666_686), (august, 12)]
    );

    let tops = write_jsonl(
        dir.path(),
        "t.jsonl",
        &[
            r#"{"project":"en.wikipedia","access":"all-access","year":"2015","month":"10","day":"10","articlesJSON":"[{\"article\":\"Main_Page\",\"views\":18793503,\"rank\":1}]"}"#,
            r#"{"project":"en.wikipedia","access":"all-access","year":"2015","month":"10","day":"11","articles":"[{\"rank\": 1, \"article\": \"X\", \"views\": 5}]","articlesJSON":null}"#,
            r#"{"project":"en.wikipedia","access":"all-access","year":"2015","month":"10","day":"12","articles":"not json","articlesJSON":null}"#,
        ],
    );
    import_files(&store, ImportTable::TopPageviews, &[tops]).unwrap();
    let top = |d: &str| {
        store.top(&project("en.wikipedia"), Access::AllAccess, TopPeriod::Day(day(d))).unwrap()
    };
    assert!(matches!(top("20151010"), Some(TopArticles::List(l)) if l[0].views == 18_793_503));
    assert!(matches!(top("20151011"), Some(TopArticles::List(l)) if l[0].article == "X"));
    assert_eq!(top("20151012"), Some(TopArticles::InvalidLegacyJson));
}

#[test]
fn a_bad_import_row_names_file_line_and_problem_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = write_jsonl(
        dir.path(),
        "bad.jsonl",
        &[
            r#"{"project":"en.wikipedia","article":"A","granularity":"daily","timestamp":"2016010100","aa":1}"#,
            r#"{"project":"en.wikipedia","article":"B","granularity":"daily","timestamp":"2016010100","views":1}"#,
        ],
    );
    let err = import_files(&store, ImportTable::PerArticleFlat, &[path]).unwrap_err();
    assert_eq!(
        format!("{err:#}"),
        format!(
            "{}:2: unknown column `views` for table pageviews.per.article.flat",
            dir.path().join("bad.jsonl").display()
        )
    );
    assert!(store.article_days_loaded().unwrap().is_empty());
}
