//! Compatibility cases as data: each case of `cases.json` is a request with the status and the
//! whole JSON body the original answers.

use super::get;

#[tokio::test]
async fn every_compatibility_case_answers_as_the_original() {
    let cases: Vec<serde_json::Value> =
        serde_json::from_str(include_str!("cases.json")).expect("cases.json parses");
    assert!(cases.len() > 30);
    for case in cases {
        let uri = case["request"].as_str().expect("request");
        for prefix in ["/metrics", "/api/rest_v1/metrics"] {
            let answer = get(&format!("{prefix}{uri}")).await;
            assert_eq!(
                answer.status.as_u16() as u64,
                case["status"].as_u64().unwrap(),
                "{prefix}{uri}: {}",
                String::from_utf8_lossy(&answer.body)
            );
            let mut expected = case["body"].clone();
            if let Some(path) = expected.get_mut("uri") {
                *path = serde_json::Value::String(format!(
                    "/analytics.wikimedia.org/v1{}",
                    path.as_str().unwrap()
                ));
            }
            assert_eq!(answer.json(), expected, "{prefix}{uri}");
        }
    }
}
