//! Rows exported from an existing AQS (JSON Lines), for each table `aqs import` reads.
#![no_main]

use aqs_ingest::import::{ImportTable, check_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    for table in ["pageviews.per.article.flat", "pageviews.per.project.v2", "top.pageviews"] {
        let _ = check_line(ImportTable::parse(table).unwrap(), data);
    }
});
