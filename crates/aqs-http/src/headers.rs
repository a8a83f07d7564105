//! Response headers of the original service (api-contract §1.8).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::LazyLock;

pub const DATA_CACHE_CONTROL: &str = "s-maxage=14400, max-age=14400";
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// Added to every response: success, error and `OPTIONS`.
const COMMON: [(&str, &str); 11] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-methods", "GET,HEAD"),
    (
        "access-control-allow-headers",
        "accept, content-type, content-length, cache-control, accept-language, api-user-agent, if-match, if-modified-since, if-none-match, dnt, accept-encoding",
    ),
    ("access-control-expose-headers", "etag"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "SAMEORIGIN"),
    ("referrer-policy", "origin-when-cross-origin"),
    ("x-xss-protection", "1; mode=block"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("x-content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("x-webkit-csp", "default-src 'none'; frame-ancestors 'none'"),
];

/// Adds `COMMON`. The names are parsed once (`HeaderName::from_static` looks every name up
/// in the table of standard headers), and the map grows once.
pub fn add_common_headers(headers: &mut HeaderMap) {
    static PARSED: LazyLock<Vec<(HeaderName, HeaderValue)>> = LazyLock::new(|| {
        COMMON
            .iter()
            .map(|(name, value)| (HeaderName::from_static(name), HeaderValue::from_static(value)))
            .collect()
    });
    // A page that sets its own content security policy (one that loads its script and style)
    // keeps it; looked up once, not per header.
    let own_policy = headers.contains_key(header::CONTENT_SECURITY_POLICY);
    headers.reserve(COMMON.len());
    for (name, value) in PARSED.iter() {
        if own_policy && name == header::CONTENT_SECURITY_POLICY {
            continue;
        }
        headers.insert(name.clone(), value.clone());
    }
}

/// When the request's `If-None-Match` (of a `GET` or `HEAD`) names the answer's ETag: a 304
/// with the ETag and caching headers and no body (RFC 9110 §13.1.2: weak comparison).
/// Otherwise the answer as it is.
pub fn not_modified(response: Response, if_none_match: Option<&HeaderValue>) -> Response {
    let Some(wanted) = if_none_match else { return response };
    let Some(etag) =
        response.headers().get(header::ETAG).filter(|_| response.status() == StatusCode::OK)
    else {
        return response;
    };
    if !etag_matches(wanted, etag) {
        return response;
    }
    let mut answer = StatusCode::NOT_MODIFIED.into_response();
    for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
        if let Some(value) = response.headers().get(&name) {
            answer.headers_mut().insert(name, value.clone());
        }
    }
    answer
}

/// Whether an `If-None-Match` value names `etag` (or is `*`), ignoring weakness.
pub fn etag_matches(if_none_match: &HeaderValue, etag: &HeaderValue) -> bool {
    let Ok(wanted) = if_none_match.to_str() else { return false };
    let strip = |tag: &str| {
        let tag = tag.trim();
        tag.strip_prefix("W/").unwrap_or(tag).to_string()
    };
    let etag = strip(etag.to_str().unwrap_or(""));
    wanted.trim() == "*" || wanted.split(',').any(|tag| strip(tag) == etag)
}

/// A strong ETag: the SHA-1 of the body bytes, quoted lower-case hex. (The `sha1` crate uses
/// the CPU's SHA instructions when it has them; hashing was a tenth of the serving time.)
pub fn etag(body: &[u8]) -> HeaderValue {
    use sha1::Digest;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = sha1::Sha1::digest(body);
    let mut text = Vec::with_capacity(42);
    text.push(b'"');
    for byte in digest.iter() {
        text.push(HEX[usize::from(byte >> 4)]);
        text.push(HEX[usize::from(byte & 15)]);
    }
    text.push(b'"');
    HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// A data response: `{"items": [...]}` with the cache and content headers of the original.
pub fn items<T: Serialize>(items: &[T]) -> Response {
    #[derive(Serialize)]
    struct Items<'a, T> {
        items: &'a [T],
    }
    match serde_json::to_vec(&Items { items }) {
        Ok(body) => json_body(body),
        Err(e) => {
            tracing::error!(error = %e, "response serialization failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// A data response from an already serialized JSON body.
pub fn json_body(body: Vec<u8>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_CONTENT_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(DATA_CACHE_CONTROL));
    headers.insert(header::ETAG, etag(&body));
    (headers, Body::from(Bytes::from(body))).into_response()
}

/// The headers of a data answer from the cache, with room for every header it ends up with
/// (its own, `content-encoding`, `vary`, the request id and the common ones), so that the map
/// is allocated once rather than grown twice on the way out.
pub fn answer_headers(response: &mut Response) -> &mut HeaderMap {
    let headers = response.headers_mut();
    *headers = HeaderMap::with_capacity(COMMON.len() + 8);
    headers
}

/// A static asset of a page (script, style), cacheable for five minutes.
pub fn static_asset(body: &'static str, content_type: &'static str) -> Response {
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("max-age=300"));
    response
}
