//! `GET /ui/pageviews`: pageviews of up to 10 articles (`assets/pageviews.js` draws them).
//! The form is plain HTML; the script fills it from the query string (Pageviews Analysis's
//! names), asks `/ext/v1/pageviews/per-article` once, and draws the chart and the table.

use super::shell;
use axum::response::Response;

const OPTIONS_ACCESS: &[&str] = &["all-access", "desktop", "mobile-app", "mobile-web"];
const OPTIONS_AGENT: &[&str] = &["user", "spider", "automated", "all-agents"];

fn select(name: &str, values: &[&str]) -> String {
    let options: String = values.iter().map(|v| format!("<option>{v}</option>")).collect();
    format!("<select name=\"{name}\">{options}</select>")
}

pub async fn page() -> Response {
    let body = format!(
        "<h1>Pageviews</h1>\n\
<form id=\"form\" action=\"/ui/pageviews\" method=\"get\">\n\
<label>Project <input name=\"project\" placeholder=\"en.wikipedia.org\" required></label>\n\
<label>Articles <input name=\"pages\" placeholder=\"Title 1|Title 2\" required></label>\n\
<label>Platform {access}</label>\n<label>Agent {agent}</label>\n\
<label>Granularity <select name=\"granularity\"><option>daily</option><option>monthly</option></select></label>\n\
<label>Start <input type=\"date\" name=\"start\"></label>\n<label>End <input type=\"date\" name=\"end\"></label>\n\
<label class=\"check\"><input type=\"checkbox\" name=\"log\" value=\"1\"> Logarithmic scale</label>\n\
<button type=\"submit\">Show</button>\n</form>\n\
<p id=\"status\" role=\"status\">Loading…</p>\n\
<figure id=\"chart\"></figure>\n\
<p id=\"downloads\" hidden>Download what is drawn: <button type=\"button\" id=\"csv\">CSV</button>\
<button type=\"button\" id=\"json\">JSON</button><button type=\"button\" id=\"png\">PNG</button> \
<a id=\"permalink\" href=\"\">Permalink</a></p>\n\
<table id=\"summary\"><thead><tr><th>Article</th><th class=\"n\">Total</th>\
<th class=\"n\" id=\"average-label\">Daily average</th><th class=\"n\">Change</th></tr></thead><tbody></tbody></table>\n\
<noscript><p>The chart is drawn by a script; the data is at <a href=\"/\">the API</a>.</p></noscript>",
        access = select("platform", OPTIONS_ACCESS),
        agent = select("agent", OPTIONS_AGENT),
    );
    shell("Pageviews", "/ui/pageviews", &body, &["common.js", "chart.js", "pageviews.js"])
}
