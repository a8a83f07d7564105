//! `GET /metrics/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}`

use crate::AppState;
use crate::error::ApiError;
use crate::extract::PathParams;
use crate::headers;
use crate::items::{SeriesWriter, push_days};
use crate::store_call::read;
use aqs_core::RequestError;
use aqs_core::pageviews::{PerArticleParams, PerArticleRequest};
use aqs_core::params::ArticleGranularity;
use axum::extract::State;
use axum::response::Response;

pub async fn handle(
    State(state): State<AppState>,
    PathParams(s): PathParams<7>,
) -> Result<Response, ApiError> {
    let request = PerArticleRequest::parse(PerArticleParams {
        project: &s[0],
        access: &s[1],
        agent: &s[2],
        article: &s[3],
        granularity: &s[4],
        start: &s[5],
        end: &s[6],
    })?;
    if crate::ext::filled::active() {
        return crate::ext::filled::per_article(&state, &request).await;
    }
    let store = state.pageviews.clone();
    let (project, article, first, last) =
        (request.project.clone(), request.article.clone(), request.first, request.last);
    let rows = read(&state, move || store.article_series(&project, &article, first, last)).await?;
    if rows.is_empty() {
        return Err(RequestError::NoData.into());
    }
    let (granularity, capacity) = match request.granularity {
        ArticleGranularity::Daily => ("daily", rows.len()),
        ArticleGranularity::Monthly => ("monthly", 1 + rows.len() / 28),
    };
    let mut items = SeriesWriter::new(
        &[
            ("project", request.project.as_str()),
            ("article", &request.article),
            ("granularity", granularity),
        ],
        &[("access", request.access.as_str()), ("agent", request.agent.as_str())],
        capacity,
    );
    let views =
        |v: &aqs_core::pageviews::ArticleViews| u64::from(v.get(request.access, request.agent));
    let monthly = request.granularity == ArticleGranularity::Monthly;
    push_days(&mut items, rows.iter().map(|(day, v)| (*day, views(v))), monthly);
    Ok(headers::json_body(items.finish()))
}
