//! `GET /feature-usage/`: the page for people, like `Special:ApiFeatureUsage` (api-contract
//! §6.2): a form (agent, start date, end date; `agent`, `startdate`, `enddate` in the query,
//! or the special page's `wpagent`, `wpstartdate`, `wpenddate`), and once submitted a sortable
//! table of feature, date and uses and a chart of uses per day per feature (SVG drawn here;
//! the script only sorts the table). The page's script and style are served beside it, so
//! its content security policy allows no inline code.

use super::service_of;
use crate::AppState;
use crate::extract::query_pairs;
use crate::openapi::escape;
use aqs_core::dates::Day;
use aqs_core::feature_usage::UsageRow;
use aqs_core::feature_usage::timestamp::{day_of, start_of};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::BTreeMap;

pub const SCRIPT_PATH: &str = "/feature-usage/page.js";
pub const STYLE_PATH: &str = "/feature-usage/page.css";

const SCRIPT: &str = include_str!("page.js");
const STYLE: &str = include_str!("page.css");

const POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'";

/// The most features the chart draws a line for; the rest share one line.
const CHART_FEATURES: usize = 8;

pub async fn redirect() -> Redirect {
    Redirect::permanent("/feature-usage/")
}

pub async fn script() -> Response {
    crate::headers::static_asset(SCRIPT, "text/javascript; charset=utf-8")
}

pub async fn style() -> Response {
    crate::headers::static_asset(STYLE, "text/css; charset=utf-8")
}

/// What the form asks for.
struct Form {
    agent: String,
    start: String,
    end: String,
    submitted: bool,
}

pub async fn page(State(state): State<AppState>, request: Request) -> Response {
    let Some(service) = service_of(&state) else { return super::not_served() };
    let pairs = query_pairs(request.uri().query());
    let get = |names: [&str; 2]| {
        pairs.iter().rev().find(|(n, _)| names.contains(&n.as_str())).map(|(_, v)| v.clone())
    };
    let (agent, start, end) = (
        get(["agent", "wpagent"]),
        get(["startdate", "wpstartdate"]),
        get(["enddate", "wpenddate"]),
    );
    let submitted = agent.is_some() || start.is_some() || end.is_some();
    let result = tokio::task::spawn_blocking(move || -> Result<String, String> {
        let (first, last) = service.suggested_range().map_err(|e| e.to_string())?;
        let form = Form {
            agent: agent.unwrap_or_default(),
            start: start.unwrap_or_else(|| day_of(first).to_string()),
            end: end.unwrap_or_else(|| day_of(last).to_string()),
            submitted,
        };
        if !form.submitted {
            return Ok(render(&form, None));
        }
        let outcome = match (Day::parse_iso(&form.start), Day::parse_iso(&form.end)) {
            _ if form.agent.is_empty() => Err("The user agent is required.".to_string()),
            (None, _) => {
                Err(format!("The start date {:?} is not a date (YYYY-MM-DD).", form.start))
            }
            (_, None) => Err(format!("The end date {:?} is not a date (YYYY-MM-DD).", form.end)),
            (Some(first), Some(last)) => {
                let rows = service
                    .usage(&form.agent, start_of(first), start_of(last) + 86_399, None)
                    .map_err(|e| e.to_string())?;
                Ok((first, last, rows))
            }
        };
        Ok(render(&form, Some(outcome)))
    })
    .await;
    let (status, body) = match result {
        Ok(Ok(body)) => (StatusCode::OK, body),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "feature usage page failed");
            (StatusCode::SERVICE_UNAVAILABLE, "The counters could not be read.".to_string())
        }
        Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, "The page failed.".to_string()),
    };
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("content-security-policy", HeaderValue::from_static(POLICY));
    response
}

type Outcome = Result<(Day, Day, Vec<UsageRow>), String>;

fn render(form: &Form, outcome: Option<Outcome>) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>API feature usage</title>\
         <link rel=\"stylesheet\" href=\"{STYLE_PATH}\"><script src=\"{SCRIPT_PATH}\" defer></script></head>\n<body>\n\
         <h1>API feature usage</h1>\n<form method=\"get\" action=\"/feature-usage/\"><fieldset><legend>API feature usage</legend>\n\
         <label>User agent: <input type=\"text\" name=\"agent\" required value=\"{}\"></label>\n\
         <label>Start date: <input type=\"date\" name=\"startdate\" required value=\"{}\"></label>\n\
         <label>End date: <input type=\"date\" name=\"enddate\" required value=\"{}\"></label>\n\
         <button type=\"submit\">Fetch data</button></fieldset></form>\n",
        escape(&form.agent),
        escape(&form.start),
        escape(&form.end)
    ));
    match outcome {
        None => {}
        Some(Err(message)) => {
            out.push_str(&format!("<p class=\"error\" role=\"alert\">{}</p>\n", escape(&message)));
        }
        Some(Ok((first, last, rows))) => {
            if rows.is_empty() {
                out.push_str("<p class=\"empty\">No uses of deprecated features by agents starting with this text in these days.</p>\n");
            } else {
                out.push_str(&chart(first, last, &rows));
                out.push_str(&table(&rows));
            }
            let agent = percent_encoding::utf8_percent_encode(
                &form.agent,
                percent_encoding::NON_ALPHANUMERIC,
            );
            let url = format!(
                "/w/api.php?action=query&meta=featureusage&afuagent={agent}&afustart={first}T00:00:00Z&afuend={last}T23:59:59Z&format=json&formatversion=2"
            );
            out.push_str(&format!(
                "<p class=\"about\">The same data as JSON: <a href=\"{0}\"><code>{0}</code></a></p>\n</body></html>\n",
                escape(&url)
            ));
            return out;
        }
    }
    out.push_str("<p class=\"about\">The same data as JSON: <code>/w/api.php?action=query&amp;meta=featureusage&amp;afuagent=...</code></p>\n</body></html>\n");
    out
}

fn table(rows: &[UsageRow]) -> String {
    let mut out = String::from(
        "<div class=\"scroll\"><table class=\"wikitable sortable mw-apifeatureusage\"><thead><tr><th>Feature</th><th>Date</th><th>Uses</th></tr></thead><tbody>\n",
    );
    for row in rows {
        out.push_str(&format!(
            "<tr><td>{}</td><td><time>{}</time></td><td class=\"mw-apifeatureusage-count\" data-sort=\"{}\">{}</td></tr>\n",
            escape(&row.feature),
            row.day,
            row.count,
            thousands(row.count)
        ));
    }
    out.push_str("</tbody></table></div>\n");
    out
}

/// `1234567` as `1,234,567`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

const COLOURS: [&str; CHART_FEATURES + 1] = [
    "#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6", "#dd4477", "#66aa00",
    "#888888",
];

/// A line chart of uses per day: one line per feature (the most used ones; the rest summed as
/// "other features"), days on the x axis.
fn chart(first: Day, last: Day, rows: &[UsageRow]) -> String {
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    for row in rows {
        *totals.entry(&row.feature).or_default() += row.count;
    }
    let mut ranked: Vec<(&str, u64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let shown: Vec<&str> = ranked.iter().take(CHART_FEATURES).map(|(f, _)| *f).collect();
    let other = ranked.len() > CHART_FEATURES;
    let days = (last.epoch_days() - first.epoch_days()).max(0) as usize + 1;
    let mut series = vec![vec![0u64; days]; shown.len() + usize::from(other)];
    for row in rows {
        let x = (row.day.epoch_days() - first.epoch_days()) as usize;
        let line = shown.iter().position(|f| *f == row.feature).unwrap_or(shown.len());
        if x < days && line < series.len() {
            series[line][x] += row.count;
        }
    }
    let max = series.iter().flatten().copied().max().unwrap_or(0).max(1);
    let (w, h, left, bottom) = (720.0_f64, 240.0_f64, 80.0_f64, 30.0_f64);
    let x_of = |i: usize| {
        left + (w - left - 10.0) * if days > 1 { i as f64 / (days - 1) as f64 } else { 0.5 }
    };
    let y_of = |v: u64| 10.0 + (h - bottom - 10.0) * (1.0 - v as f64 / max as f64);
    let (x1, ty) = (w - 10.0, h - 6.0);
    // One day: its date once, under its dots.
    let dates = if days > 1 {
        format!(
            "<text x=\"{left}\" y=\"{ty}\" font-size=\"11\">{first}</text><text x=\"{x1}\" y=\"{ty}\" text-anchor=\"end\" font-size=\"11\">{last}</text>"
        )
    } else {
        format!(
            "<text x=\"{:.1}\" y=\"{ty}\" text-anchor=\"middle\" font-size=\"11\">{first}</text>",
            x_of(0)
        )
    };
    let mut svg = format!(
        "<figure class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Uses per day per feature\">\n\
         <line x1=\"{left}\" y1=\"{y0}\" x2=\"{x1}\" y2=\"{y0}\" stroke=\"#444\"/><line x1=\"{left}\" y1=\"10\" x2=\"{left}\" y2=\"{y0}\" stroke=\"#444\"/>\n\
         <text x=\"{tx}\" y=\"10\" dominant-baseline=\"hanging\" text-anchor=\"end\" font-size=\"11\">{top}</text><text x=\"{tx}\" y=\"{y0}\" text-anchor=\"end\" font-size=\"11\">0</text>\n\
         {dates}\n",
        y0 = y_of(0),
        tx = left - 4.0,
        top = thousands(max),
    );
    for (line, values) in series.iter().enumerate() {
        let points: Vec<String> = values
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("{:.1},{:.1}", x_of(i), y_of(v)))
            .collect();
        let name = shown.get(line).map_or("other features".to_string(), |f| f.to_string());
        svg.push_str(&format!(
            "<polyline class=\"series\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" points=\"{}\"><title>{}</title></polyline>\n",
            COLOURS[line.min(COLOURS.len() - 1)],
            points.join(" "),
            escape(&name)
        ));
        // A dot per day when there are few (a line through one day draws nothing).
        if days <= 62 {
            let colour = COLOURS[line.min(COLOURS.len() - 1)];
            for (i, &v) in values.iter().enumerate() {
                svg.push_str(&format!(
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{colour}\"><title>{}: {}</title></circle>\n",
                    x_of(i),
                    y_of(v),
                    escape(&name),
                    thousands(v)
                ));
            }
        }
    }
    svg.push_str("</svg><figcaption><ul class=\"legend\">");
    for line in 0..series.len() {
        let name = shown.get(line).map_or("other features".to_string(), |f| f.to_string());
        svg.push_str(&format!(
            "<li><svg width=\"12\" height=\"12\"><rect width=\"12\" height=\"12\" fill=\"{}\"/></svg> {}</li>",
            COLOURS[line.min(COLOURS.len() - 1)],
            escape(&name)
        ));
    }
    svg.push_str("</ul></figcaption></figure>\n");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_get_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn the_chart_draws_the_most_used_features_and_sums_the_rest() {
        let first = Day::from_ymd(2024, 7, 1).unwrap();
        let rows: Vec<UsageRow> = (0..10)
            .map(|i| UsageRow {
                day: first.add_days(i % 3),
                feature: format!("f{i}"),
                count: 10 + i as u64,
            })
            .collect();
        let svg = chart(first, first.add_days(2), &rows);
        assert_eq!(svg.matches("<polyline").count(), CHART_FEATURES + 1);
        assert!(svg.contains("<title>other features</title>"));
        // f0 (10) and f1 (11) are the least used: summed into "other features".
        assert!(!svg.contains("<title>f0</title>") && !svg.contains("<title>f1</title>"));
        assert!(svg.contains("<title>f9</title>"));
        assert!(escape("<a href=\"x\">&").eq("&lt;a href=&quot;x&quot;&gt;&amp;"));
    }
}
