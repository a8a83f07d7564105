//! Whole responses of the aggregate route.

use crate::get;

#[tokio::test]
async fn hourly_response() {
    insta::assert_snapshot!(get("/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/2015100100/2015100102").await.snapshot());
}

#[tokio::test]
async fn date_errors_are_an_array() {
    insta::assert_snapshot!(get("/metrics/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/20151001/2015093000").await.snapshot());
}
