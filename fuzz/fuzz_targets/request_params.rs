//! Path parameters through the two-stage validation of every pageviews route: any segments
//! give a typed request or an AQS error, never a panic.
#![no_main]

use aqs_core::pageviews::{
    AggregateParams, AggregateRequest, PerArticleParams, PerArticleRequest, TopParams, TopRequest,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &str| {
    let s: Vec<&str> = data.splitn(8, '/').collect();
    let at = |i: usize| s.get(i).copied().unwrap_or("");
    let _ = PerArticleRequest::parse(PerArticleParams {
        project: at(0),
        access: at(1),
        agent: at(2),
        article: at(3),
        granularity: at(4),
        start: at(5),
        end: at(6),
    });
    let _ = AggregateRequest::parse(AggregateParams {
        project: at(0),
        access: at(1),
        agent: at(2),
        granularity: at(3),
        start: at(4),
        end: at(5),
    });
    let _ = TopRequest::parse(TopParams {
        project: at(0),
        access: at(1),
        year: at(2),
        month: at(3),
        day: at(4),
    });
    let _ = aqs_core::project::Project::normalize(data);
});
