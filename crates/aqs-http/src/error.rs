//! Errors as HTTP responses: one table from error kind to status, and the AQS 1.0 problem
//! body (api-contract §1.7): keys `type`, `title`, `method`, `detail`, `uri` in that order,
//! absent keys omitted, `uri` the path AQS itself would have seen.
//!
//! Which error belongs where: [`aqs_core::RequestError`] comes from validation and "no data";
//! [`aqs_core::StoreError`] from backends, answered as a 500 that hides its text (it is logged
//! once, here). Handlers and extractors return [`ApiError`]; its response carries
//! [`ProblemParts`], and the request pipeline writes the body with the request's method and
//! path ([`render_pending`]).

use aqs_core::error::{Detail, RequestError, StoreError};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

const TYPE_PREFIX: &str = "https://mediawiki.org/wiki/HyperSwitch/errors/";
pub const NOT_FOUND_DETAIL: &str = "The date(s) you used are valid, but we either do not have data for those date(s), or the project you asked for is not loaded yet.  Please check https://wikimedia.org/api/rest_v1/?doc for more information.";
pub const ERROR_CACHE_CONTROL: &str = "private, max-age=0, s-maxage=0, must-revalidate";

/// An error on its way to becoming a response.
#[derive(Debug)]
pub enum ApiError {
    Request(RequestError),
    Store(StoreError),
    /// A path segment is not valid percent-encoded UTF-8.
    BadPathEncoding,
    /// No route matches.
    RouteNotFound,
    /// The client is over its rate limit (the gateway's 429, api-contract §1.7).
    RateLimited,
    /// Too many store reads are waiting: shed at once.
    Overloaded,
    /// The request ran past the per-request timeout.
    Timeout(std::time::Duration),
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        ApiError::Request(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::Store(e)
    }
}

#[derive(Serialize)]
#[serde(untagged)]
enum DetailJson<'a> {
    Text(&'a str),
    List(&'a [String]),
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<&'a str>,
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<DetailJson<'a>>,
    uri: &'a str,
}

/// What an error response says, before the request's method and path are known: handlers
/// and extractors return it inside the response, and [`render_pending`] writes the body.
#[derive(Debug, Clone)]
pub struct ProblemParts {
    status: StatusCode,
    kind: &'static str,
    title: Option<&'static str>,
    detail: Option<Detail>,
    /// Seconds for `retry-after`, on 503s.
    retry_after: Option<u64>,
}

/// The path the original AQS process saw: `/analytics.wikimedia.org/v1/<family>/...`.
pub fn internal_uri(uri: &Uri) -> String {
    let path = uri.path();
    for prefix in crate::PREFIXES.iter().rev() {
        if let Some(rest) = path.strip_prefix(prefix) {
            if rest.starts_with('/') {
                return format!("/analytics.wikimedia.org/v1{rest}");
            }
        }
    }
    path.to_string()
}

impl ProblemParts {
    fn new(
        status: StatusCode,
        kind: &'static str,
        title: Option<&'static str>,
        detail: Option<Detail>,
    ) -> Self {
        ProblemParts { status, kind, title, detail, retry_after: None }
    }

    fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// The whole response for a request of `method` on `uri`.
    pub fn render(&self, method: &Method, uri: &Uri) -> Response {
        let method = method.as_str().to_ascii_lowercase();
        let uri = internal_uri(uri);
        let detail = self.detail.as_ref().map(|d| match d {
            Detail::Text(t) => DetailJson::Text(t),
            Detail::List(l) => DetailJson::List(l),
        });
        let body = Problem {
            kind: format!("{TYPE_PREFIX}{}", self.kind),
            title: self.title,
            method: &method,
            detail,
            uri: &uri,
        };
        let bytes = serde_json::to_vec(&body).unwrap_or_default();
        let mut response = (self.status, bytes).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ERROR_CACHE_CONTROL));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }

    fn into_pending_response(self) -> Response {
        let mut response = self.status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

impl From<ApiError> for ProblemParts {
    fn from(error: ApiError) -> Self {
        let text = |t: &str| Some(Detail::Text(t.to_string()));
        match error {
            ApiError::Request(RequestError::NotAllowed { param, allowed }) => {
                let name =
                    if param.contains('-') { format!("['{param}']") } else { format!(".{param}") };
                let detail = format!(
                    "data.params{name} should be equal to one of the allowed values: [{}]",
                    allowed.join(", ")
                );
                ProblemParts::new(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    Some("Invalid parameters"),
                    Some(Detail::Text(detail)),
                )
            }
            ApiError::Request(RequestError::Invalid(detail)) => {
                ProblemParts::new(StatusCode::BAD_REQUEST, "invalid_request", None, Some(detail))
            }
            ApiError::Request(RequestError::NoData) => ProblemParts::new(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Not found."),
                text(NOT_FOUND_DETAIL),
            ),
            ApiError::Request(RequestError::InvalidStoredData(detail)) => {
                ProblemParts::new(StatusCode::INTERNAL_SERVER_ERROR, "error", None, text(detail))
            }
            ApiError::BadPathEncoding => ProblemParts::new(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                None,
                text("A path segment is not valid percent-encoded UTF-8."),
            ),
            ApiError::RouteNotFound => ProblemParts::new(
                StatusCode::NOT_FOUND,
                "not_found#route",
                Some("Not found."),
                None,
            ),
            ApiError::RateLimited => ProblemParts::new(
                StatusCode::TOO_MANY_REQUESTS,
                "request_rate_exceeded",
                Some("HyperSwitch request rate limit exceeded"),
                None,
            ),
            ApiError::Overloaded => ProblemParts::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                Some("Service unavailable"),
                text("Too many requests are waiting for the data store; retry in a moment."),
            )
            .retry_after(1),
            ApiError::Timeout(limit) => ProblemParts::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "service_unavailable",
                Some("Service unavailable"),
                Some(Detail::Text(format!(
                    "The request took longer than {} ms; retry in a moment.",
                    limit.as_millis()
                ))),
            )
            .retry_after(1),
            ApiError::Store(e) => {
                tracing::error!(error = %e, "store read failed");
                ProblemParts::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    None,
                    text("Internal error while reading the data store."),
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        ProblemParts::from(self).into_pending_response()
    }
}

/// Writes the AQS problem body of an error response, with the request's method and path;
/// other responses pass as they are.
pub fn render_pending(response: Response, method: &Method, uri: &Uri) -> Response {
    let Some(parts) = response.extensions().get::<ProblemParts>() else { return response };
    let mut rendered = parts.render(method, uri);
    // Headers set on the pending answer (`retry-after` of a 429) are kept.
    for (name, value) in response.headers() {
        if !rendered.headers().contains_key(name) && name != header::CONTENT_LENGTH {
            rendered.headers_mut().insert(name.clone(), value.clone());
        }
    }
    rendered
}

/// The route-level 404 (no route matches, or a method a route does not serve).
pub async fn route_not_found() -> ApiError {
    ApiError::RouteNotFound
}
