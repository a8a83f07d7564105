//! End to end for the families on the table layer: `aqs generate` writes their dumps beside
//! the pageview files, `aqs load` reads them all, `aqs serve` answers, and the numbers are
//! computed here again from the generated files with a parser of this test's own.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The projectcounts codes of the sample's first four projects, and meta: (project, mobile).
fn code(code: &str) -> Option<(&'static str, bool)> {
    Some(match code {
        "en" => ("en.wikipedia", false),
        "en.m" | "en.zero" => ("en.wikipedia", true),
        "de" => ("de.wikipedia", false),
        "de.m" => ("de.wikipedia", true),
        "commons.m" => ("commons.wikimedia", false),
        "commons.m.m" => ("commons.wikimedia", true),
        "fr.d" => ("fr.wiktionary", false),
        "fr.m.d" => ("fr.wiktionary", true),
        // Kept from 2014-10 to 2014-12 only, as the original kept it (dropped after 2015).
        "meta.m" => ("meta.wikimedia", false),
        _ => return None, // the irregular lines
    })
}

/// (project, site, YYYYMMDD of the counted hour, hour) → count, from the projectcounts files.
fn pagecounts(dir: &Path) -> BTreeMap<(String, String, String, u32), u64> {
    let mut out = BTreeMap::new();
    for path in files_under(dir, "projectcounts-") {
        let name = path.file_name().unwrap().to_str().unwrap();
        // Named for the end of the hour: -000000 counts hour 23 of the day before.
        let (date, time) = (&name[14..22], &name[23..25]);
        let end_hour: u32 = time.parse().unwrap();
        let (date, hour) = if end_hour == 0 {
            let d: u32 = date[6..].parse().unwrap();
            let previous = match (&date[4..6], d) {
                ("11", 1) => format!("{}1031", &date[..4]),
                (_, 2..) => format!("{}{:02}", &date[..6], d - 1),
                _ => panic!("the sample here starts on 2014-10-30: {name}"),
            };
            (previous, 23)
        } else {
            (date.to_string(), end_hour - 1)
        };
        for line in std::fs::read_to_string(&path).unwrap().lines() {
            let f: Vec<&str> = line.split(' ').collect();
            let (Some((project, mobile)), Ok(n)) = (code(f[0]), f[2].parse::<u64>()) else {
                continue;
            };
            let site = if mobile { "mobile-site" } else { "desktop-site" };
            for (p, s) in [
                (project, site),
                (project, "all-sites"),
                ("all-projects", site),
                ("all-projects", "all-sites"),
            ] {
                *out.entry((p.to_string(), s.to_string(), date.clone(), hour)).or_default() += n;
            }
        }
    }
    out
}

/// (project, site, YYYYMMDD) → devices, from the legacy per-domain daily files: the sum of
/// each site's estimates when above 1000, all sites the sum of the kept sites.
fn devices(dir: &Path) -> BTreeMap<(String, String, String), u64> {
    let mut out = BTreeMap::new();
    for path in files_under(dir, "unique_devices_per_domain_daily-") {
        let name = path.file_name().unwrap().to_str().unwrap();
        let date = name[32..42].replace('-', "");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let mut sites: BTreeMap<(String, &str), u64> = BTreeMap::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            let host = f[0].trim_end_matches(".org");
            let (project, site) = match host.split_once(".m.") {
                Some((lang, family)) => (format!("{lang}.{family}"), "mobile-site"),
                None => match host.strip_prefix("m.") {
                    Some(p) => (p.to_string(), "mobile-site"),
                    None => (host.trim_start_matches("www.").to_string(), "desktop-site"),
                },
            };
            *sites.entry((project, site)).or_default() += f[3].parse::<u64>().unwrap();
        }
        for ((project, site), n) in sites.into_iter().filter(|(_, n)| *n > 1000) {
            *out.entry((project.clone(), "all-sites".into(), date.clone())).or_default() += n;
            out.insert((project, site.into(), date.clone()), n);
        }
    }
    out
}

#[test]
fn generated_family_dumps_load_and_serve_the_numbers_in_the_files() {
    let work = tempfile::tempdir().unwrap();
    let (dumps, data) = (work.path().join("dumps"), work.path().join("data"));
    generate(&dumps, "2014-10-30", 3, 4, 600, 5);
    let report = load(&data, "0.001", &dumps);
    assert!(report.contains("days published:    3"), "{report}");
    let series = report.lines().find(|l| l.starts_with("series rows:")).expect("series rows");
    for family in ["editors by country", "legacy pagecounts", "unique devices"] {
        assert!(series.contains(family), "{series}");
    }
    let (_server, address) = serve(&data);

    let counts = pagecounts(&dumps);
    let mut checked = 0;
    for project in ["en.wikipedia", "commons.wikimedia", "all-projects"] {
        for site in ["all-sites", "desktop-site", "mobile-site"] {
            let path = format!(
                "/metrics/legacy/pagecounts/aggregate/{project}/{site}/daily/2014103000/2014110100"
            );
            let items = get_json(&address, &path)["items"].as_array().unwrap().clone();
            assert_eq!(items.len(), 3, "{path}");
            for item in items {
                let ts = item["timestamp"].as_str().unwrap();
                let expected: u64 = counts
                    .iter()
                    .filter(|((p, s, d, _), _)| p == project && s == site && d == &ts[..8])
                    .map(|(_, n)| n)
                    .sum();
                assert_eq!(item["count"].as_u64(), Some(expected), "{path} {ts}");
                checked += 1;
            }
        }
    }
    let hours = get_json(
        &address,
        "/metrics/legacy/pagecounts/aggregate/de.wikipedia/mobile-site/hourly/2014103100/2014103123",
    );
    for item in hours["items"].as_array().unwrap() {
        let ts = item["timestamp"].as_str().unwrap();
        let key =
            ("de.wikipedia".into(), "mobile-site".into(), ts[..8].into(), ts[8..].parse().unwrap());
        assert_eq!(item["count"].as_u64(), counts.get(&key).copied(), "{ts}");
        checked += 1;
    }
    // October is not complete in the sample: no monthly row, a 404.
    let (status, _) = http_get(
        &address,
        "/metrics/legacy/pagecounts/aggregate/en.wikipedia/all-sites/monthly/2014100100/2014103100",
    );
    assert_eq!(status, 404);

    for ((project, site, date), n) in devices(&dumps) {
        if !["en.wikipedia", "de.wikipedia", "wikidata"].contains(&project.as_str()) {
            continue;
        }
        let path = format!("/metrics/unique-devices/{project}/{site}/daily/{date}/{date}");
        let items = get_json(&address, &path)["items"].clone();
        assert_eq!(items[0]["devices"].as_u64(), Some(n), "{path}");
        checked += 1;
    }
    // Editors by country: October's geoeditors file, en.wikipedia, 5..99 edits, recomputed.
    let tsv =
        std::fs::read_to_string(dumps.join("other/geoeditors/geoeditors-monthly-2014-10.tsv"))
            .unwrap();
    let codes = [
        ("United States", "US"),
        ("Germany", "DE"),
        ("Japan", "JP"),
        ("France", "FR"),
        ("India", "IN"),
        ("Brazil", "BR"),
        ("Hong Kong", "HK"),
    ];
    let mut expected: Vec<(String, u64)> = tsv
        .lines()
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|f| f[0] == "enwiki" && f[2] == "5 to 99")
        .filter_map(|f| {
            let code = codes.iter().find(|(name, _)| *name == f[1])?.1; // Russia: denied
            Some((code.to_string(), f[4].parse().unwrap()))
        })
        .collect();
    expected.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let served = get_json(&address, "/metrics/editors/by-country/en.wikipedia/5..99-edits/2014/10");
    let got: Vec<(String, u64)> = served["items"][0]["countries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["country"].as_str().unwrap().to_string(), c["editors-ceil"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, expected);
    checked += got.len();
    // Media requests: each day's mediacounts file, all referers and internal image requests.
    for path in files_under(&dumps, "mediacounts.") {
        let name = path.file_name().unwrap().to_str().unwrap();
        let date = name[12..22].replace('-', "");
        let mut text = String::new();
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        let (mut all, mut internal_images) = (0u64, 0u64);
        let mut totals: Vec<(u64, String)> = Vec::new();
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() != 25 {
                continue;
            }
            all += f[2].parse::<u64>().unwrap();
            totals.push((f[2].parse().unwrap(), f[0].to_string()));
            let extension = f[0].rsplit('.').next().unwrap().to_lowercase();
            if ["jpg", "png", "svg", "tif", "gif"].contains(&extension.as_str()) {
                internal_images += f[22].parse::<u64>().unwrap();
            }
        }
        // The day's top files of all referers: the largest totals first.
        totals.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let top = get_json(
            &address,
            &format!(
                "/metrics/mediarequests/top/all-referers/all-media-types/{}/{}/{}",
                &date[..4],
                &date[4..6],
                &date[6..]
            ),
        );
        let served: Vec<(u64, String)> = top["items"][0]["files"]
            .as_array()
            .unwrap()
            .iter()
            .take(5)
            .map(|f| {
                (f["requests"].as_u64().unwrap(), f["file_path"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(served, totals[..5], "{date}");
        checked += served.len();
        // Per file: every file of the day, asked for by its decoded name as a client would.
        for line in text.lines().filter(|l| l.split('\t').count() == 25) {
            let f: Vec<&str> = line.split('\t').collect();
            let segment = encode_segment(&percent_decode(f[0]));
            for (referer, column) in [("all-referers", 2), ("internal", 22)] {
                let path = format!(
                    "/metrics/mediarequests/per-file/{referer}/all-agents/{segment}/daily/{date}/{date}"
                );
                let item = &get_json(&address, &path)["items"][0];
                assert_eq!(item["requests"].as_u64(), f[column].parse().ok(), "{path}");
                assert_eq!(item["file_path"], f[0], "{path}");
                checked += 1;
            }
        }
        let route = "/metrics/mediarequests/aggregate";
        for (path, expected) in [
            (format!("{route}/all-referers/all-media-types/all-agents/daily/{date}/{date}"), all),
            (format!("{route}/internal/image/all-agents/daily/{date}/{date}"), internal_images),
        ] {
            assert_eq!(
                get_json(&address, &path)["items"][0]["requests"].as_u64(),
                Some(expected),
                "{path}"
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked} numbers checked");
}

/// `%XX` sequences into their bytes (the dumps' encoding of file names).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let (mut out, mut i) = (Vec::new(), 0);
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// A whole path as one URL segment: every byte but `A-Z a-z 0-9 - _ . ~` as `%XX`.
fn encode_segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_generated_month_of_mediacounts_serves_the_months_top_files() {
    let work = tempfile::tempdir().unwrap();
    let (dumps, data) = (work.path().join("dumps"), work.path().join("data"));
    generate(&dumps, "2015-02-01", 28, 1, 400, 7);
    load(&data, "0.05", &dumps.join("other/mediacounts"));
    let (_server, address) = serve(&data);
    // Each file's requests over February, from the files: all referers, and internal images.
    let (mut all, mut internal_images): (BTreeMap<String, u64>, BTreeMap<String, u64>) =
        Default::default();
    for path in files_under(&dumps, "mediacounts.") {
        let mut text = String::new();
        bzip2::read::MultiBzDecoder::new(std::fs::File::open(&path).unwrap())
            .read_to_string(&mut text)
            .unwrap();
        for f in text.lines().map(|l| l.split('\t').collect::<Vec<_>>()).filter(|f| f.len() == 25) {
            *all.entry(f[0].to_string()).or_default() += f[2].parse::<u64>().unwrap();
            let extension = f[0].rsplit('.').next().unwrap().to_lowercase();
            if ["jpg", "png", "svg", "tif", "gif"].contains(&extension.as_str()) {
                *internal_images.entry(f[0].to_string()).or_default() +=
                    f[22].parse::<u64>().unwrap();
            }
        }
    }
    for (route, sums) in
        [("all-referers/all-media-types", &all), ("internal/image", &internal_images)]
    {
        let mut expected: Vec<(u64, String)> =
            sums.iter().filter(|(_, n)| **n > 0).map(|(f, n)| (*n, f.clone())).collect();
        expected.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let top =
            get_json(&address, &format!("/metrics/mediarequests/top/{route}/2015/02/all-days"));
        let files = top["items"][0]["files"].as_array().unwrap();
        let served: Vec<(u64, String)> = files
            .iter()
            .map(|f| {
                (f["requests"].as_u64().unwrap(), f["file_path"].as_str().unwrap().to_string())
            })
            .collect();
        assert_eq!(served, expected, "{route}");
        assert_eq!(files[0]["rank"], 1);
    }
}
