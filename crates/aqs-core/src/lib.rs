//! Domain types of aqs: everything a request or a load means, independent of HTTP and storage.
//!
//! - [`project::Project`]: a normalised project name (`en.wikipedia`), with the AQS 1.0 rules.
//! - [`params`]: the enumerated path parameters ([`params::Access`], [`params::Agent`],
//!   [`params::Granularity`]) and their AQS 1.0 "allowed values" errors.
//! - [`dates`]: calendar days, months and hours, and the AQS 1.0 timestamp validation and
//!   range rewriting (`fakeHour`, `fullMonths`, ...), quirks included.
//! - [`pageviews`]: the typed queries and result rows of the pageviews family, the read and
//!   write store traits, and the batch a loader hands to a store.
//! - [`table`]: the table layer: datasets, declared series tables, their rows and batches,
//!   and the read and write traits every backend implements once per shape.
//! - [`unique_devices`]: the unique devices family's table and request.
//! - [`history`]: the MediaWiki history families (edits, editors, edited pages, registered
//!   users, bytes difference): their tables, snapshots and requests.
//! - [`feature_usage`]: API feature usage counters (day, feature, agent), their service, the
//!   events they count and the Action API module that queries them.
//! - [`lists`]: the pageview allowlist and the disallowed-articles list (refinery TSV).
//! - [`error`]: the error kinds shared by every layer ([`error::RequestError`] for bad requests,
//!   [`error::StoreError`] for backends).
//!
//! With the `testsuite` feature: [`memory::MemoryStore`], the in-memory reference store, and
//! [`conformance`], the suite every backend must pass.

pub mod coverage;
pub mod dates;
pub mod editors_by_country;
pub mod error;
pub mod feature_usage;
pub mod history;
pub mod knowledge_gap;
pub mod legacy_pagecounts;
pub mod lists;
pub mod mediarequests;
pub mod pageviews;
pub mod params;
pub mod process;
pub mod project;
pub mod spill;
pub mod table;
pub mod text;
pub mod top_by_country;
pub mod top_per_country;
pub mod unique_devices;

#[cfg(feature = "testsuite")]
pub mod conformance;
#[cfg(feature = "testsuite")]
pub mod memory;

pub use error::{RequestError, StoreError};
