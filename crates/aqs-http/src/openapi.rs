//! The OpenAPI 3 document and the docs page, both made from the route table
//! ([`crate::routes::all`]): paths, parameters with their enums, the error model, and an
//! example request (`x-amples`, as in the original's spec) for every route.

use crate::routes::RouteSpec;
use serde_json::{Value, json};

/// The OpenAPI 3 document of the API.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for route in crate::routes::all() {
        paths.insert(format!("/metrics{}", route.path), json!({ "get": operation(route) }));
    }
    paths.extend(crate::feature_usage::openapi_paths());
    paths.extend(crate::ext::openapi_paths());
    let problem = json!({
        "type": "object",
        "description": "An error (api-contract §1.7): keys in this order, absent ones omitted",
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "method": { "type": "string" },
            "detail": { "oneOf": [{ "type": "string" }, { "type": "array", "items": { "type": "string" } }] },
            "uri": { "type": "string" }
        },
        "required": ["type", "method", "uri"]
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "aqs: Analytics Query Service",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Wikimedia's public metrics API (the /metrics routes of https://wikimedia.org/api/rest_v1/), served by aqs. Every route is also served under /api/rest_v1/metrics.",
            "license": { "name": "Apache-2.0" }
        },
        "servers": [{ "url": "/" }, { "url": "/api/rest_v1" }],
        "paths": paths,
        "components": { "schemas": { "Problem": problem } }
    })
}

fn operation(route: &RouteSpec) -> Value {
    let parameters: Vec<Value> = route
        .params
        .iter()
        .map(|p| {
            let mut schema = json!({ "type": "string" });
            if let Some(allowed) = p.allowed {
                schema["enum"] = json!(allowed);
            }
            json!({
                "name": p.name,
                "in": "path",
                "required": true,
                "description": p.description,
                "schema": schema,
            })
        })
        .collect();
    let problem = json!({
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    });
    let error = |description: &str| {
        let mut e = problem.clone();
        e["description"] = json!(description);
        e
    };
    json!({
        "operationId": route.name.replace(['/', '-'], "_"),
        "summary": route.summary,
        "tags": [route.name.split('/').next().unwrap_or(route.name)],
        "parameters": parameters,
        "responses": {
            "200": {
                "description": "The data: `{\"items\": [...]}`",
                "headers": {
                    "etag": { "schema": { "type": "string" } },
                    "cache-control": { "schema": { "type": "string" }, "example": crate::headers::DATA_CACHE_CONTROL }
                },
                "content": { "application/json": {
                    "schema": { "type": "object", "properties": { "items": { "type": "array", "items": { "type": "object" } } } },
                    "example": example_body(route)
                } }
            },
            "304": { "description": "Not modified: the `If-None-Match` ETag is current" },
            "400": error("Invalid parameters"),
            "404": error("No data for these parameters"),
            "429": error("Over the rate limit of this route and client; see `retry-after`"),
            "503": error("Overloaded or timed out; see `retry-after`")
        },
        "x-amples": [{
            "title": format!("Get {}", route.summary.to_lowercase()),
            "request": { "path": format!("/metrics{}", route.example) },
            "response": { "status": 200, "headers": { "content-type": "application/json" } }
        }],
        "x-example-request": format!("/metrics{}", route.example),
    })
}

/// The operation of a route's zero-filled variant (`crate::ext::filled`), at
/// `/ext/v1/zero-filled` + the route's path.
pub(crate) fn zero_filled_operation(route: &RouteSpec) -> Value {
    let prefix = crate::ext::filled::PREFIX;
    let mut op = operation(route);
    op["operationId"] = json!(format!("zero_filled_{}", route.name.replace(['/', '-'], "_")));
    op["summary"] = json!(format!(
        "Zero-filled: {} Every period of the range has an item: 0 where it is loaded without a row, null where it is not loaded (docs/extensions.md)",
        route.summary
    ));
    op["tags"] = json!(["extensions"]);
    op["responses"]["404"]["description"] = json!(
        "Nothing to answer; `reason` says why: project-unknown, article-unknown (an article or a file), range-not-loaded"
    );
    let example = format!("{prefix}{}", route.example);
    op["x-amples"][0]["request"]["path"] = json!(example);
    op["x-example-request"] = json!(example);
    op
}

/// The fields `aqs check` expects in the example's first item, as a JSON object.
fn example_body(route: &RouteSpec) -> Value {
    let mut item = serde_json::Map::new();
    for (field, value) in route.example_expects {
        item.insert((*field).to_string(), serde_json::from_str(value).unwrap_or(Value::Null));
    }
    json!({ "items": [item] })
}

/// Text for HTML, in element content or a quoted attribute value.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
