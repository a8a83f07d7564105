//! The conformance suite against the in-memory reference store.
#![cfg(feature = "testsuite")]

aqs_core::pageviews_conformance!(aqs_core::memory::MemoryStore::new());
aqs_core::series_conformance!(Box::new(aqs_core::memory::MemoryStore::new()));
