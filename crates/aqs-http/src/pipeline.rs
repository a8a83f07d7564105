//! The one layer every request to the API goes through, around its handler. In order:
//!
//! 1. the route is found, once ([`crate::routes::route_of`], kept in the request as a
//!    [`MatchedRoute`]); observation starts: the request id, the client and the route
//!    ([`crate::observe`]);
//! 2. `OPTIONS` is answered at once (200, empty body);
//! 3. the client's rate limit for the route ([`throttle`]);
//! 4. the response cache ([`cache`]), and on a miss the handler under the request timeout
//!    ([`ops::with_timeout`]); a fresh `200` goes into the cache;
//! 5. the problem body of an error, with the request's method and path ([`error`]);
//! 6. a `304` when `If-None-Match` names the answer's ETag ([`headers::not_modified`]);
//! 7. gzip for a large answer the cache did not encode ([`cache::gzip_uncached`]);
//! 8. the request id, metrics and the access log, then the headers every answer carries.
//!
//! These steps used to be nine tower layers. Each layer boxed the request's future and
//! cloned the service inside it on every request; together that cost a third of the time of
//! a cached answer. As plain functions called in order, they cost only their own work.

use crate::observe::Observation;
use crate::routes::MatchedRoute;
use crate::{AppState, cache, error, headers, ops, throttle};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Middleware: the whole pipeline above, around the router's handler.
pub async fn pipeline(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let route = crate::routes::route_of(request.uri().path());
    if let Some(route) = route {
        request.extensions_mut().insert(MatchedRoute(route));
    }
    let observation = Observation::start(&state, &request, route);
    let mut response = if request.method() == Method::OPTIONS {
        let mut options = StatusCode::OK.into_response();
        if route.is_some() {
            // What axum's method router said of the API's routes before they were dispatched
            // by `crate::dispatch`, and still says of the server's own routes.
            options.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET,HEAD"));
        }
        options
    } else {
        answer(&state, request, next, &observation).await
    };
    observation.finish(&state, &mut response);
    headers::add_common_headers(response.headers_mut());
    response
}

/// Steps 3 to 7.
async fn answer(
    state: &AppState,
    request: Request,
    next: Next,
    observation: &Observation,
) -> Response {
    let method = request.method().clone();
    let uri = request.uri().clone();
    let if_none_match = matches!(method, Method::GET | Method::HEAD)
        .then(|| request.headers().get(header::IF_NONE_MATCH).cloned())
        .flatten();
    let wants_gzip = cache::accepts_gzip(request.headers());
    let (response, encoded) = match throttle::refusal(state, observation.caller()) {
        Some(refused) => (refused, false),
        None => match cache::lookup(state, &request, wants_gzip) {
            cache::Lookup::Hit(response) => (response, true),
            cache::Lookup::Miss(miss) => {
                let response = ops::with_timeout(state, next.run(request)).await;
                cache::keep(state, miss, response, wants_gzip).await
            }
            cache::Lookup::Pass => (ops::with_timeout(state, next.run(request)).await, false),
        },
    };
    let response = error::render_pending(response, &method, &uri);
    let response = headers::not_modified(response, if_none_match.as_ref());
    if encoded || response.status() == StatusCode::NOT_MODIFIED {
        return response;
    }
    cache::gzip_uncached(response, wants_gzip).await
}
