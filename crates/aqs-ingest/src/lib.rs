//! Turning Wikimedia's public dump files into the tables aqs serves.
//!
//! - [`load::load_files`]: reads `pageview_complete` daily files and hourly `projectviews`
//!   files, aggregates them as the refinery does (per-article daily rows, per-project rows
//!   with every rollup, top lists), and publishes each day atomically through the
//!   `aqs-core` write trait. It reports what it read, wrote and skipped ([`report::LoadReport`]).
//! - [`pageview_complete`], [`projectviews`]: one parser per dump format.
//! - [`lists`]: the pageview allowlist and the disallowed-articles list.
//! - [`import`]: rows exported from an existing AQS deployment (JSON Lines), stored as they are.
//! - [`generate`]: synthetic but realistic dump files, for demos, tests and benchmarks.

pub mod editors_by_country;
pub mod generate;
pub mod import;
pub mod input;
pub mod knowledge_gap;
pub mod legacy_pagecounts;
pub mod lists;
pub mod load;
pub mod mediarequests;
pub mod mediawiki_history;
pub mod pageview_complete;
pub mod pageviews;
pub mod pipeline;
pub mod projectviews;
pub mod report;
pub mod rollup;
pub mod top;
pub mod top_by_country;
pub mod top_per_country;
pub mod unique_devices;
