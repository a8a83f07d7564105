//! Whole responses of the per-article route, headers included.

use crate::{call_on, call_with, get};
use aqs_http::StoreCalls;

#[tokio::test]
async fn daily_response_with_headers() {
    let answer = get("/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702").await;
    insta::assert_snapshot!(answer.snapshot());
}

#[tokio::test]
async fn not_found_response_with_headers() {
    let answer = get("/api/rest_v1/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Nope/daily/20150701/20150702").await;
    insta::assert_snapshot!(answer.snapshot());
}

#[tokio::test]
async fn route_not_found_outside_metrics_keeps_the_path() {
    let answer = get("/nothing/here").await;
    insta::assert_snapshot!(answer.snapshot());
}

#[tokio::test]
async fn etag_is_stable_and_follows_the_body() {
    let uri = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702";
    let (a, b) = (get(uri).await, get(uri).await);
    let etag = a.header("etag").expect("etag");
    assert_eq!(Some(etag), b.header("etag"));
    assert_eq!(etag, format!("\"{}\"", sha1_hex(&a.body)));
    let other = get("/metrics/pageviews/per-article/en.wikipedia/all-access/user/Main_Page/daily/20150701/20150702").await;
    assert_ne!(other.header("etag"), Some(etag));
}

fn sha1_hex(bytes: &[u8]) -> String {
    // An independent SHA-1 would be overkill; check the shape and that it is the body's digest
    // by recomputing with the same function as documented (40 lower-case hex digits).
    let digest = format!("{:x}", Sha1Hex(bytes));
    assert_eq!(digest.len(), 40);
    digest
}

struct Sha1Hex<'a>(&'a [u8]);

impl std::fmt::LowerHex for Sha1Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", sha1_smol::Sha1::from(self.0).digest())
    }
}

#[tokio::test]
async fn gzip_when_asked() {
    let uri = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150601/20150731";
    let answer = call_with("GET", uri, &[("accept-encoding", "gzip")]).await;
    assert_eq!(answer.header("content-encoding"), Some("gzip"));
    let mut plain = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&answer.body[..]), &mut plain)
        .unwrap();
    assert_eq!(plain, get(uri).await.body);
}

#[tokio::test]
async fn small_answers_and_errors_are_not_gzipped() {
    // Under 8 KiB a body fits the first round trip; gzipping it would cost the server more
    // than it saves (an abusive client's 429s included).
    let small = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702";
    let missing = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/No_Such_Page/daily/20150701/20150702";
    for (uri, status) in [(small, 200), (missing, 404)] {
        let answer = call_with("GET", uri, &[("accept-encoding", "gzip")]).await;
        assert_eq!(answer.status, status);
        assert_eq!(answer.header("content-encoding"), None);
        assert_eq!(answer.header("vary"), Some("accept-encoding"));
        assert_eq!(answer.body, get(uri).await.body);
    }
}

#[tokio::test]
async fn head_and_options() {
    let uri = "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702";
    let head = call_with("HEAD", uri, &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(head.header("etag"), get(uri).await.header("etag"));
    let options = call_with("OPTIONS", uri, &[]).await;
    insta::assert_snapshot!(options.snapshot());
}

#[tokio::test]
async fn every_route_answers_the_same_under_both_prefixes() {
    const ROUTE_404: &str = "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route";
    let main_page = "/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702";
    let examples = aqs_http::routes::all().map(|route| route.example);
    for path in examples.chain([main_page]) {
        let (short, long) = (
            get(&format!("/metrics{path}")).await,
            get(&format!("/api/rest_v1/metrics{path}")).await,
        );
        assert_eq!((short.status, &short.body), (long.status, &long.body), "{path}");
        if short.status != 200 {
            assert_ne!(short.json()["type"], ROUTE_404, "{path} was not routed");
        }
    }
    assert_eq!(get("/metrics/pageviews/per-article").await.json()["type"], ROUTE_404);
    // A family and route that do not exist, with the right number of segments.
    let unknown = get("/metrics/pageviews/per-page/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702").await;
    assert_eq!((unknown.status.as_u16(), unknown.json()["type"].clone()), (404, ROUTE_404.into()));
    // `OPTIONS` names the methods of API routes only.
    assert_eq!(call_with("OPTIONS", "/metrics/nothing/here", &[]).await.header("allow"), None);
}

#[tokio::test]
async fn other_methods_get_the_route_404() {
    let answer = call_with("POST", "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702", &[]).await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.json()["method"], "post");
    assert_eq!(
        answer.json()["type"],
        "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route"
    );
}

#[tokio::test]
async fn paths_with_a_trailing_slash_or_no_parameters_get_the_route_404() {
    for uri in [
        "/metrics/pageviews/per-article/en.wikipedia/all-access/all-agents/Main_Page/daily/20150701/20150702/",
        "/metrics/pageviews/per-article/",
        "/metrics/pageviews/per-article",
        "/api/rest_v1/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10/",
        // A bad escape in a path of the wrong shape is still the route 404.
        "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/%FF/extra",
    ] {
        let answer = get(uri).await;
        assert_eq!(answer.status, 404, "{uri}");
        assert_eq!(
            answer.json()["type"],
            "https://mediawiki.org/wiki/HyperSwitch/errors/not_found#route",
            "{uri}"
        );
    }
}

#[tokio::test]
async fn a_title_with_a_literal_percent_escape_is_decoded_once() {
    // `Literal%20Percent` is requested as `Literal%2520Percent`; decoding twice made it
    // `Literal Percent` and then `Literal_Percent`, which found nothing.
    let answer = get("/metrics/pageviews/per-article/en.wikipedia/desktop/user/Literal%2520Percent/daily/20150701/20150701").await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    assert_eq!(answer.json()["items"][0]["article"], "Literal%20Percent");
    assert_eq!(answer.json()["items"][0]["views"], 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_on_the_blocking_pool_answer_the_same() {
    for uri in [
        "/metrics/pageviews/per-article/en.wikipedia/all-access/user/Main_Page/monthly/20150601/20150731",
        "/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/2015100100/2015100102",
        "/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10",
        "/metrics/pageviews/per-article/en.wikipedia/all-access/user/Nope/daily/20150601/20150731",
    ] {
        let inline = call_on(StoreCalls::Inline, "GET", uri, &[]).await;
        let pooled = call_on(StoreCalls::BlockingPool, "GET", uri, &[]).await;
        assert_eq!(
            (inline.status, inline.headers, inline.body),
            (pooled.status, pooled.headers, pooled.body),
            "{uri}"
        );
    }
}
