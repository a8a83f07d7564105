//! The pageview allowlist and the disallowed-articles list live in `aqs-core` (the server
//! applies them too); re-exported here for the loaders.

pub use aqs_core::lists::*;
