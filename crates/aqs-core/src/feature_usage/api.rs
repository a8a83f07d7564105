//! `GET /w/api.php?action=query&meta=featureusage&...`: the Action API module of the
//! ApiFeatureUsage extension (`shared/spec/api-contract.md` §6.1), parameters in and JSON out,
//! as MediaWiki writes them: `formatversion=1` (the default: non-ASCII escaped, `batchcomplete`
//! an empty string) and `formatversion=2` (UTF-8, `batchcomplete` true); errors in the `bc`
//! error format with `servedby`, on a 200 with a `MediaWiki-API-Error` header.

use super::UsageRow;
use super::timestamp::{self, UnixSeconds};
use std::fmt::Write as _;

/// A parsed request; a missing bound is `None` (the caller takes it from the suggested range).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    pub agent: String,
    pub start: Option<UnixSeconds>,
    pub end: Option<UnixSeconds>,
    pub features: Option<Vec<String>>,
    pub version: FormatVersion,
    /// `false` when the query asks for no `meta` module: the answer is only `batchcomplete`.
    pub wants_usage: bool,
}

/// The JSON format version (`formatversion`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatVersion {
    V1,
    V2,
}

/// An API error: its code and text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: String,
    pub info: String,
    pub version: FormatVersion,
}

/// The headers a request's agent comes from when `afuagent` is not given: MediaWiki's
/// `ApiMain::getUserAgent`, `Api-User-Agent` then `User-Agent`, joined by a space and
/// trimmed.
pub fn request_agent(api_user_agent: Option<&str>, user_agent: Option<&str>) -> String {
    format!("{} {}", api_user_agent.unwrap_or(""), user_agent.unwrap_or("")).trim().to_string()
}

/// Reads the query's parameters (decoded name-value pairs; a repeated name's last value
/// wins, as in PHP).
pub fn parse(
    pairs: &[(String, String)],
    header_agent: &str,
    now: UnixSeconds,
) -> Result<ApiRequest, ApiError> {
    let get = |name: &str| pairs.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let version = match get("formatversion") {
        Some("2" | "latest") => FormatVersion::V2,
        _ => FormatVersion::V1,
    };
    let error = |code: &str, info: String| ApiError { code: code.to_string(), info, version };
    let unrecognized = |param: &str, value: &str| {
        error("badvalue", format!("Unrecognized value for parameter \"{param}\": {value}."))
    };
    match get("format") {
        None | Some("json" | "jsonfm") => {}
        Some(other) => return Err(unrecognized("format", other)),
    }
    match get("action") {
        Some("query") => {}
        other => return Err(unrecognized("action", other.unwrap_or("help"))),
    }
    let meta = get("meta").map(multi_value).unwrap_or_default();
    if let Some(other) = meta.iter().find(|m| *m != "featureusage") {
        return Err(unrecognized("meta", other));
    }
    let agent = get("afuagent").map_or_else(|| header_agent.to_string(), str::to_string);
    let wants_usage = !meta.is_empty();
    if wants_usage && agent.is_empty() {
        return Err(error("bad_afuagent", "Cannot query an empty user agent.".to_string()));
    }
    let bound = |param: &str| -> Result<Option<UnixSeconds>, ApiError> {
        match get(param) {
            None => Ok(None),
            // MediaWiki reads both as now (with a warning this service does not give).
            Some("" | "0") => Ok(Some(now)),
            Some(text) => timestamp::parse(text, now).map(Some).ok_or_else(|| {
                error(
                    "badtimestamp",
                    format!("Invalid value \"{text}\" for timestamp parameter \"{param}\"."),
                )
            }),
        }
    };
    let (start, end) = (bound("afustart")?, bound("afuend")?);
    let features = get("afufeatures").map(multi_value);
    Ok(ApiRequest { agent, start, end, features, version, wants_usage })
}

/// A multi-value parameter: `a|b`, or `\x1fa\x1fb` when it starts with U+001F; empty is
/// no values.
fn multi_value(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    match text.strip_prefix('\u{1f}') {
        Some(rest) => rest.split('\u{1f}').map(str::to_string).collect(),
        None => text.split('|').map(str::to_string).collect(),
    }
}

/// The answer to a request: `query.featureusage` with the range it covered.
pub fn render_usage(
    request: &ApiRequest,
    start: UnixSeconds,
    end: UnixSeconds,
    usage: &[UsageRow],
) -> String {
    let v2 = request.version == FormatVersion::V2;
    let mut out =
        String::from(if v2 { r#"{"batchcomplete":true"# } else { r#"{"batchcomplete":"""# });
    if request.wants_usage {
        out.push_str(r#","query":{"featureusage":{"agent":"#);
        out.push_str(&json_string(&request.agent));
        out.push_str(&format!(
            r#","start":"{}","end":"{}","usage":["#,
            timestamp::iso_8601(start),
            timestamp::iso_8601(end)
        ));
        // A 90-day answer has thousands of rows: each date is written once, and names with
        // nothing to escape go as they are.
        out.reserve(usage.len() * 96);
        let mut date: Option<(crate::dates::Day, String)> = None;
        for (i, row) in usage.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(r#"{"feature":"#);
            push_json_string(&mut out, &row.feature);
            if date.as_ref().is_none_or(|(day, _)| *day != row.day) {
                date = Some((row.day, row.day.to_string()));
            }
            out.push_str(r#","date":""#);
            out.push_str(date.as_ref().map_or("", |(_, text)| text));
            out.push_str(r#"","count":"#);
            let _ = write!(out, "{}}}", row.count);
        }
        out.push_str("]}}");
    }
    out.push('}');
    finish(out, request.version)
}

/// An error answer; `docs` is the URL of the API (`https://host/w/api.php`).
pub fn render_error(error: &ApiError, docs: &str) -> String {
    let doc = format!(
        "See {docs} for API usage. Subscribe to the mediawiki-api-announce mailing list at &lt;https://lists.wikimedia.org/postorius/lists/mediawiki-api-announce.lists.wikimedia.org/&gt; for notice of API deprecations and breaking changes."
    );
    let doc_key = if error.version == FormatVersion::V2 { "docref" } else { "*" };
    let out = format!(
        r#"{{"error":{{"code":{},"info":{},"{doc_key}":{}}},"servedby":"aqs"}}"#,
        json_string(&error.code),
        json_string(&error.info),
        json_string(&doc)
    );
    finish(out, error.version)
}

/// `text` as a JSON string at the end of `out`.
fn push_json_string(out: &mut String, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push('"');
        out.push_str(text);
        out.push('"');
    } else {
        out.push_str(&json_string(text));
    }
}

fn json_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_string())
}

/// MediaWiki's JSON escapes: U+2028 and U+2029 always, and every other non-ASCII character
/// in format version 1 (as `\uXXXX`, with surrogate pairs).
fn finish(json: String, version: FormatVersion) -> String {
    if json.is_ascii() {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        let escape = match c {
            '\u{2028}' | '\u{2029}' => true,
            c => !c.is_ascii() && version == FormatVersion::V1,
        };
        if escape {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests;
