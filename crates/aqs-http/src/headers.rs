//! Response headers of the original service (api-contract §1.8).

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

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

pub async fn add_common_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    for (name, value) in COMMON {
        headers.insert(HeaderName::from_static(name), HeaderValue::from_static(value));
    }
    response
}

/// `OPTIONS` on any path answers 200 with an empty body (and the common headers).
pub async fn answer_options(request: Request) -> Result<Request, Response> {
    if request.method() == Method::OPTIONS {
        return Err(StatusCode::OK.into_response());
    }
    Ok(request)
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
