//! `GET /` and `GET /docs`: the API reference for people, made from the route table (as the
//! OpenAPI document is): every route with its summary, rate limit, parameters (enums as
//! choices), example, and a "try it" form that sends the request from the browser and shows
//! the status, headers and JSON (`assets/docs.js`). `/docs?try=NAME` runs route NAME's example
//! on load: a link that shows an answer.

use super::shell;
use crate::openapi::escape;
use crate::routes::{Param, RouteSpec};
use axum::response::Response;

/// Escaped text with its `code` spans (markdown backticks) as `<code>` elements.
pub(crate) fn inline_code(text: &str) -> String {
    let mut out = String::new();
    for (i, part) in escape(text).split('`').enumerate() {
        match i % 2 {
            1 => out.push_str(&format!("<code>{part}</code>")),
            _ => out.push_str(part),
        }
    }
    out
}

/// The example's value of each `{param}` segment of `template` (percent-decoded).
fn example_values(template: &str, example: &str) -> Vec<(String, String)> {
    let path = example.split('?').next().unwrap_or("");
    template
        .split('/')
        .zip(path.split('/'))
        .filter_map(|(t, e)| {
            let name = t.strip_prefix('{')?.strip_suffix('}')?;
            let value = percent_encoding::percent_decode_str(e).decode_utf8_lossy().into_owned();
            Some((name.to_string(), value))
        })
        .collect()
}

/// One parameter's row of a try-it form: its name, description and a field holding `value`.
fn field(param: &Param, value: &str) -> String {
    let input = match param.allowed {
        Some(values) => {
            let options: String = values
                .iter()
                .map(|v| {
                    let chosen = if *v == value { " selected" } else { "" };
                    format!("<option{chosen}>{v}</option>")
                })
                .collect();
            format!("<select name=\"{}\">{options}</select>", param.name)
        }
        None => format!("<input name=\"{}\" value=\"{}\">", param.name, escape(value)),
    };
    format!(
        "<tr><th><label>{name}</label></th><td>{input}</td><td>{description}</td></tr>",
        name = param.name,
        description = inline_code(param.description),
    )
}

/// A route's section: heading, summary, template, parameters and the try-it form.
fn section(
    name: &str,
    summary: &str,
    limit: u32,
    template: &str,
    rows: &str,
    example: &str,
) -> String {
    format!(
        "<section class=\"route\" id=\"{name}\">\n<h2>{name}</h2>\n<p>{summary}. Default limit: {limit} requests/s per client.</p>\n\
<pre>GET {path}</pre>\n\
<form class=\"try\" data-template=\"{path}\" data-route=\"{name}\"><table class=\"params\">{rows}</table>\n\
<p><button type=\"submit\">Try it</button> Example: <a href=\"{example}\">{example_text}</a></p></form>\n\
<div class=\"result\" hidden><p class=\"answer-status\"></p><pre class=\"answer-headers\"></pre><pre class=\"answer-body\"></pre></div>\n</section>\n",
        path = escape(template),
        example = escape(example),
        example_text = escape(example),
    )
}

fn route_section(route: &RouteSpec) -> String {
    route_section_at(route, "/metrics", route.name, &inline_code(route.summary))
}

/// The zero-filled variants' sections (`crate::ext::filled`).
fn zero_filled_sections() -> String {
    let prefix = crate::ext::filled::PREFIX;
    crate::routes::all()
        .filter(|r| crate::ext::filled::has_variant(r))
        .map(|route| {
            let name = format!("zero-filled/{}", route.name);
            let summary = format!(
                "{}, zero-filled: an item for every period of the range, 0 where it is loaded without a row, <code>null</code> where it is not loaded",
                inline_code(route.summary)
            );
            route_section_at(route, prefix, &name, &summary)
        })
        .collect()
}

/// A route's section with its template under `prefix`.
fn route_section_at(route: &RouteSpec, prefix: &str, name: &str, summary: &str) -> String {
    let template = format!("{prefix}{}", route.path);
    let example = format!("{prefix}{}", route.example);
    let values = example_values(&template, &example);
    let rows: String = route
        .params
        .iter()
        .map(|p| {
            let value = values.iter().find(|(n, _)| n == p.name).map_or("", |(_, v)| v.as_str());
            field(p, value)
        })
        .collect();
    let limit = crate::routes::default_limit(route.name);
    section(name, summary, limit, &template, &rows, &example)
}

/// The extensions' sections (docs/extensions.md).
fn extension_sections() -> String {
    use crate::routes::{ACCESS, AGENT, DAILY_OR_MONTHLY, PROJECT};
    const START: Param =
        Param { name: "start", description: "The first day, YYYYMMDD", allowed: None };
    const END: Param = Param { name: "end", description: "The last day, YYYYMMDD", allowed: None };
    const ARTICLES: Param = Param {
        name: "articles",
        description: "Up to 1,000 titles separated by `|`",
        allowed: None,
    };
    let params = [&PROJECT, &ACCESS, &AGENT, &DAILY_OR_MONTHLY, &START, &END, &ARTICLES];
    let values =
        ["en.wikipedia", "all-access", "user", "daily", "19700101", "19700101", "-|Main_Page"];
    let rows: String = params.iter().zip(values).map(|(p, v)| field(p, v)).collect();
    let template = "/ext/v1/pageviews/per-article/{project}/{access}/{agent}/{granularity}/{start}/{end}?articles={articles}";
    let example = "/ext/v1/pageviews/per-article/en.wikipedia/all-access/user/daily/19700101/19700101?articles=-|Main_Page";
    let summary = "Pageviews of up to 1,000 articles in one request, zero-filled: a loaded day without views is 0, a day not loaded is null; a 404 names its <code>reason</code> (docs/extensions.md)";
    let many = section(
        crate::ext::PER_ARTICLE,
        summary,
        crate::routes::default_limit(crate::ext::PER_ARTICLE),
        template,
        &rows,
        example,
    );
    const YEAR: Param = Param { name: "year", description: "YYYY", allowed: None };
    let params = [&PROJECT, &ACCESS, &YEAR];
    let rows: String = params
        .iter()
        .zip(["en.wikipedia", "all-access", "1970"])
        .map(|(p, v)| field(p, v))
        .collect();
    let summary = "A year's most viewed articles (user views), summed from the stored days of the year's months that have a top list; <code>complete</code> says whether the whole list is certain or only its head (docs/extensions.md)";
    let yearly = section(
        crate::ext::YEAR_TOP,
        summary,
        crate::routes::default_limit(crate::ext::YEAR_TOP),
        "/ext/v1/pageviews/top/{project}/{access}/{year}",
        &rows,
        "/ext/v1/pageviews/top/en.wikipedia/all-access/1970",
    );
    const REFERER: Param = Param {
        name: "referer",
        description: "all-referers, internal, external or unknown",
        allowed: None,
    };
    const MEDIA_TYPE: Param = Param {
        name: "media_type",
        description: "all-media-types, image, video, audio, document or other",
        allowed: None,
    };
    let params = [&REFERER, &MEDIA_TYPE, &YEAR];
    let rows: String = params
        .iter()
        .zip(["all-referers", "all-media-types", "1970"])
        .map(|(p, v)| field(p, v))
        .collect();
    let summary = "A year's most requested media files (user requests), summed from the stored days of the year's months that have a top list; <code>complete</code> as above (docs/extensions.md)";
    let files = section(
        crate::ext::YEAR_TOP_FILES,
        summary,
        crate::routes::default_limit(crate::ext::YEAR_TOP_FILES),
        "/ext/v1/mediarequests/top/{referer}/{media_type}/{year}",
        &rows,
        "/ext/v1/mediarequests/top/all-referers/all-media-types/1970",
    );
    const AGENT_MEDIA: Param =
        Param { name: "agent", description: "all-agents, user or spider", allowed: None };
    const FILES: Param = Param {
        name: "files",
        description: "Up to 100 upload paths separated by `|`",
        allowed: None,
    };
    let params = [&REFERER, &AGENT_MEDIA, &DAILY_OR_MONTHLY, &START, &END, &FILES];
    let values = ["all-referers", "all-agents", "daily", "19700101", "19700101", "-"];
    let rows: String = params.iter().zip(values).map(|(p, v)| field(p, v)).collect();
    let summary = "Requests of up to 100 media files in one request, zero-filled: a loaded day without requests is 0, a day not loaded is null (docs/extensions.md)";
    let many_files = section(
        crate::ext::PER_FILE,
        summary,
        crate::routes::default_limit(crate::ext::PER_FILE),
        "/ext/v1/mediarequests/per-file/{referer}/{agent}/{granularity}/{start}/{end}?files={files}",
        &rows,
        "/ext/v1/mediarequests/per-file/all-referers/all-agents/daily/19700101/19700101?files=-",
    );
    many + &many_files + &yearly + &files
}

pub fn page() -> Response {
    // The table of contents: the routes by family (their first segment), in route order.
    let mut families: Vec<(&str, Vec<&str>)> = Vec::new();
    for route in crate::routes::all() {
        let first = route.name.split('/').next().unwrap_or("");
        match families.iter_mut().find(|(f, _)| *f == first) {
            Some((_, names)) => names.push(route.name),
            None => families.push((first, vec![route.name])),
        }
    }
    let filled: Vec<String> = crate::routes::all()
        .filter(|r| crate::ext::filled::has_variant(r))
        .map(|r| format!("zero-filled/{}", r.name))
        .collect();
    let mut extensions = vec![
        crate::ext::PER_ARTICLE,
        crate::ext::PER_FILE,
        crate::ext::YEAR_TOP,
        crate::ext::YEAR_TOP_FILES,
    ];
    extensions.extend(filled.iter().map(String::as_str));
    families.push(("extensions", extensions));
    let mut contents = String::new();
    for (family, names) in families {
        let links: Vec<String> =
            names.iter().map(|n| format!("<a href=\"#{n}\">{n}</a>")).collect();
        contents.push_str(&format!("<li><strong>{family}</strong>: {}</li>\n", links.join(", ")));
    }
    let sections: String = crate::routes::all().map(route_section).collect();
    let body = format!(
        "<h1>aqs: Analytics Query Service</h1>\n\
<p>Wikimedia's public metrics API. Every route is served under <code>/metrics</code> and <code>/api/rest_v1/metrics</code>. \
Machine-readable: <a href=\"/openapi.json\">/openapi.json</a> (OpenAPI 3). Health: <a href=\"/healthz\">/healthz</a>. \
Metrics: <a href=\"/metrics\">/metrics</a>. Charts of what this server holds: <a href=\"/ui/\">/ui/</a>. \
API feature usage: <a href=\"/feature-usage/\">/feature-usage/</a>.</p>\n\
<p>Errors are <code>application/problem+json</code> with <code>type</code>, <code>title</code>, <code>method</code>, \
<code>detail</code>, <code>uri</code>. Data answers carry an <code>etag</code>; send it back in <code>If-None-Match</code> for a 304. \
Each route below has a form: change the parameters and press <em>Try it</em> to see the answer, its status and headers. \
The examples read the synthetic 1970-01-01 rows of <code>aqs add-probe-rows</code>.</p>\n\
<p>Beyond the original routes, under <code>/ext/v1/</code> (their 404s name a <code>reason</code>: \
<code>project-unknown</code>, <code>article-unknown</code> or <code>range-not-loaded</code>):</p>\n\
<ul>\n\
<li><code>GET /ext/v1/pageviews/per-article/{{project}}/{{access}}/{{agent}}/{{granularity}}/{{start}}/{{end}}?articles=A|B</code>: \
up to 1,000 articles in one request, zero-filled;</li>\n\
<li><code>GET /ext/v1/mediarequests/per-file/{{referer}}/{{agent}}/{{granularity}}/{{start}}/{{end}}?files=A|B</code>: \
up to 100 media files in one request, zero-filled;</li>\n\
<li><code>GET /ext/v1/pageviews/top/{{project}}/{{access}}/{{year}}</code> and \
<code>GET /ext/v1/mediarequests/top/{{referer}}/{{media_type}}/{{year}}</code>: a year's top articles and files, \
summed from the stored days;</li>\n\
<li>the zero-filled variant of each time series: replace <code>/metrics</code> with <code>/ext/v1/zero-filled</code> \
to get an item for every period of the range, 0 where it is loaded without a row and <code>null</code> where it is \
not loaded.</li>\n\
</ul>\n\
<nav class=\"toc\"><ul>\n{contents}</ul></nav>\n{sections}{extensions}",
        extensions = extension_sections() + &zero_filled_sections(),
    );
    shell("API reference", "/", &body, &["docs.js"])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_docs_page_renders_code_spans_and_example_values() {
        assert_eq!(inline_code("a `b<c` d `e`"), "a <code>b&lt;c</code> d <code>e</code>");
        let values = example_values("/metrics/a/{x}/{y}", "/metrics/a/AC%2FDC/2?q=1");
        assert_eq!(values, [("x".to_string(), "AC/DC".to_string()), ("y".into(), "2".into())]);
    }
}
