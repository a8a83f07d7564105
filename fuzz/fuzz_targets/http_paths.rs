//! Whole requests through the router (over the in-memory store with the probe rows): any
//! path gets an answer with a status the API documents, never a panic or a 500.
#![no_main]

use aqs_core::pageviews::PageviewsWrite;
use axum::body::Body;
use axum::http::Request;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

struct Fixture {
    runtime: tokio::runtime::Runtime,
    app: axum::Router,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let store = aqs_core::memory::MemoryStore::new();
        store.write(&aqs_core::pageviews::probe_batch()).unwrap();
        let state = aqs_http::AppState::new(Arc::new(store), aqs_http::StoreCalls::Inline);
        Fixture {
            runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
            app: aqs_http::router(state),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    // Prefix the path so most inputs reach the API routes.
    let mut uri = b"/metrics/pageviews/".to_vec();
    uri.extend_from_slice(data);
    let Ok(request) = Request::builder().uri(uri.as_slice()).body(Body::empty()) else {
        return;
    };
    let f = fixture();
    let response = f.runtime.block_on(f.app.clone().oneshot(request)).unwrap();
    let status = response.status().as_u16();
    assert!(
        matches!(status, 200 | 400 | 404),
        "status {status} for {:?}",
        String::from_utf8_lossy(&uri)
    );
});
