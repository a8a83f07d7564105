//! Errors as HTTP responses: one table from error kind to status, and the AQS 1.0 problem
//! body (api-contract §1.7): keys `type`, `title`, `method`, `detail`, `uri` in that order,
//! absent keys omitted, `uri` the path AQS itself would have seen.
//!
//! Which error belongs where: [`aqs_core::RequestError`] comes from validation and "no data";
//! [`aqs_core::StoreError`] from backends, answered as a 500 that hides its text (it is logged
//! once, here).

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

fn problem(
    status: StatusCode,
    kind: &str,
    title: Option<&str>,
    detail: Option<DetailJson<'_>>,
    method: &Method,
    uri: &Uri,
) -> Response {
    let method = method.as_str().to_ascii_lowercase();
    let uri = internal_uri(uri);
    let body =
        Problem { kind: format!("{TYPE_PREFIX}{kind}"), title, method: &method, detail, uri: &uri };
    let bytes = serde_json::to_vec(&body).unwrap_or_default();
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(ERROR_CACHE_CONTROL));
    response
}

impl ApiError {
    /// The response for this error to a request of `method` on `uri`.
    pub fn into_response_for(self, method: &Method, uri: &Uri) -> Response {
        match self {
            ApiError::Request(RequestError::NotAllowed { param, allowed }) => {
                let name =
                    if param.contains('-') { format!("['{param}']") } else { format!(".{param}") };
                let detail = format!(
                    "data.params{name} should be equal to one of the allowed values: [{}]",
                    allowed.join(", ")
                );
                problem(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    Some("Invalid parameters"),
                    Some(DetailJson::Text(&detail)),
                    method,
                    uri,
                )
            }
            ApiError::Request(RequestError::Invalid(detail)) => {
                let detail = match &detail {
                    Detail::Text(t) => DetailJson::Text(t),
                    Detail::List(l) => DetailJson::List(l),
                };
                problem(StatusCode::BAD_REQUEST, "invalid_request", None, Some(detail), method, uri)
            }
            ApiError::Request(RequestError::NoData) => problem(
                StatusCode::NOT_FOUND,
                "not_found",
                Some("Not found."),
                Some(DetailJson::Text(NOT_FOUND_DETAIL)),
                method,
                uri,
            ),
            ApiError::Request(RequestError::InvalidStoredData(text)) => problem(
                StatusCode::INTERNAL_SERVER_ERROR,
                "error",
                None,
                Some(DetailJson::Text(text)),
                method,
                uri,
            ),
            ApiError::BadPathEncoding => {
                let detail = "A path segment is not valid percent-encoded UTF-8.";
                problem(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    None,
                    Some(DetailJson::Text(detail)),
                    method,
                    uri,
                )
            }
            ApiError::Store(e) => {
                tracing::error!(error = %e, uri = %uri, "store read failed");
                let detail = "Internal error while reading the data store.";
                problem(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    None,
                    Some(DetailJson::Text(detail)),
                    method,
                    uri,
                )
            }
        }
    }
}

/// The route-level 404 (no route matches, or a method a route does not serve).
pub async fn route_not_found(method: Method, uri: Uri) -> Response {
    problem(StatusCode::NOT_FOUND, "not_found#route", Some("Not found."), None, &method, &uri)
}
