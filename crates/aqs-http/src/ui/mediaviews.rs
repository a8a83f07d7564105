//! `GET /ui/mediaviews`: requests of up to 10 media files (`assets/mediaviews.js`: one
//! request per file to the original per-file route).

use super::{select, series_section, shell};
use aqs_core::params::MediaAgent;
use axum::response::Response;

pub async fn page() -> Response {
    let body = format!(
        "<h1>Media requests</h1>\n\
<form id=\"form\" action=\"/ui/mediaviews\" method=\"get\">\n\
<label>Files <input name=\"files\" placeholder=\"/wikipedia/commons/0/00/Example.jpg\" required></label>\n\
<label>Referer <input name=\"referer\" value=\"all-referers\" list=\"referers\"></label>\n\
<datalist id=\"referers\"><option>all-referers</option><option>internal</option><option>external</option>\
<option>search-engine</option><option>unknown</option><option>none</option></datalist>\n\
<label>Agent {agent}</label>\n\
<label>Granularity <select name=\"granularity\"><option>daily</option><option>monthly</option></select></label>\n\
<label>Start <input type=\"date\" name=\"start\"></label>\n<label>End <input type=\"date\" name=\"end\"></label>\n\
<label class=\"check\"><input type=\"checkbox\" name=\"log\" value=\"1\"> Logarithmic scale</label>\n\
<button type=\"submit\">Show</button>\n</form>\n{section}",
        agent = select("agent", MediaAgent::ALLOWED),
        section = series_section("File"),
    );
    shell(
        "Media requests",
        "/ui/mediaviews",
        &body,
        &["common.js", "chart.js", "series.js", "mediaviews.js"],
    )
}
