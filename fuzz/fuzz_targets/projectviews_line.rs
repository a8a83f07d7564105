//! projectviews dump lines, domain codes and file names.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let _ = aqs_ingest::projectviews::parse_line(data);
    let _ = aqs_ingest::projectviews::decode_domain_code(data);
    let _ = aqs_ingest::projectviews::parse_file_name(data);
});
