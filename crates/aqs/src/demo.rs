//! `aqs demo`: generate a sample of every dataset (when the data directory is empty), load
//! it, activate its MediaWiki history snapshot, and serve it, printing a URL per route.

use crate::cli::{BackendArgs, ClickHouseArgs, DemoArgs, LoadArgs};
use crate::commands::{
    Backend, DISALLOWED_FILE, generate_with_bars, load_into, open_store_at, print_store_size,
};
use crate::progress::Bars;
use crate::serve::serve;
use anyhow::Result;
use aqs_core::dates::Day;
use aqs_core::pageviews::PageviewsRead;
use aqs_ingest::generate::GenerateOptions;
use std::path::PathBuf;

pub fn run(args: &DemoArgs) -> Result<()> {
    let store = open_store_at(&args.data, 64)?;
    let start = Day::from_ymd(2024, 1, 1).expect("a valid date");
    if store.article_days_loaded()?.is_empty() {
        let dumps = args.data.join("dumps");
        let bars = Bars::new();
        bars.println(&format!(
            "generating {} days of sample dumps into {}",
            args.days,
            dumps.display()
        ));
        let options = GenerateOptions {
            out: dumps.clone(),
            start,
            days: args.days,
            projects: 4,
            articles: args.articles,
            seed: 1,
        };
        generate_with_bars(&bars, &options)?;
        bars.println("loading them");
        let load = LoadArgs {
            store: BackendArgs {
                backend: "embedded".into(),
                data: Some(args.data.clone()),
                map_size_gib: 64,
                clickhouse: ClickHouseArgs {
                    clickhouse_url: String::new(),
                    clickhouse_database: String::new(),
                },
            },
            format: None,
            snapshot: None,
            allowlist: None,
            disallowed: None,
            // The sample holds a few malformed lines on purpose, to show the load report.
            max_bad_share: 0.01,
            memory_mb: 1024,
            // The demo's sample merges in a few seconds.
            merge_seconds: crate::cli::MergeSeconds(None),
            day_seconds: crate::cli::MergeSeconds(None),
            spill_dir: None,
            metrics_file: None,
            files: vec![PathBuf::from(&dumps)],
        };
        let report = load_into(&store, &load, &bars)?;
        Backend::Embedded(store.clone()).write_probe_rows()?;
        outln!("{report}");
        if let Some(snapshot) = crate::snapshot::activate_newest(&store)? {
            outln!("MediaWiki history snapshot {snapshot} active");
        }
        crate::feature_usage::demo_events(
            &Backend::Embedded(store.clone()),
            &dumps,
            &args.serving,
        )?;
    } else {
        outln!("{} already holds data: serving it", args.data.display());
    }
    let backend = Backend::Embedded(store);
    print_store_size(&backend)?;
    let examples = examples(start, args.days);
    serve(backend, Some(args.data.join(DISALLOWED_FILE)), args.listen, &args.serving, &examples)
}

/// The URLs the demo prints: one per route (a month of days adds the monthly ones), each
/// answering from the sample of `days` days from `start`.
fn examples(start: Day, days: u32) -> Vec<String> {
    let last = start.add_days(days.saturating_sub(1) as i32);
    let (s, e) = (start.compact(), last.compact());
    let mut examples = vec![
        format!(
            "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/{s}/{e}"
        ),
        format!("/metrics/pageviews/aggregate/all-projects/all-access/all-agents/daily/{s}/{e}"),
        format!("/metrics/pageviews/aggregate/de.wikipedia/mobile-web/user/hourly/{s}00/{s}23"),
        format!(
            "/metrics/pageviews/top/en.wikipedia/all-access/{:04}/{:02}/{:02}",
            start.year(),
            start.month(),
            start.day()
        ),
        format!(
            "/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/desktop/spider/AC%2FDC/daily/{s}/{e}"
        ),
        format!("/metrics/unique-devices/en.wikipedia/all-sites/daily/{s}/{e}"),
        format!("/metrics/unique-devices/all-wikipedia-projects/all-sites/daily/{s}/{s}"),
        format!("/metrics/legacy/pagecounts/aggregate/en.wikipedia/all-sites/daily/{s}00/{e}00"),
        format!("/metrics/legacy/pagecounts/aggregate/all-projects/mobile-site/hourly/{s}00/{s}23"),
        format!("/metrics/mediarequests/aggregate/all-referers/image/all-agents/daily/{s}/{e}"),
        format!(
            "/metrics/mediarequests/per-file/all-referers/all-agents/%2Fwikipedia%2Fcommons%2F0%2F00%2FExample.jpg/daily/{s}/{e}"
        ),
        format!(
            "/metrics/mediarequests/top/all-referers/all-media-types/{:04}/{:02}/{:02}",
            start.year(),
            start.month(),
            start.day()
        ),
        // MediaWiki history: its sample starts in January of the year before the last day.
        format!(
            "/metrics/edits/aggregate/all-projects/all-editor-types/all-page-types/monthly/{:04}0101/{:04}{:02}01",
            last.year() - 1,
            last.year(),
            last.month()
        ),
        format!(
            "/metrics/editors/aggregate/en.wikipedia/all-editor-types/content/5..24-edits/daily/{s}/{e}"
        ),
        // Import-only routes (no public dump): their examples read the 1970 probe rows.
        "/metrics/knowledge-gap/per-category/en.wikipedia/gender/all-categories/19691201/19700101"
            .to_string(),
        "/metrics/pageviews/top-by-country/en.wikipedia/all-access/1970/01".to_string(),
        "/metrics/pageviews/top-per-country/US/all-access/1970/01/01".to_string(),
        // API feature usage: the last week's sample events.
        "/w/api.php?action=query&meta=featureusage&afuagent=Pywikibot&format=json".to_string(),
        "/feature-usage/?agent=Pywikibot".to_string(),
        // Beyond the original: many articles in one request, zero-filled, and the charts.
        format!(
            "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user/daily/{s}/{e}?articles=Main_Page|AC/DC"
        ),
        format!("/ext/v1/zero-filled/unique-devices/en.wikipedia/all-sites/daily/{s}/{e}"),
        "/ui/pageviews?project=en.wikipedia&pages=Main_Page|AC/DC&range=all-time".to_string(),
    ];
    if days <= 360 {
        // Per page and per editor: at most 367 days. The sample's most active editor.
        examples.push(format!(
            "/metrics/edits/per-editor/en.wikipedia/Editor%201/all-page-types/daily/{s}/{e}"
        ));
    }
    examples.push(format!(
        "/metrics/editors/top-by-edits/en.wikipedia/all-editor-types/all-page-types/{:04}/{:02}/all-days",
        last.year(),
        last.month()
    ));
    if days >= 31 {
        examples.push(format!(
            "/metrics/pageviews/per-article/en.wikipedia/all-access/user/Main_Page/monthly/{s}/{e}"
        ));
        examples
            .push("/metrics/pageviews/top/en.wikipedia/mobile-web/2024/01/all-days".to_string());
        examples.push("/metrics/pageviews/aggregate/en.wikipedia/all-access/user/monthly/2024010100/2024013100".to_string());
        examples.push(format!("/metrics/unique-devices/de.wikipedia/mobile-site/monthly/{s}/{e}"));
        examples.push(format!(
            "/metrics/legacy/pagecounts/aggregate/all-projects/all-sites/monthly/{s}00/{e}00"
        ));
        examples.push(format!(
            "/metrics/editors/by-country/en.wikipedia/5..99-edits/{:04}/{:02}",
            start.year(),
            start.month()
        ));
        examples.push(format!(
            "/metrics/mediarequests/top/all-referers/image/{:04}/{:02}/all-days",
            start.year(),
            start.month()
        ));
    }
    examples
}
