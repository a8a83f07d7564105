//! The full-size day generator, scaled down: the shape of a real day, and the same bytes for
//! the same options.

use aqs_core::dates::Day;
use aqs_ingest::generate::Compression;
use aqs_ingest::generate::full_day::{FullDayOptions, REAL_DAY_LINES, generate_full_days};
use aqs_ingest::pageview_complete::unquote;
use std::collections::HashSet;
use std::path::Path;

fn generate(out: &Path, scale: f64) -> aqs_ingest::generate::GenerateSummary {
    let options = FullDayOptions {
        out: out.to_path_buf(),
        start: Day::from_ymd(2024, 3, 5).unwrap(),
        days: 1,
        scale,
        seed: 5,
        compression: Compression::None,
    };
    generate_full_days(&options, |_| {}).unwrap()
}

/// (project, title as the dump sorted it: unquoted, TABs kept) of a line, and its fields.
fn key(line: &str) -> (String, String, usize) {
    let fields: Vec<&str> = line.split(' ').collect();
    (fields[0].to_string(), unquote(fields[1]).into_owned(), fields.len())
}

#[test]
fn a_scaled_full_day_has_the_shape_of_a_real_one() {
    let dir = tempfile::tempdir().unwrap();
    let scale = 0.002;
    let summary = generate(dir.path(), scale);
    let texts: Vec<String> =
        summary.files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let lines: Vec<Vec<&str>> = texts.iter().map(|t| t.lines().collect()).collect();
    // Within 15 %: at this scale the few titles every one of the 1,000 projects has (`-`,
    // Main_Page) add a few thousand lines that a full-size day does not notice.
    for (agent, real) in REAL_DAY_LINES.iter().enumerate() {
        let expected = *real as f64 * scale;
        let got = lines[agent].len() as f64;
        assert!((got / expected - 1.0).abs() < 0.15, "agent {agent}: {got} lines for {expected}");
    }
    // Spiders walk the long tail: most of their titles get no user views at all.
    let titles = |agent: usize| -> HashSet<(String, String)> {
        lines[agent].iter().map(|l| key(l)).map(|(p, t, _)| (p, t)).collect()
    };
    let (user, spider) = (titles(0), titles(1));
    let spider_only = spider.difference(&user).count();
    assert!(spider_only * 2 > spider.len(), "{spider_only} of {} spider titles", spider.len());
    // Each file is sorted by project and raw title, as the published files are.
    for (agent, file) in lines.iter().enumerate() {
        let keys: Vec<(String, String)> =
            file.iter().map(|l| key(l)).map(|(p, t, _)| (p, t)).collect();
        assert!(keys.windows(2).all(|w| w[0] <= w[1]), "agent {agent} is sorted");
    }
    // The irregular forms of real files, in proportion.
    let all: Vec<&str> = lines.iter().flatten().copied().collect();
    let count = |f: &dyn Fn(&str) -> bool| all.iter().filter(|l| f(l)).count();
    let nulls = count(&|l| l.split(' ').nth(2) == Some("null"));
    assert!(nulls * 50 > all.len() && nulls * 5 < all.len(), "{nulls} null page ids");
    assert!(count(&|l| l.split(' ').nth(1).is_some_and(|t| t.starts_with('"'))) > 0, "quoted");
    assert!(count(&|l| l.contains('\t')) > 0, "a title with a TAB");
    assert!(count(&|l| key(l).2 == 5 && l.starts_with("de.wikipedia ")) > 0, "legacy lines");
    assert!(count(&|l| l.starts_with("example.wikipedia ")) > 0, "a project outside the allowlist");
    assert!(count(&|l| key(l).1 == "-") > 0, "the - title");

    let again = tempfile::tempdir().unwrap();
    let second = generate(again.path(), scale);
    for (a, b) in summary.files.iter().zip(&second.files) {
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap(), "{}", a.display());
    }
}
