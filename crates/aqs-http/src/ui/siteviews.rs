//! `GET /ui/siteviews`: the pageviews (or unique devices) of up to 10 projects compared
//! (`assets/siteviews.js`: one request per project to the original aggregate route).

use super::{series_fields, series_section, shell};
use axum::response::Response;

pub async fn page() -> Response {
    let body = format!(
        "<h1>Site views</h1>\n\
<form id=\"form\" action=\"/ui/siteviews\" method=\"get\">\n\
<label>Projects <input name=\"sites\" placeholder=\"en.wikipedia.org|de.wikipedia.org\" required></label>\n\
<label>Of <select name=\"source\"><option value=\"pageviews\">pageviews</option>\
<option value=\"unique-devices\">unique devices</option></select></label>\n\
{fields}\n{section}",
        fields = series_fields(),
        section = series_section("Project"),
    );
    shell(
        "Site views",
        "/ui/siteviews",
        &body,
        &["common.js", "chart.js", "series.js", "siteviews.js"],
    )
}
