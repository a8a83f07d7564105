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

/// The fields `aqs check` expects in the example's first item, as a JSON object.
fn example_body(route: &RouteSpec) -> Value {
    let mut item = serde_json::Map::new();
    for (field, value) in route.example_expects {
        item.insert((*field).to_string(), serde_json::from_str(value).unwrap_or(Value::Null));
    }
    json!({ "items": [item] })
}

/// The human-readable page served at `/`.
pub fn docs_page() -> String {
    let mut rows = String::new();
    for route in crate::routes::all() {
        let params: Vec<String> = route
            .params
            .iter()
            .map(|p| match p.allowed {
                Some(values) => format!("<code>{}</code>: {}", p.name, values.join(", ")),
                None => format!("<code>{}</code>: {}", p.name, inline_code(p.description)),
            })
            .collect();
        rows.push_str(&format!(
            "<h2>{name}</h2>\n<p>{summary}. Default limit: {limit} requests/s per client.</p>\n<pre>GET /metrics{path}</pre>\n<ul>\n<li>{params}</li>\n</ul>\n<p>Example: <a href=\"/metrics{example}\">/metrics{example}</a></p>\n",
            name = route.name,
            summary = inline_code(route.summary),
            limit = crate::routes::default_limit(route.name),
            path = escape(route.path),
            params = params.join("</li>\n<li>"),
            example = route.example,
        ));
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>aqs: Analytics Query Service</title></head>\n<body>\n<h1>aqs: Analytics Query Service</h1>\n<p>Wikimedia's public metrics API. Every route is served under <code>/metrics</code> and <code>/api/rest_v1/metrics</code>. Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3). Health: <a href=\"/healthz\">/healthz</a>. Metrics: <a href=\"/metrics\">/metrics</a>.</p>\n<p>Charts of what this server holds: <a href=\"/ui/\">/ui/</a>. Beyond the original routes, under <code>/ext/v1/</code>: <code>GET /ext/v1/pageviews/per-article/{{project}}/{{access}}/{{agent}}/{{granularity}}/{{start}}/{{end}}?articles=A|B</code>, up to 1,000 articles in one request, zero-filled (a loaded day without views is 0, a day not loaded is null; a 404 names its <code>reason</code>: <code>project-unknown</code>, <code>article-unknown</code> or <code>range-not-loaded</code>).</p>\n<p>Errors are <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>method</code>, <code>detail</code>, <code>uri</code>. Data answers carry an <code>etag</code>; send it back in <code>If-None-Match</code> for a 304.</p>\n{rows}</body></html>\n"
    )
}

/// Text for HTML, in element content or a quoted attribute value.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Escaped text with its `code` spans (markdown backticks) as `<code>` elements.
fn inline_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        match i % 2 {
            1 => out.push_str(&format!("<code>{part}</code>")),
            _ => out.push_str(part),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_page_renders_code_spans() {
        assert_eq!(inline_code("a `b<c` d `e`"), "a <code>b&lt;c</code> d <code>e</code>");
        let page = docs_page();
        assert!(!page.contains('`'), "no markdown left on the page");
        assert!(page.contains("<code>en.wikipedia.org</code>"));
        assert!(page.contains("<code>all-wikipedia-projects</code>"));
    }
}
