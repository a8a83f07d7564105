//! pageview_complete dump lines and file names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let _ = aqs_ingest::pageview_complete::parse_line(data);
    let _ = aqs_ingest::pageview_complete::parse_hours(data);
    let _ = aqs_ingest::pageview_complete::parse_file_name(data);
    let _ = aqs_ingest::pageview_complete::unquote(data);
});
