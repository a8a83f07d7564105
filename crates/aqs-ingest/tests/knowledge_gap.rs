//! Knowledge gap rows imported from an AQS export: values as numbers or strings, null as 0,
//! metrics as the clustering column, and a bad row refusing the whole file.

use aqs_core::dates::{Period, YearMonth};
use aqs_core::knowledge_gap::GAPS;
use aqs_core::memory::MemoryStore;
use aqs_core::table::TableRead;
use aqs_ingest::import::{ImportTable, import_files};

#[test]
fn exported_rows_are_imported_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let store = MemoryStore::new();
    let path = dir.path().join("kg.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"_domain":"analytics.wikimedia.org","_tid":"13814000-1dd2-11b2-8080-808080808080","dt":"20220501","project":"en.wikipedia","content_gap":"gender","category":"cisgender female","metric":"pageviews_mean","value":12.25}"#,
            "\n",
            r#"{"dt":"20220501","project":"en.wikipedia","content_gap":"gender","category":"cisgender female","metric":"article_count","value":"1500"}"#,
            "\n",
            r#"{"dt":"20220601","project":"en.wikipedia","content_gap":"gender","category":"cisgender female","metric":"article_count","value":null}"#,
            "\n",
        ),
    )
    .unwrap();
    let report = import_files(&store, ImportTable::KnowledgeGap, &[path]).unwrap();
    assert_eq!(report.series_rows, 3);
    let (may, june) = (YearMonth::new(2022, 5).unwrap(), YearMonth::new(2022, 6).unwrap());
    let rows = store
        .series(
            &GAPS,
            &["en.wikipedia", "gender", "cisgender female"],
            Period::Month(may),
            Period::Month(june),
        )
        .unwrap();
    let got: Vec<(Period, &str, f64)> =
        rows.iter().map(|r| (r.period, r.sub.as_str(), r.values.f64(0))).collect();
    assert_eq!(
        got,
        [
            (Period::Month(may), "article_count", 1500.0),
            (Period::Month(may), "pageviews_mean", 12.25),
            (Period::Month(june), "article_count", 0.0),
        ]
    );

    let bad = dir.path().join("bad.jsonl");
    std::fs::write(
        &bad,
        concat!(
            r#"{"dt":"20220701","project":"en.wikipedia","content_gap":"gender","category":"x","metric":"m","value":1}"#,
            "\n",
            r#"{"dt":"20220715","project":"en.wikipedia","content_gap":"gender","category":"x","metric":"m","value":1}"#,
        ),
    )
    .unwrap();
    let error =
        format!("{:#}", import_files(&store, ImportTable::KnowledgeGap, &[bad]).unwrap_err());
    assert!(error.contains("bad.jsonl:2") && error.contains("YYYYMM01"), "{error}");
    let july = Period::Month(YearMonth::new(2022, 7).unwrap());
    let stored = store.series(&GAPS, &["en.wikipedia", "gender", "x"], july, july).unwrap();
    assert!(stored.is_empty(), "nothing of the file is stored");
}
