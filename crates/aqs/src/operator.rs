//! Commands that talk to a running server: `aqs disallow`, `aqs allowlist reload` (through
//! its admin endpoint) and `aqs check` (through its public API, like the original's x-amples
//! monitor).

use crate::cli::{AdminArgs, CheckArgs, DisallowArgs};
use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::io::Read;
use std::time::{Duration, Instant};

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .http_status_as_error(false)
        .build()
        .into()
}

/// Status and body of an answer.
fn finish(response: ureq::http::Response<ureq::Body>) -> Result<(u16, String)> {
    let status = response.status().as_u16();
    let mut body = String::new();
    response.into_body().into_reader().read_to_string(&mut body)?;
    Ok((status, body))
}

fn admin_call(admin: &AdminArgs, method: &str, path: &str, body: Option<Value>) -> Result<String> {
    if !admin.admin_url.starts_with("http://") {
        bail!("--admin-url {:?} must start with http://", admin.admin_url);
    }
    let url = format!("{}{path}", admin.admin_url.trim_end_matches('/'));
    let agent = agent(Duration::from_secs(30));
    let token = format!("Bearer {}", admin.admin_token);
    let sent = match (method, body) {
        ("GET", _) => agent.get(&url).header("authorization", &token).call(),
        ("DELETE", Some(body)) => agent
            .delete(&url)
            .header("authorization", &token)
            .force_send_body()
            .send(body.to_string().as_bytes()),
        (_, body) => agent
            .post(&url)
            .header("authorization", &token)
            .send(body.map(|b| b.to_string()).unwrap_or_default().as_bytes()),
    };
    let response = sent.with_context(|| format!("cannot reach the admin endpoint at {url}"))?;
    let (status, text) = finish(response)?;
    if !(200..300).contains(&status) {
        let message = serde_json::from_str::<Value>(&text)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_string))
            .unwrap_or(text);
        bail!("the server answered {status}: {message}");
    }
    Ok(text)
}

pub fn disallow(args: &DisallowArgs, hide: bool) -> Result<()> {
    let body = json!({ "project": args.project, "article": args.title });
    let method = if hide { "POST" } else { "DELETE" };
    let answer: Value =
        serde_json::from_str(&admin_call(&args.admin, method, "/admin/disallowed", Some(body))?)?;
    let (project, article) =
        (answer["project"].as_str().unwrap_or(""), answer["article"].as_str().unwrap_or(""));
    let changed = answer["changed"].as_bool().unwrap_or(false);
    match (hide, changed) {
        (true, true) => outln!("hidden: {project} {article}"),
        (true, false) => outln!("already hidden: {project} {article}"),
        (false, true) => outln!("shown again: {project} {article}"),
        (false, false) => outln!("was not hidden: {project} {article}"),
    }
    match answer["file"].as_str() {
        Some(file) => outln!("the list ({} entries) is kept in {file}", answer["entries"]),
        None => outln!(
            "the server keeps the list in memory only (start it with --disallowed FILE to keep it)"
        ),
    }
    Ok(())
}

pub fn list(admin: &AdminArgs) -> Result<()> {
    out!("{}", admin_call(admin, "GET", "/admin/disallowed", None)?);
    Ok(())
}

pub fn reload_allowlist(admin: &AdminArgs) -> Result<()> {
    let answer: Value =
        serde_json::from_str(&admin_call(admin, "POST", "/admin/allowlist/reload", None)?)?;
    outln!("allowlist reloaded: {} projects", answer["projects"]);
    Ok(())
}

/// One probe: the route's example, and what its first item must hold.
struct Probe {
    path: String,
    expects: serde_json::Map<String, Value>,
}

/// The probes of a server, from its OpenAPI document.
fn probes(document: &Value) -> Result<Vec<Probe>> {
    let paths = document["paths"]
        .as_object()
        .ok_or_else(|| anyhow!("the OpenAPI document has no paths"))?;
    let mut probes = Vec::new();
    // The metrics API's routes (feature usage counts events; its answers are not fixed).
    for (template, item) in paths.iter().filter(|(t, _)| t.starts_with("/metrics/")) {
        let op = &item["get"];
        let path = op["x-amples"][0]["request"]["path"]
            .as_str()
            .ok_or_else(|| anyhow!("{template} has no example request (x-amples)"))?;
        let expects = op["responses"]["200"]["content"]["application/json"]["example"]["items"][0]
            .as_object()
            .cloned()
            .unwrap_or_default();
        probes.push(Probe { path: path.to_string(), expects });
    }
    Ok(probes)
}

/// Runs every example of the server's OpenAPI document, and `/healthz`.
pub fn check(args: &CheckArgs) -> Result<()> {
    let base = args.url.trim_end_matches('/');
    if !base.starts_with("http://") {
        bail!("--url {:?} must start with http://", args.url);
    }
    let agent = agent(Duration::from_millis(args.timeout_ms));
    let get = |path: &str| -> Result<(u16, String, String, Duration)> {
        let started = Instant::now();
        let response = agent
            .get(&format!("{base}{path}"))
            .call()
            .with_context(|| format!("cannot reach {base}{path}"))?;
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let (status, body) = finish(response)?;
        Ok((status, content_type, body, started.elapsed()))
    };
    let (status, _, body, _) = get("/openapi.json")?;
    if status != 200 {
        bail!("{base}/openapi.json answered {status}");
    }
    let document: Value =
        serde_json::from_str(&body).context("the server's /openapi.json is not JSON")?;
    let mut failures = 0;
    let mut report = |ok: Result<(), String>, path: &str, took: Duration| match ok {
        Ok(()) => outln!("ok    {:>6.1} ms  {path}", took.as_secs_f64() * 1e3),
        Err(why) => {
            failures += 1;
            outln!("FAIL  {:>6.1} ms  {path}: {why}", took.as_secs_f64() * 1e3);
        }
    };
    let (status, _, body, took) = get("/healthz")?;
    let healthy = if status == 200 { Ok(()) } else { Err(format!("status {status}: {body}")) };
    report(healthy, "/healthz", took);
    for probe in probes(&document)? {
        let (status, content_type, body, took) = get(&probe.path)?;
        let outcome = (|| {
            if status != 200 {
                let hint = if status == 404 {
                    " (does the store hold the probe rows? run `aqs add-probe-rows`)"
                } else {
                    ""
                };
                return Err(format!("status {status}{hint}"));
            }
            if !content_type.starts_with("application/json") {
                return Err(format!("content-type {content_type:?}"));
            }
            let json: Value =
                serde_json::from_str(&body).map_err(|e| format!("the body is not JSON: {e}"))?;
            let item = &json["items"][0];
            for (field, wanted) in &probe.expects {
                if &item[field] != wanted {
                    return Err(format!("items[0].{field} is {}, expected {wanted}", item[field]));
                }
            }
            Ok(())
        })();
        report(outcome, &probe.path, took);
    }
    if failures > 0 {
        bail!("{failures} check(s) failed");
    }
    outln!("all checks passed");
    Ok(())
}
