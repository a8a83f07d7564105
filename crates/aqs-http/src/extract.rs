//! [`PathParams`]: a route's path parameters, split once from the raw path.

use crate::error::ApiError;
use crate::routes::MatchedRoute;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// The path parameters of a route, in route order: the raw path's segments after the API
/// prefix and the route's fixed leading segments (`pageviews/per-article`, `unique-devices`,
/// `legacy/pagecounts/aggregate`), each percent-decoded once. The pipeline finds the route
/// once ([`crate::routes::route_of`], kept in the request as a [`MatchedRoute`]) from its
/// fixed part only (axum's captures cost an allocation or two per parameter on every
/// request); splitting the raw path here keeps `%2F` inside its segment, as matching on the
/// raw path did. A path with another number of segments is the route 404; a segment that
/// does not decode to UTF-8 is refused with the AQS error body; an empty segment (`//`)
/// matches no route of the original, so it is the route 404 too.
pub struct PathParams<const N: usize>(pub [String; N]);

impl<S: Send + Sync, const N: usize> FromRequestParts<S> for PathParams<N> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let route = match parts.extensions.get::<MatchedRoute>() {
            Some(MatchedRoute(route)) => *route,
            None => crate::routes::route_of(path).ok_or(ApiError::RouteNotFound)?,
        };
        let rest = crate::routes::strip_prefix(path).ok_or(ApiError::RouteNotFound)?;
        let mut raw = rest[1..].split('/').skip(route.fixed_segments());
        let mut segments: [&str; N] = [""; N];
        for slot in &mut segments {
            *slot = raw.next().ok_or(ApiError::RouteNotFound)?;
        }
        if raw.next().is_some() {
            return Err(ApiError::RouteNotFound);
        }
        let mut decoded: [String; N] = std::array::from_fn(|_| String::new());
        for (slot, segment) in decoded.iter_mut().zip(segments) {
            let text = percent_encoding::percent_decode_str(segment)
                .decode_utf8()
                .map_err(|_| ApiError::BadPathEncoding)?;
            *slot = text.into_owned();
        }
        if segments.iter().any(|s| s.is_empty()) {
            return Err(ApiError::RouteNotFound);
        }
        Ok(PathParams(decoded))
    }
}

/// The decoded name-value pairs of a query string (`+` is a space, as in forms).
pub(crate) fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s).decode_utf8_lossy().into_owned()
    };
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (decode(name), decode(value))
        })
        .collect()
}
