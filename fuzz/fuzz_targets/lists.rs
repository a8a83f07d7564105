//! The allowlist and disallowed-list TSV files; a parsed disallowed list writes back to
//! itself.
#![no_main]

use aqs_core::lists::{Allowlist, Disallowed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let _ = Allowlist::parse(data, "fuzz");
    if let Ok(list) = Disallowed::parse(data, "fuzz") {
        let again = Disallowed::parse(&list.to_tsv(), "again").expect("the written list parses");
        assert_eq!(again.len(), list.len());
    }
});
