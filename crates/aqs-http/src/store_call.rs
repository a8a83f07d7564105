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
