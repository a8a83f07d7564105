//! The six top routes end to end: generated history loaded and activated, lists of wikis,
//! families and `all-projects` for days and months compared with lists ranked again from the
//! plain reading of the dumps (every revision, by value then name, 100 at most; a family's list
//! from the names each wiki keeps, those in the first 100 of any of its lists, ties ranked by
//! name, as the merge at activation does), editors' IP addresses as null.

use crate::common::*;
use crate::plain::{TopCounts, expected_tops, family_of};
use crate::{load_in_batches, march_history};
use std::collections::{BTreeMap, BTreeSet};

type List = Vec<(Option<String>, i64)>;

/// Ranked as the API ranks: by value, highest first, then by name (NULL first); 100 at most.
fn rank(entries: impl IntoIterator<Item = (Option<String>, i64)>) -> List {
    let mut list: List = entries.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    list.truncate(100);
    list
}

/// A wiki's names in one slice of a period: name → [edits, net, abs].
fn names_in<'a>(
    want: &'a TopCounts,
    project: &str,
    [entity, editors, pages, period]: [&str; 4],
) -> Option<&'a BTreeMap<Option<String>, [i64; 3]>> {
    want.get(&(project.into(), entity.into(), editors.into(), pages.into(), period.into()))
}

/// The names a wiki keeps for a period: those in some list (one of 15 slices by one of 3
/// metrics), ranked as the API ranks (ties by name).
fn kept(want: &TopCounts, project: &str, entity: &str, period: &str) -> BTreeSet<Option<String>> {
    let mut out = BTreeSet::new();
    for editors in ["all-editor-types", "anonymous", "group-bot", "name-bot", "user"] {
        for pages in ["all-page-types", "content", "non-content"] {
            let Some(names) = names_in(want, project, [entity, editors, pages, period]) else {
                continue;
            };
            for metric in 0..3 {
                let list = rank(names.iter().map(|(n, v)| (n.clone(), v[metric])));
                out.extend(list.into_iter().map(|(n, _)| n));
            }
        }
    }
    out
}

/// The expected list of a wiki (ranked from all its names), or of a family (a name's values
/// summed over the wikis that keep it).
fn expected(want: &TopCounts, key: [&str; 5], metric: usize) -> List {
    let [project, entity, editors, pages, period] = key;
    let wikis = ["en.wikipedia", "de.wikipedia", "fr.wiktionary", "yo.wikipedia"];
    let members: Vec<&str> = match wikis.contains(&project) {
        true => vec![project],
        false => wikis
            .into_iter()
            .filter(|p| project == "all-projects" || family_of(p) == project)
            .collect(),
    };
    let mut sums: BTreeMap<Option<String>, i64> = BTreeMap::new();
    for wiki in members {
        let Some(names) = names_in(want, wiki, [entity, editors, pages, period]) else { continue };
        let kept = kept(want, wiki, entity, period);
        for (name, values) in names.iter().filter(|(n, _)| kept.contains(*n)) {
            *sums.entry(name.clone()).or_default() += values[metric];
        }
    }
    rank(sums)
}

/// The answer's list, and its item's fields.
fn answer(address: &str, path: &str, dimension: &str, field: &str) -> (List, serde_json::Value) {
    let body = get_json(address, path);
    let item = body["items"][0].clone();
    let results = item["results"].as_array().unwrap_or_else(|| panic!("{path}: {body}"));
    let Some(result) = results.first() else { return (Vec::new(), item) };
    assert_eq!(results.len(), 1, "{path}");
    let top = result["top"].as_array().unwrap();
    let list = top
        .iter()
        .enumerate()
        .map(|(i, e)| {
            assert_eq!(e["rank"], i + 1, "{path}: ranks are positions");
            (e[dimension].as_str().map(str::to_string), e[field].as_i64().unwrap())
        })
        .collect();
    (list, item)
}

#[test]
fn top_lists_rank_the_editors_and_pages_of_their_dumps() {
    let (_work, dumps, data) = march_history("60", "13");
    let d = data.to_str().unwrap();
    // Months written in many batches before the last one.
    load_in_batches(&data, &dumps.join("other/mediawiki_history"), "5000");
    let (_server, address) = serve(&data);
    let path = "/metrics/editors/top-by-edits/en.wikipedia/all-editor-types/all-page-types/2024/03/all-days";
    assert_eq!(answer(&address, path, "user_text", "edits").0, [], "nothing before activation");
    run_ok(&["snapshot", "activate", "--data", d, "2024-03"]);
    let want = expected_tops(&dumps);

    let routes = [
        ("edits", "edits", 0),
        ("net-bytes-difference", "net_bytes_diff", 1),
        ("absolute-bytes-difference", "abs_bytes_diff", 2),
    ];
    let periods = [
        ("2024/03/01", "2024-03-01", "daily"),
        ("2024/03/15", "2024-03-15", "daily"),
        ("2023/06/10", "2023-06-10", "daily"),
        ("2024/03/all-days", "2024-03", "monthly"),
        ("2023/07/all-days", "2023-07", "monthly"),
    ];
    let (mut lists, mut nulls, mut full) = (0, 0, 0);
    for project in
        ["en.wikipedia", "de.wikipedia", "fr.wiktionary", "all-wikipedia-projects", "all-projects"]
    {
        for (entity, dimension) in [("editors", "user_text"), ("edited-pages", "page_title")] {
            for (editors, pages) in [
                ("all-editor-types", "all-page-types"),
                ("user", "content"),
                ("anonymous", "all-page-types"),
                ("name-bot", "non-content"),
            ] {
                for (route, field, metric) in routes {
                    for (date, period, granularity) in periods {
                        let path = format!(
                            "/metrics/{entity}/top-by-{route}/{project}/{editors}/{pages}/{date}"
                        );
                        let (got, item) = answer(&address, &path, dimension, field);
                        let key = [project, entity, editors, pages, period];
                        let mut want = expected(&want, key, metric);
                        if entity == "editors" {
                            for (name, _) in &mut want {
                                if name
                                    .as_deref()
                                    .is_some_and(|n| n.parse::<std::net::IpAddr>().is_ok())
                                {
                                    *name = None;
                                }
                            }
                        }
                        assert_eq!(got, want, "{path}");
                        assert_eq!(item["granularity"], granularity, "{path}");
                        assert_eq!(item["project"], project, "{path}");
                        lists += usize::from(!got.is_empty());
                        nulls += got.iter().filter(|e| e.0.is_none()).count();
                        full += usize::from(got.len() == 100);
                    }
                }
            }
        }
    }
    assert!(lists > 400, "{lists} lists with entries checked");
    assert!(nulls > 0 && full > 0, "{nulls} IP editors, {full} lists of 100");

    // The original's errors.
    for (path, needle) in [
        (
            "/metrics/editors/top-by-edits/en.wikipedia/all-editor-types/all-page-types/2024/02/30",
            "Given year/month/day is invalid date",
        ),
        (
            "/metrics/edited-pages/top-by-edits/en.wikipedia/bots/all-page-types/2024/02/01",
            "editor-type",
        ),
    ] {
        let (status, body) = http_get(&address, path);
        assert_eq!(status, 400, "{path}: {body}");
        assert!(body.contains(needle), "{path}: {body}");
    }
}
