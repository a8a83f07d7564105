//! `GET /ui/edits`: a project's edits, editors by activity level, new pages and new
//! registered users over time, like Wikistats 2 (`assets/edits.js`: seven requests to the
//! original history routes, one per line).

use super::{select, shell};
use aqs_core::params::{EditorType, PageType};
use axum::response::Response;

pub async fn page() -> Response {
    let figure = |id: &str, title: &str| {
        format!("<h2>{title}</h2>\n<figure id=\"chart-{id}\" class=\"chart\"></figure>\n")
    };
    let body = format!(
        "<h1>Edits and editors</h1>\n\
<form id=\"form\" action=\"/ui/edits\" method=\"get\">\n\
<label>Project <input name=\"project\" placeholder=\"en.wikipedia.org\" required></label>\n\
<label>Editor type {editors}</label>\n<label>Page type {pages}</label>\n\
<label>Granularity <select name=\"granularity\"><option>monthly</option><option>daily</option></select></label>\n\
<label>Start <input name=\"start\" placeholder=\"YYYY-MM\"></label>\n<label>End <input name=\"end\" placeholder=\"YYYY-MM\"></label>\n\
<button type=\"submit\">Show</button>\n</form>\n\
<p id=\"status\" role=\"status\">Loading…</p>\n\
<p id=\"downloads\" hidden>Download what is drawn: <button type=\"button\" id=\"csv\">CSV</button>\
<button type=\"button\" id=\"json\">JSON</button> <a id=\"permalink\" href=\"\">Permalink</a></p>\n\
{edits}{editors_chart}{new_pages}{new_users}",
        editors = select("editor-type", EditorType::ALLOWED),
        pages = select("page-type", PageType::ALLOWED),
        edits = figure("edits", "Edits"),
        editors_chart = figure("editors", "Editors by activity level"),
        new_pages = figure("new-pages", "New pages"),
        new_users = figure("new-users", "New registered users"),
    );
    shell("Edits and editors", "/ui/edits", &body, &["common.js", "chart.js", "edits.js"])
}
