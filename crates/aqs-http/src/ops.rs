//! What a server needs to face the public internet, shared by every route: its settings
//! ([`ServeOptions`]), and the pieces built from them ([`Ops`]): the throttle, the gate that
//! bounds concurrent store reads, the per-request timeout, the metrics and the live lists.
//!
//! Overload is answered at once: a store read waits for one of `max_store_reads` slots only
//! if fewer than `store_queue` reads are already waiting; otherwise, and when a request runs
//! past `request_timeout`, the answer is a 503 problem with `retry-after: 1`.

use crate::error::ApiError;
use crate::lists::Lists;
use crate::metrics::{Metrics, Shed};
use crate::throttle::{Throttle, ThrottleConfig, ThrottleMode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};

/// A server's production settings.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub throttle: ThrottleConfig,
    /// Store reads running at once.
    pub max_store_reads: usize,
    /// Store reads allowed to wait for a slot; more are shed with a 503.
    pub store_queue: usize,
    /// The longest a request may take before it is answered with a 503.
    pub request_timeout: Duration,
    /// Log every request (JSON with `--log-format json`).
    pub access_log: bool,
    /// The backend's name, for `/healthz`.
    pub backend: &'static str,
}

impl Default for ServeOptions {
    /// The library's defaults: no throttling (the binary turns it on), generous limits.
    fn default() -> Self {
        ServeOptions {
            throttle: ThrottleConfig { mode: ThrottleMode::Off, ..ThrottleConfig::default() },
            max_store_reads: 32,
            store_queue: 128,
            request_timeout: Duration::from_secs(10),
            access_log: false,
            backend: "memory",
        }
    }
}

/// The shared pieces built from [`ServeOptions`].
pub struct Ops {
    pub options: ServeOptions,
    pub throttle: Option<Throttle>,
    pub gate: StoreGate,
    pub metrics: Metrics,
    pub lists: Arc<Lists>,
}

impl Ops {
    pub fn new(options: ServeOptions, lists: Arc<Lists>) -> Ops {
        let throttle = (options.throttle.mode != ThrottleMode::Off)
            .then(|| Throttle::new(options.throttle.clone()));
        let gate = StoreGate::new(options.max_store_reads, options.store_queue);
        Ops { options, throttle, gate, metrics: Metrics::new(), lists }
    }
}

/// Bounded concurrency for store reads, with a short queue.
pub struct StoreGate {
    slots: Semaphore,
    waiting: AtomicUsize,
    queue: usize,
}

impl StoreGate {
    pub fn new(slots: usize, queue: usize) -> StoreGate {
        StoreGate { slots: Semaphore::new(slots.max(1)), waiting: AtomicUsize::new(0), queue }
    }

    /// A slot for one store read: at once if one is free, after waiting if the queue has
    /// room, or `Err` (shed) if it has not.
    pub async fn enter(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        if let Ok(permit) = self.slots.try_acquire() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::AcqRel);
            return Err(ApiError::Overloaded);
        }
        let permit = self.slots.acquire().await;
        self.waiting.fetch_sub(1, Ordering::AcqRel);
        permit.map_err(|_| ApiError::Overloaded)
    }

    /// Reads waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }
}

/// Runs a handler, answering a 503 (its problem body still to be written) if it runs past
/// the request timeout.
pub async fn with_timeout(
    state: &crate::AppState,
    handler: impl std::future::Future<Output = Response>,
) -> Response {
    let limit = state.ops.options.request_timeout;
    match tokio::time::timeout(limit, handler).await {
        Ok(response) => response,
        Err(_) => {
            state.ops.metrics.shed(Shed::Timeout);
            ApiError::Timeout(limit).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_gate_sheds_once_its_queue_is_full() {
        let gate = Arc::new(StoreGate::new(1, 1));
        let held = gate.enter().await.unwrap();
        // One waiter fits in the queue...
        let waiter = {
            let gate = Arc::clone(&gate);
            tokio::spawn(async move { gate.enter().await.map(drop).is_ok() })
        };
        while gate.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        // ...the next is shed at once.
        assert!(matches!(gate.enter().await, Err(ApiError::Overloaded)));
        drop(held);
        assert!(waiter.await.unwrap(), "the queued read gets the slot");
        assert_eq!(gate.waiting(), 0);
        assert!(gate.enter().await.is_ok());
    }
}
