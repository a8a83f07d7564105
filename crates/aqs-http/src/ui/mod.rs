//! Pages for people under `/ui/` (docs/ui.md): charts of what the server holds, drawn in the
//! browser from the API (the extensions of `crate::ext` where they spare requests), served by
//! `aqs` itself with their script and style: no CDN, no other host, no inline code.
//!
//! - `/` and `/docs`: the API reference with a try-it form per route ([`docs`]);
//! - `/ui/`: the pages, and whether their data is loaded;
//! - `/ui/pageviews`: pageviews of up to 10 articles ([`pageviews`]);
//! - `/ui/topviews`: the top articles of a day or a month ([`topviews`]);
//! - `/ui/siteviews`: projects' pageviews or unique devices compared ([`siteviews`]);
//! - `/ui/mediaviews`: requests of media files ([`mediaviews`]);
//! - `/ui/edits`: a project's edits, editors, new pages and new users ([`edits`]).

pub mod docs;
mod edits;
mod mediaviews;
mod pageviews;
mod siteviews;
mod topviews;

use crate::AppState;
use crate::headers::static_asset;
use crate::openapi::escape;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

const COMMON_JS: &str = include_str!("assets/common.js");
const CHART_JS: &str = include_str!("assets/chart.js");
const PAGEVIEWS_JS: &str = include_str!("assets/pageviews.js");
const TOPVIEWS_JS: &str = include_str!("assets/topviews.js");
const SITEVIEWS_JS: &str = include_str!("assets/siteviews.js");
const SERIES_JS: &str = include_str!("assets/series.js");
const DOCS_JS: &str = include_str!("assets/docs.js");
const EDITS_JS: &str = include_str!("assets/edits.js");
const MEDIAVIEWS_JS: &str = include_str!("assets/mediaviews.js");
const STYLE: &str = include_str!("assets/ui.css");

/// Scripts and style from this server only; images from data and blob URLs (the PNG
/// download draws the chart into a canvas).
const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'";

/// The routes of the pages and their assets.
pub fn routes() -> Router<AppState> {
    use axum::routing::get;
    Router::new()
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/", get(index))
        .route("/ui/pageviews", get(pageviews::page))
        .route("/ui/topviews", get(topviews::page))
        .route("/ui/siteviews", get(siteviews::page))
        .route("/ui/edits", get(edits::page))
        .route("/ui/mediaviews", get(mediaviews::page))
        .route("/ui/assets/common.js", get(|| async { static_asset(COMMON_JS, JS) }))
        .route("/ui/assets/chart.js", get(|| async { static_asset(CHART_JS, JS) }))
        .route("/ui/assets/pageviews.js", get(|| async { static_asset(PAGEVIEWS_JS, JS) }))
        .route("/ui/assets/topviews.js", get(|| async { static_asset(TOPVIEWS_JS, JS) }))
        .route("/ui/assets/siteviews.js", get(|| async { static_asset(SITEVIEWS_JS, JS) }))
        .route("/ui/assets/series.js", get(|| async { static_asset(SERIES_JS, JS) }))
        .route("/ui/assets/docs.js", get(|| async { static_asset(DOCS_JS, JS) }))
        .route("/ui/assets/edits.js", get(|| async { static_asset(EDITS_JS, JS) }))
        .route("/ui/assets/mediaviews.js", get(|| async { static_asset(MEDIAVIEWS_JS, JS) }))
        .route(
            "/ui/assets/ui.css",
            get(|| async { static_asset(STYLE, "text/css; charset=utf-8") }),
        )
}

const JS: &str = "text/javascript; charset=utf-8";

/// The pages, for the header of each.
const PAGES: &[(&str, &str)] = &[
    ("/ui/pageviews", "Pageviews"),
    ("/ui/topviews", "Top articles"),
    ("/ui/siteviews", "Site views"),
    ("/ui/mediaviews", "Media"),
    ("/ui/edits", "Edits"),
];

/// A whole page: the header, `body`, and the scripts named (under `/ui/assets/`).
pub(crate) fn shell(title: &str, here: &str, body: &str, scripts: &[&str]) -> Response {
    let mut nav = String::from("<a href=\"/ui/\"");
    nav.push_str(if here == "/ui/" { " class=\"here\">Charts</a>" } else { ">Charts</a>" });
    for (path, name) in PAGES {
        let class = if *path == here { " class=\"here\"" } else { "" };
        nav.push_str(&format!("<a href=\"{path}\"{class}>{name}</a>"));
    }
    nav.push_str(if here == "/" {
        "<a href=\"/\" class=\"here\">API</a>"
    } else {
        "<a href=\"/\">API</a>"
    });
    let scripts: String =
        scripts.iter().map(|s| format!("<script src=\"/ui/assets/{s}\" defer></script>")).collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{title} · aqs</title><link rel=\"stylesheet\" href=\"/ui/assets/ui.css\">{scripts}</head>\n\
<body><header>{nav}</header>\n<main>\n{body}\n</main></body></html>\n",
        title = escape(title),
    );
    let mut response = html.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(POLICY));
    response
}

/// A `select` of `values`, the first chosen.
pub(crate) fn select(name: &str, values: &[&str]) -> String {
    let options: String = values.iter().map(|v| format!("<option>{v}</option>")).collect();
    format!("<select name=\"{name}\">{options}</select>")
}

/// The end of a time-series page's form: platform and agent (of pageviews), granularity,
/// dates, scale and the button.
pub(crate) fn series_fields() -> String {
    format!(
        "<label>Platform {}</label>\n<label>Agent {}</label>\n\
<label>Granularity <select name=\"granularity\"><option>daily</option><option>monthly</option></select></label>\n\
<label>Start <input type=\"date\" name=\"start\"></label>\n<label>End <input type=\"date\" name=\"end\"></label>\n\
<label class=\"check\"><input type=\"checkbox\" name=\"log\" value=\"1\"> Logarithmic scale</label>\n\
<button type=\"submit\">Show</button>\n</form>",
        select("platform", pageviews::OPTIONS_ACCESS),
        select("agent", pageviews::OPTIONS_AGENT),
    )
}

/// What the time-series pages show below their form (`assets/series.js` fills it): the status
/// line, the chart, the downloads and permalink, and the table whose first column names a
/// series.
pub(crate) fn series_section(first_column: &str) -> String {
    format!(
        "<p id=\"status\" role=\"status\">Loading…</p>\n<figure id=\"chart\"></figure>\n\
<p id=\"downloads\" hidden>Download what is drawn: <button type=\"button\" id=\"csv\">CSV</button>\
<button type=\"button\" id=\"json\">JSON</button><button type=\"button\" id=\"png\">PNG</button> \
<a id=\"permalink\" href=\"\">Permalink</a></p>\n\
<table id=\"summary\"><thead><tr><th>{first_column}</th><th class=\"n\">Total</th>\
<th class=\"n\" id=\"average-label\">Daily average</th><th class=\"n\">Change</th></tr></thead><tbody></tbody></table>"
    )
}

/// `GET /ui/`: the pages, each with what the server holds of its data.
async fn index(State(state): State<AppState>) -> Response {
    let days = crate::service::store_summary(&state).await.map(|(_, d)| d).unwrap_or_default();
    // Not the probe rows' 1970-01-01 (`aqs add-probe-rows`).
    let days: Vec<_> = days.iter().filter(|d| d.epoch_days() != 0).collect();
    let pageviews = match (days.first(), days.last()) {
        (Some(a), Some(b)) => format!("{} days loaded, {a} to {b}.", days.len()),
        _ => "No pageviews per article are loaded yet (<code>aqs load</code>).".to_string(),
    };
    let history = match crate::service::active_snapshot(&state).await {
        Some(snapshot) => format!("Snapshot {snapshot} is active."),
        None => "No MediaWiki history snapshot is active yet (<code>aqs snapshot activate</code>)."
            .into(),
    };
    let body = format!(
        "<h1>Charts</h1>\n<p>What this server holds, drawn in your browser from its own API.</p>\n\
<ul class=\"pages\">\n<li><a href=\"/ui/pageviews\">Pageviews</a> of up to 10 articles, daily or monthly. \
<span class=\"muted\">{pageviews}</span></li>\n\
<li><a href=\"/ui/topviews\">Top articles</a> of a project on a day or in a month. \
<span class=\"muted\">{pageviews}</span></li>\n\
<li><a href=\"/ui/siteviews\">Site views</a>: the pageviews of projects compared, daily or monthly.</li>\n\
<li><a href=\"/ui/siteviews?source=unique-devices\">Unique devices</a> of projects compared.</li>\n\
<li><a href=\"/ui/mediaviews\">Media requests</a> of up to 10 files, daily or monthly.</li>\n\
<li><a href=\"/ui/edits\">Edits and editors</a> of a project: edits, editors by activity level, new pages and \
new registered users, from the MediaWiki history. <span class=\"muted\">{history}</span></li>\n</ul>\n\
<p>The API itself: <a href=\"/\">reference</a>, <a href=\"/openapi.json\">OpenAPI</a>.</p>"
    );
    shell("Charts", "/ui/", &body, &[])
}
