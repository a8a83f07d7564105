//! `GET /metrics/knowledge-gap/per-category/{project}/{content_gap}/{category}/{start}/{end}`
//! (api-contract §2.16): the family's one route. Items are the stored rows, one per month and
//! metric: `{"dt","project","content_gap","category","metric","value"}`, the value a number
//! written as JavaScript writes it (`200`, `0.5`, `1e+21`).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::headers;
use crate::routes::{Param, RouteSpec};
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::dates::Period;
use aqs_core::knowledge_gap::{GAPS, KnowledgeGapParams, KnowledgeGapRequest, dt};
use aqs_core::table::Dataset;
use axum::extract::State;
use axum::handler::Handler;
use axum::response::Response;

/// The family's routes.
pub(crate) const ROUTES: &[RouteSpec] = &[RouteSpec {
    name: "knowledge-gap/per-category",
    path: "/knowledge-gap/per-category/{project}/{content_gap}/{category}/{start}/{end}",
    summary: "Knowledge gap metrics of a content gap category, monthly (the start month is left out, as in the original)",
    dataset: Dataset::KnowledgeGap,
    params: &[
        Param {
            name: "project",
            description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`",
            allowed: None,
        },
        Param {
            name: "content_gap",
            description: "The content gap: `gender`, `time`, `multimedia_illustration`, `geography_cultural_region`, `geography_wmf_region`, `geography_continent`, `geography_country`",
            allowed: None,
        },
        Param {
            name: "category",
            description: "A category of the content gap, as stored (`all-categories` holds the totals)",
            allowed: None,
        },
        Param {
            name: "start",
            description: "YYYYMM01: months after this day are returned (its own month is not)",
            allowed: None,
        },
        Param { name: "end", description: "YYYYMM01: the last month returned", allowed: None },
    ],
    example: "/knowledge-gap/per-category/en.wikipedia/gender/all-categories/19691201/19700101",
    example_expects: &[("dt", "\"19700101\""), ("metric", "\"article_count\""), ("value", "0")],
    handler: |req, state| handle.call(req, state),
}];

/// A JSON string.
fn string(out: &mut Vec<u8>, value: &str) {
    // Writing a &str to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// A number as JavaScript's `JSON.stringify` writes it (`null` when not finite).
fn number(out: &mut Vec<u8>, value: f64) {
    if value.is_finite() {
        out.extend_from_slice(ryu_js::Buffer::new().format_finite(value).as_bytes());
    } else {
        out.extend_from_slice(b"null");
    }
}

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<5>,
) -> Result<Response, ApiError> {
    let request = KnowledgeGapRequest::parse(KnowledgeGapParams {
        project: &s[0],
        content_gap: &s[1],
        category: &s[2],
        start: &s[3],
        end: &s[4],
    })?;
    let Some((first, last)) = request.periods() else { return Err(RequestError::NoData.into()) };
    let tables = state.tables.clone();
    let key = [
        request.project.as_str().to_string(),
        request.content_gap.clone(),
        request.category.clone(),
    ];
    let rows = read(&state, move || {
        tables.series(&GAPS, &[key[0].as_str(), key[1].as_str(), key[2].as_str()], first, last)
    })
    .await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    // The fields after `dt`, the same in every item.
    let mut shared = Vec::new();
    for (k, v) in [
        ("project", request.project.as_str()),
        ("content_gap", &request.content_gap),
        ("category", &request.category),
    ] {
        shared.extend_from_slice(b",\"");
        shared.extend_from_slice(k.as_bytes());
        shared.extend_from_slice(b"\":");
        string(&mut shared, v);
    }
    let mut out = b"{\"items\":[".to_vec();
    for (i, row) in rows.iter().enumerate() {
        let Period::Month(month) = row.period else { continue };
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"dt\":\"");
        out.extend_from_slice(dt(month).as_bytes());
        out.push(b'"');
        out.extend_from_slice(&shared);
        out.extend_from_slice(b",\"metric\":");
        string(&mut out, &row.sub);
        out.extend_from_slice(b",\"value\":");
        number(&mut out, row.values.f64(0));
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(headers::json_body(out))
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        let write = |v: f64| {
            let mut out = Vec::new();
            number(&mut out, v);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(write(200.0), "200");
        assert_eq!(write(0.5), "0.5");
        assert_eq!(write(-0.0), "0");
        assert_eq!(write(1e21), "1e+21");
        assert_eq!(write(1.5e-7), "1.5e-7");
        assert_eq!(write(123456789.125), "123456789.125");
        assert_eq!(write(f64::NAN), "null");
        assert_eq!(write(f64::INFINITY), "null");
    }
}
