//! The ClickHouse backend: the pageviews store traits over MergeTree tables on one server, or
//! over Distributed tables spanning a cluster, reached through a thin HTTP client that works with
//! ClickHouse 18.16 and current releases alike.
//!
//! - [`schema`]: the versioned `.sql` files and `aqs clickhouse init`;
//! - [`store`]: [`ClickHouseStore`], atomic batches over append-only tables;
//! - `publish`: a load's day streamed in chunks and committed at once, and the month scan of
//!   top lists, aggregated by ClickHouse;
//! - `codes`: how days, access, agent, periods and top lists are stored in columns;
//! - [`client`]: SQL over HTTP, RowBinary both ways, literals escaped by [`client::quote`].

pub mod client;
mod codes;
mod publish;
pub mod schema;
pub mod store;

pub use schema::{InitReport, Layout, SCHEMA_VERSION, init};
pub use store::ClickHouseStore;
