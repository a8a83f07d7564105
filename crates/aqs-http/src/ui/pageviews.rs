//! `GET /ui/pageviews`: pageviews of up to 10 articles (`assets/pageviews.js` draws them).
//! The form is plain HTML; the script fills it from the query string (Pageviews Analysis's
//! names), asks `/ext/v1/pageviews/per-article` once, and draws the chart and the table.

use super::{series_fields, series_section, shell};
use axum::response::Response;

pub(super) const OPTIONS_ACCESS: &[&str] = &["all-access", "desktop", "mobile-app", "mobile-web"];
pub(super) const OPTIONS_AGENT: &[&str] = &["user", "spider", "automated", "all-agents"];

pub async fn page() -> Response {
    let body = format!(
        "<h1>Pageviews</h1>\n\
<form id=\"form\" action=\"/ui/pageviews\" method=\"get\">\n\
<label>Project <input name=\"project\" placeholder=\"en.wikipedia.org\" required></label>\n\
<label>Articles <input name=\"pages\" placeholder=\"Title 1|Title 2\" required></label>\n\
{fields}\n\
{section}\n\
<noscript><p>The chart is drawn by a script; the data is at <a href=\"/\">the API</a>.</p></noscript>",
        fields = series_fields(),
        section = series_section("Article"),
    );
    shell(
        "Pageviews",
        "/ui/pageviews",
        &body,
        &["common.js", "chart.js", "series.js", "pageviews.js"],
    )
}
