//! The per-page and per-editor routes end to end: generated history loaded and activated, the
//! answers of the most edited pages and editors of each wiki (and of titles with a tab, a
//! space or a non-ASCII letter, IP editors) compared with the plain reading
//! of the dumps, for every filter value, daily and monthly, per wiki, family and
//! `all-projects`.

use crate::common::*;
use crate::plain::{EntityCounts, expected_per_entity};
use crate::{answer, days_between, load_in_batches, march_history};
use std::collections::BTreeMap;

/// A path segment percent-encoded (everything but letters, digits and `-_.:~`).
pub(crate) fn segment(name: &str) -> String {
    name.bytes()
        .map(|b| match b.is_ascii_alphanumeric() || b"-_.:~".contains(&b) {
            true => (b as char).to_string(),
            false => format!("%{b:02X}"),
        })
        .collect()
}

/// The expected results of one (project, subject, name, filter) over [first, end) days.
fn results(
    want: &EntityCounts,
    key: (&str, &str, &str, &str),
    metric: usize,
    days: &[String],
    monthly: bool,
) -> Vec<(String, i64)> {
    let mut out: Vec<(String, i64)> = Vec::new();
    for day in days {
        let stamp = match monthly {
            true => format!("{}-01T00:00:00.000Z", &day[..7]),
            false => format!("{day}T00:00:00.000Z"),
        };
        let k = (key.0.into(), key.1.into(), key.2.into(), key.3.into(), day.clone());
        let value = want.get(&k).map_or(0, |v| v[metric]);
        match out.last_mut() {
            Some((s, v)) if *s == stamp => *v += value,
            _ => out.push((stamp, value)),
        }
    }
    out
}

/// The names to ask for: per project and subject the four with the most edits from April
/// 2023 to March 2024, and the first name that matches each of `special`.
fn chosen(want: &EntityCounts) -> Vec<(String, String, String)> {
    let mut edits: BTreeMap<(String, String, String), i64> = BTreeMap::new();
    for ((project, subject, name, filter, day), v) in want {
        if !project.starts_with("all-") && filter.starts_with("all-") && day.as_str() >= "2023-04" {
            *edits.entry((project.clone(), subject.clone(), name.clone())).or_default() += v[0];
        }
    }
    let mut ranked: Vec<_> = edits.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut per: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (key, _) in &ranked {
        let n = per.entry((key.0.clone(), key.1.clone())).or_default();
        if *n < 4 {
            *n += 1;
            out.push(key.clone());
        }
    }
    let special: [&dyn Fn(&str) -> bool; 5] = [
        &|n| n.contains('\t'),
        &|n| n.contains('ü'),
        &|n| n.contains('\\'),
        &|n| n.starts_with("User_talk:"),
        &|n| n.parse::<std::net::IpAddr>().is_ok(),
    ];
    for (i, matches) in special.iter().enumerate() {
        let found = ranked.iter().find(|(k, _)| matches(&k.2));
        let (key, _) = found.unwrap_or_else(|| panic!("no name of kind {i} was edited"));
        out.push(key.clone());
    }
    out
}

#[test]
fn pages_and_editors_answer_the_numbers_of_their_dumps() {
    let (_work, dumps, data) = march_history("60", "11");
    let d = data.to_str().unwrap();
    // Months written in many batches before the last one.
    load_in_batches(&data, &dumps.join("other/mediawiki_history"), "5000");
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    let (_server, address) = serve(&data);
    let want = expected_per_entity(&dumps);

    let metrics = [
        ("edits", "edits", 0),
        ("bytes-difference/net", "net_bytes_diff", 1),
        ("bytes-difference/absolute", "abs_bytes_diff", 2),
    ];
    let ranges = [
        ("daily", "20240301", "20240401", days_between("2024-03-01", "2024-04-01")),
        ("monthly", "20230401", "20240401", days_between("2023-04-01", "2024-04-01")),
    ];
    let mut nonzero = 0;
    let names = chosen(&want);
    for (project, subject, name) in &names {
        let (route, filters): (&str, &[&str]) = match subject.as_str() {
            "page" => {
                ("per-page", &["all-editor-types", "user", "anonymous", "group-bot", "name-bot"])
            }
            _ => ("per-editor", &["all-page-types", "content", "non-content"]),
        };
        for filter in filters {
            for (metric, field, index) in metrics {
                for (granularity, start, end, days) in &ranges {
                    let path = format!(
                        "/metrics/{metric}/{route}/{project}/{}/{filter}/{granularity}/{start}/{end}",
                        segment(name)
                    );
                    let key = (project.as_str(), subject.as_str(), name.as_str(), *filter);
                    let expected = results(&want, key, index, days, *granularity == "monthly");
                    let got = answer(&address, &path, field);
                    assert_eq!(got, expected, "{path}");
                    nonzero += got.iter().filter(|r| r.1 != 0).count();
                }
            }
        }
    }
    assert!(nonzero > 500, "{nonzero} non-zero results checked");

    // The item echoes the request; a title with a space finds the page stored with `_`.
    let (project, _, title) = names.iter().find(|n| n.2.starts_with("User_talk:")).unwrap();
    let spaced = title.replacen('_', " ", 1);
    let path = |t: &str| {
        format!(
            "/metrics/edits/per-page/{project}/{}/all-editor-types/monthly/20230401/20240401",
            segment(t)
        )
    };
    let body = get_json(&address, &path(&spaced));
    assert_eq!(body["items"][0]["page-title"], spaced.as_str(), "{body}");
    let (_, raw) = http_get(&address, &path(&spaced));
    let at = |k: &str| raw.find(&format!("\"{k}\":")).unwrap_or_else(|| panic!("{k}: {raw}"));
    let order = ["project", "editor-type", "page-title", "granularity", "results"].map(at);
    assert!(order.is_sorted(), "the original's key order: {raw}");
    assert_eq!(answer(&address, &path(&spaced), "edits"), answer(&address, &path(title), "edits"));

    // Families and all-projects sum the wikis: a title of several wikis.
    let titles_of = |project: &str| -> std::collections::BTreeSet<&String> {
        want.keys().filter(|k| k.0 == project && k.1 == "page").map(|k| &k.2).collect()
    };
    let (en, fr) = (titles_of("en.wikipedia"), titles_of("fr.wiktionary"));
    let shared = *en.intersection(&fr).next().expect("a title in two wikis");
    let days = &ranges[1].3;
    for project in ["all-projects", "all-wikipedia-projects", "all-wiktionary-projects"] {
        let path = format!(
            "/metrics/edits/per-page/{project}/{}/all-editor-types/monthly/20230401/20240401",
            segment(shared)
        );
        let expected = results(&want, (project, "page", shared, "all-editor-types"), 0, days, true);
        assert_eq!(answer(&address, &path, "edits"), expected, "{path}");
    }

    // A page no wiki has: zeros. A range of 368 days: the original's 400.
    let path = "/metrics/edits/per-page/en.wikipedia/No_such_page/user/daily/20240301/20240303";
    assert_eq!(
        answer(&address, path, "edits"),
        [("2024-03-01T00:00:00.000Z".to_string(), 0), ("2024-03-02T00:00:00.000Z".to_string(), 0)]
    );
    let path = "/metrics/edits/per-editor/en.wikipedia/Someone/content/daily/20230301/20240303";
    let (status, body) = http_get(&address, path);
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("Query timespan is too long (max: ) 31708800 seconds"), "{body}");
}
