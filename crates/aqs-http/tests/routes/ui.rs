//! The pages under /ui/ as the server sends them (the browser tests in crates/aqs/tests/ui/
//! check what they draw): HTML with its own content security policy, and their assets.

use crate::get;
use axum::http::StatusCode;

#[tokio::test]
async fn the_pages_and_their_assets_are_served_with_a_policy_that_allows_only_this_host() {
    let index = get("/ui/").await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.header("content-type"), Some("text/html; charset=utf-8"));
    let body = String::from_utf8(index.body.clone()).unwrap();
    assert!(body.contains("href=\"/ui/pageviews\""), "{body}");
    assert!(body.contains("106 days loaded"), "the index says what is loaded: {body}");
    let page = get("/ui/pageviews").await;
    let policy = page.header("content-security-policy").unwrap();
    assert!(
        policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"),
        "{policy}"
    );
    assert!(!policy.contains("unsafe-inline"));
    let html = String::from_utf8(page.body).unwrap();
    for script in ["common.js", "chart.js", "series.js", "pageviews.js"] {
        assert!(html.contains(&format!("src=\"/ui/assets/{script}\"")), "{script}");
        let asset = get(&format!("/ui/assets/{script}")).await;
        assert_eq!(asset.status, StatusCode::OK);
        assert_eq!(asset.header("content-type"), Some("text/javascript; charset=utf-8"));
    }
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("http://") && !html.contains("https://"), "nothing from elsewhere");
    assert_eq!(
        get("/ui/assets/ui.css").await.header("content-type"),
        Some("text/css; charset=utf-8")
    );
    let top = String::from_utf8(get("/ui/topviews").await.body).unwrap();
    assert!(top.contains("src=\"/ui/assets/topviews.js\""));
    assert_eq!(get("/ui/assets/topviews.js").await.status, StatusCode::OK);
    assert!(body.contains("href=\"/ui/topviews\""));
    let sites = String::from_utf8(get("/ui/siteviews").await.body).unwrap();
    for script in ["series.js", "siteviews.js"] {
        assert!(sites.contains(&format!("src=\"/ui/assets/{script}\"")), "{script}");
        assert_eq!(get(&format!("/ui/assets/{script}")).await.status, StatusCode::OK);
    }
    assert!(body.contains("href=\"/ui/siteviews?source=unique-devices\""));
    for (page, script) in [("/ui/edits", "edits.js"), ("/ui/mediaviews", "mediaviews.js")] {
        let html = String::from_utf8(get(page).await.body).unwrap();
        assert!(html.contains(&format!("src=\"/ui/assets/{script}\"")), "{page}");
        assert!(body.contains(&format!("href=\"{page}\"")), "the index links {page}");
        assert_eq!(get(&format!("/ui/assets/{script}")).await.status, StatusCode::OK);
    }
    assert!(body.contains("No MediaWiki history snapshot is active yet"), "{body}");
    let docs = String::from_utf8(get("/").await.body).unwrap();
    assert!(docs.contains("href=\"/ui/\""), "the API page links the charts");
    assert_eq!(get("/ui").await.status, StatusCode::PERMANENT_REDIRECT);
}

#[tokio::test]
async fn the_api_reference_has_a_try_it_form_for_every_route() {
    for path in ["/", "/docs"] {
        let page = get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = String::from_utf8(page.body).unwrap();
        assert!(!html.contains('`'), "no markdown left on the page");
        assert!(html.contains("<code>en.wikipedia.org</code>"));
        assert!(html.contains("src=\"/ui/assets/docs.js\""));
        for route in aqs_http::routes::all() {
            assert!(html.contains(&format!("data-route=\"{}\"", route.name)), "{}", route.name);
            assert!(html.contains(&format!("id=\"{}\"", route.name)), "{}", route.name);
            for param in route.params {
                let field = match param.allowed {
                    Some(_) => format!("<select name=\"{}\">", param.name),
                    None => format!("<input name=\"{}\" value=\"", param.name),
                };
                assert!(html.contains(&field), "{}: {field}", route.name);
                for value in param.allowed.unwrap_or(&[]) {
                    assert!(
                        html.contains(&format!(">{value}</option>")),
                        "{}: {value}",
                        route.name
                    );
                }
            }
        }
        assert!(html.contains("data-route=\"ext/pageviews/per-article\""));
        // The example's values are the form's: the per-article example reads article `-`.
        assert!(html.contains("<input name=\"article\" value=\"-\">"));
        assert!(html.contains("<option selected>all-agents</option>"));
    }
}
