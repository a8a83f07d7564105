//! The pageviews family's loading: what it does with the day pipeline of [`crate::pipeline`].
//!
//! - [`day::load_day`]: one day of `pageview_complete` files (one per agent type) → per-article
//!   rows, per-project rows with every rollup, and top lists, published at once.
//! - [`agent_file`]: one agent file → a sorted stream of (project, title) records.
//! - [`hours`]: per-project counters and their 8 grouping sets.
//! - [`rollup`]: the monthly per-project rows and top lists of complete months.
//! - [`projectviews_day`]: the hourly projectviews files of a day.

pub mod agent_file;
pub mod day;
pub mod hours;
pub mod projectviews_day;
pub mod rollup;
