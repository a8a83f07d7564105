//! `GET /metrics/mediarequests/aggregate/{referer}/{media_type}/{agent}/{granularity}/{start}/{end}`
//! (api-contract §2.9).

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::store_call::{SeriesQuery, series_items};
use aqs_core::mediarequests::{AggregateParams, AggregateRequest, PER_REFERER};
use axum::extract::State;
use axum::response::Response;

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<6>,
) -> Result<Response, ApiError> {
    let request = AggregateRequest::parse(AggregateParams {
        referer: &s[0],
        media_type: &s[1],
        agent: &s[2],
        granularity: &s[3],
        start: &s[4],
        end: &s[5],
    })?;
    let (referer, agent) = (request.referer.as_str(), request.agent.as_str());
    let query = SeriesQuery {
        table: &PER_REFERER,
        key: vec![referer.to_string(), request.media_type.clone(), agent.to_string()],
        first: request.first,
        last: request.last,
        fields: &[
            ("referer", referer),
            ("media_type", &request.media_type),
            ("agent", agent),
            ("granularity", request.granularity.as_str()),
        ],
        values: &["requests"],
        timestamp_digits: 10,
    };
    series_items(&state, query).await
}
