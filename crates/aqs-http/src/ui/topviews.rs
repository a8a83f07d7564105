//! `GET /ui/topviews`: the most viewed articles of a project on a day, in a month or in a
//! year (`assets/topviews.js` fills the table from the original top route, or for a year
//! from `/ext/v1/pageviews/top`).

use super::shell;
use axum::response::Response;

pub async fn page() -> Response {
    let access: String = ["all-access", "desktop", "mobile-app", "mobile-web"]
        .iter()
        .map(|v| format!("<option>{v}</option>"))
        .collect();
    let body = format!(
        "<h1>Top articles</h1>\n\
<form id=\"form\" action=\"/ui/topviews\" method=\"get\">\n\
<label>Project <input name=\"project\" placeholder=\"en.wikipedia.org\" required></label>\n\
<label>Platform <select name=\"platform\">{access}</select></label>\n\
<label>Day, month or year <input name=\"date\" placeholder=\"YYYY-MM-DD, YYYY-MM or YYYY\"></label>\n\
<label>Exclude <input name=\"excludes\" placeholder=\"Main_Page|Special:Search\"></label>\n\
<button type=\"submit\">Show</button>\n</form>\n\
<p id=\"status\" role=\"status\">Loading…</p>\n\
<table id=\"top\"><caption id=\"caption\"></caption><thead><tr><th class=\"n\">Rank</th><th>Article</th>\
<th class=\"barcell\"></th><th class=\"n\">Views</th></tr></thead><tbody></tbody></table>\n\
<p><button type=\"button\" id=\"more\" hidden>Show all</button></p>"
    );
    shell("Top articles", "/ui/topviews", &body, &["common.js", "topviews.js"])
}
