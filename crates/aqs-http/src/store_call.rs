//! [`read`]: how every handler calls the store.

use crate::error::ApiError;
use crate::{AppState, StoreCalls};
use aqs_core::error::StoreError;

/// Runs a store read where the state says (inline, or on the blocking pool), once the store
/// gate gives it a slot: the shared path of every family's reads.
pub(crate) async fn read<T: Send + 'static>(
    state: &AppState,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let started = std::time::Instant::now();
    let _slot = state.ops.gate.enter().await.inspect_err(|_| {
        state.ops.metrics.shed(crate::metrics::Shed::QueueFull);
    })?;
    let result = match state.store_calls {
        StoreCalls::Inline => f().map_err(ApiError::from),
        StoreCalls::BlockingPool => match tokio::task::spawn_blocking(f).await {
            Ok(result) => result.map_err(ApiError::from),
            Err(e) => Err(ApiError::Store(StoreError::Engine(format!("store task failed: {e}")))),
        },
    };
    state.ops.metrics.store_read(started.elapsed());
    result
}

/// What a series route reads and how it writes its items: the shared handler body of the
/// series families (unique devices, legacy pagecounts, media requests aggregate).
pub(crate) struct SeriesQuery<'a> {
    pub table: &'static aqs_core::table::TableDef,
    pub key: Vec<String>,
    pub first: aqs_core::dates::Period,
    pub last: aqs_core::dates::Period,
    /// The string fields before `timestamp`, in serving order.
    pub fields: &'a [(&'a str, &'a str)],
    /// The value columns' names, in serving order (the table's first columns).
    pub values: &'a [&'a str],
    /// How many of the stored period's `YYYYMMDDHH` digits the item's `timestamp` has (8 for
    /// unique devices, 10 elsewhere).
    pub timestamp_digits: usize,
}

/// Reads one key's rows of a series table and answers them as items, or the "no data" 404.
pub(crate) async fn series_items(
    state: &AppState,
    query: SeriesQuery<'_>,
) -> Result<axum::response::Response, ApiError> {
    if crate::ext::filled::active() {
        return crate::ext::filled::series(state, query).await;
    }
    let (tables, table, key, first, last) =
        (state.tables.clone(), query.table, query.key, query.first, query.last);
    let rows = read(state, move || {
        let parts: Vec<&str> = key.iter().map(String::as_str).collect();
        tables.series(table, &parts, first, last)
    })
    .await?;
    if rows.is_empty() {
        return Err(aqs_core::RequestError::NoData.into());
    }
    let count = query.values.len();
    let mut items =
        crate::items::SeriesWriter::with_values(query.fields, &[], query.values, rows.len());
    for row in rows {
        let digits = row.period.timestamp_digits();
        items.push_values(&digits[..query.timestamp_digits], &row.values.0[..count]);
    }
    Ok(crate::headers::json_body(items.finish()))
}

/// The entries of one stored list (a row per entry: editors by country and the top lists of
/// countries and media files), the rows of `key` in `period` as (sub, values); the "no data"
/// 404 when there are none.
pub(crate) async fn list_entries(
    state: &AppState,
    table: &'static aqs_core::table::TableDef,
    key: Vec<String>,
    period: aqs_core::dates::Period,
) -> Result<Vec<(String, aqs_core::table::Numbers)>, ApiError> {
    let tables = state.tables.clone();
    let entries = read(state, move || {
        let parts: Vec<&str> = key.iter().map(String::as_str).collect();
        tables.series(table, &parts, period, period)
    })
    .await?;
    if entries.is_empty() {
        return Err(aqs_core::RequestError::NoData.into());
    }
    Ok(entries.into_iter().map(|e| (e.sub, e.values)).collect())
}
