//! Whole responses of the top route.

use crate::get;

#[tokio::test]
async fn daily_top_sorted_by_rank_with_escaped_titles() {
    insta::assert_snapshot!(
        get("/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10").await.snapshot()
    );
}

#[tokio::test]
async fn enum_errors_name_the_allowed_values() {
    insta::assert_snapshot!(
        get("/metrics/pageviews/top/en.wikipedia/phone/2015/10/10").await.snapshot()
    );
}
