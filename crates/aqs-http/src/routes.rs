//! The table of API routes: path template, parameters, example request and default rate
//! limit of each. The router is built from it, and so are the OpenAPI document
//! ([`crate::openapi`]), the throttling families ([`crate::throttle`]), the metric labels and
//! `aqs check`'s probes: a route cannot be served without being documented, or the reverse.

use crate::AppState;
use aqs_core::params::{Access, AccessSite, Agent, ArticleGranularity, ProjectGranularity};
use aqs_core::table::Dataset;
use axum::extract::Request;
use axum::response::Response;
use std::future::Future;
use std::pin::Pin;

/// A route's handler, called with the request and the state.
pub type HandlerFn = fn(Request, AppState) -> Pin<Box<dyn Future<Output = Response> + Send>>;

/// One path parameter.
#[derive(Debug)]
pub struct Param {
    pub name: &'static str,
    pub description: &'static str,
    /// The enum of allowed values, if the parameter is one.
    pub allowed: Option<&'static [&'static str]>,
}

/// One route of the API.
#[derive(Debug)]
pub struct RouteSpec {
    /// The route's name: the fixed segments of its URL (`pageviews/per-article`,
    /// `unique-devices`), which route a request to it. Rate limits, metrics and logs use it.
    pub name: &'static str,
    /// The template under the `/metrics` prefix, with `{param}` segments.
    pub path: &'static str,
    pub summary: &'static str,
    /// The dataset the route reads: its cached answers live as long as its generation.
    pub dataset: Dataset,
    pub params: &'static [Param],
    /// An example request under the prefix: the original's x-ample (api-contract §4), which
    /// reads the synthetic 1970-01-01 rows that `aqs add-probe-rows` writes.
    pub example: &'static str,
    /// What the example's first item must hold (field, JSON value), checked by `aqs check`.
    pub example_expects: &'static [(&'static str, &'static str)],
    /// The handler, for `GET` and `HEAD` (the router's `dispatch` calls it).
    pub handler: HandlerFn,
}

pub(crate) const PROJECT: Param = Param {
    name: "project",
    description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`, or `all-projects` where allowed",
    allowed: None,
};
pub(crate) const ACCESS: Param = Param {
    name: "access",
    description: "How the pages were reached",
    allowed: Some(Access::ALLOWED),
};
pub(crate) const AGENT: Param =
    Param { name: "agent", description: "Who asked for the pages", allowed: Some(Agent::ALLOWED) };
pub(crate) const ACCESS_SITE: Param = Param {
    name: "access-site",
    description: "Which site was visited",
    allowed: Some(AccessSite::ALLOWED),
};
/// The granularity of the daily or monthly series.
pub(crate) const DAILY_OR_MONTHLY: Param = Param {
    name: "granularity",
    description: "The time unit of the series",
    allowed: Some(ArticleGranularity::ALLOWED),
};
/// The granularity of the hourly, daily or monthly series.
pub(crate) const HOURLY_DAILY_OR_MONTHLY: Param = Param {
    name: "granularity",
    description: "The time unit of the series",
    allowed: Some(ProjectGranularity::ALLOWED),
};
pub(crate) const YEAR: Param = Param { name: "year", description: "YYYY", allowed: None };
pub(crate) const MONTH: Param = Param { name: "month", description: "MM", allowed: None };
pub(crate) const DAY_OR_ALL_DAYS: Param =
    Param { name: "day", description: "DD, or `all-days` for the month", allowed: None };
pub(crate) const START: Param = Param {
    name: "start",
    description: "First day or hour, YYYYMMDD or YYYYMMDDHH",
    allowed: None,
};
pub(crate) const END: Param = Param {
    name: "end",
    description: "Last day or hour (inclusive), YYYYMMDD or YYYYMMDDHH",
    allowed: None,
};

/// Every family's routes, in the order of the original's documentation. A family module
/// lists its routes next to its handlers (`crate::pageviews::ROUTES`).
pub const FAMILIES: &[&[RouteSpec]] = &[
    crate::pageviews::ROUTES,
    crate::unique_devices::ROUTES,
    crate::legacy_pagecounts::ROUTES,
    crate::mediarequests::ROUTES,
    crate::editors_by_country::ROUTES,
    crate::knowledge_gap::ROUTES,
    crate::history::ROUTES,
];

/// Every route of the API.
pub fn all() -> impl Iterator<Item = &'static RouteSpec> + Clone {
    FAMILIES.iter().flat_map(|family| family.iter())
}

/// The per-second limits per client IP of the original's public gateway (api-contract §1.9),
/// by route name; the routes of families not served yet are listed so that their limits are
/// in place when they are.
const DEFAULT_LIMITS: &[(&str, u32)] = &[
    ("edits/per-page", 5),
    ("edited-pages/", 25),
    ("editors/by-country", 100),
    ("editors/", 25),
    ("edits/aggregate", 25),
    ("registered-users/", 25),
    ("bytes-difference/", 25),
    // One request of up to 1,000 articles (`crate::ext`) counts once.
    ("ext/", 10),
];

/// The default per-second limit of a route name (100 unless §1.9 says otherwise).
pub fn default_limit(name: &str) -> u32 {
    DEFAULT_LIMITS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map_or(100, |&(_, limit)| limit)
}

/// Strips a public prefix (`/metrics` or `/api/rest_v1/metrics`) off a path.
pub fn strip_prefix(path: &str) -> Option<&str> {
    crate::PREFIXES
        .iter()
        .rev()
        .find_map(|prefix| path.strip_prefix(prefix).filter(|rest| rest.starts_with('/')))
        .or_else(|| crate::ext::filled::strip(path))
}

/// The route a request path belongs to, from its fixed part under the prefix
/// (`pageviews/top`, `unique-devices`, `legacy/pagecounts/aggregate`), whether or not the
/// rest matches; `None` for paths outside the API. [`crate::extract::PathParams`] checks the
/// rest. This is the API's routing: the pipeline calls it once per request and keeps the
/// answer in the request ([`MatchedRoute`]) for the throttle, the metrics, the router's
/// `dispatch` and the handler.
pub fn route_of(path: &str) -> Option<&'static RouteSpec> {
    let rest = &strip_prefix(path)?[1..];
    // No fixed part is another's followed by `/` (tested), so at most one matches.
    all().find(|r| {
        rest.len() > r.name.len()
            && rest.starts_with(r.name)
            && rest.as_bytes()[r.name.len()] == b'/'
    })
}

/// The name of [`route_of`]'s route.
pub fn route_name(path: &str) -> Option<&'static str> {
    route_of(path).map(|route| route.name)
}

/// The route the pipeline found for a request (a request extension), or `None` outside the
/// API.
#[derive(Debug, Clone, Copy)]
pub struct MatchedRoute(pub &'static RouteSpec);

impl RouteSpec {
    /// How many leading segments of the path (under the prefix) name the route.
    pub fn fixed_segments(&self) -> usize {
        self.name.split('/').count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_a_fixed_part_then_parameters() {
        // `route_of` and the handlers' `PathParams<N>` rely on it.
        for route in all() {
            let fixed = &route.path[..route.path.find('{').unwrap()];
            assert_eq!(fixed, format!("/{}/", route.name), "{}", route.name);
            let rest: Vec<&str> = route.path[fixed.len()..].split('/').collect();
            assert!(rest.iter().all(|s| s.starts_with('{') && s.ends_with('}')), "{}", route.path);
            assert_eq!(rest.len(), route.params.len(), "{}", route.path);
        }
    }

    #[test]
    fn limits_follow_the_gateway_table() {
        assert_eq!(default_limit("pageviews/per-article"), 100);
        assert_eq!(default_limit("edits/per-page"), 5);
        assert_eq!(default_limit("edits/aggregate"), 25);
        assert_eq!(default_limit("editors/top-by-edits"), 25);
        assert_eq!(default_limit("editors/by-country"), 100);
        assert_eq!(default_limit("unique-devices/x"), 100);
    }

    #[test]
    fn route_names_come_from_the_fixed_segments() {
        assert_eq!(
            route_name("/metrics/pageviews/top/en.wikipedia/all-access/2015/10/10"),
            Some("pageviews/top")
        );
        assert_eq!(
            route_name("/api/rest_v1/metrics/pageviews/per-article/x"),
            Some("pageviews/per-article")
        );
        assert_eq!(route_name("/metrics/pageviews/per-articles/x"), None);
        assert_eq!(route_name("/metrics/pageviews"), None);
        assert_eq!(route_name("/metricsx/pageviews/top/x"), None);
        assert_eq!(route_name("/healthz"), None);
    }

    #[test]
    fn no_fixed_part_is_another_route_with_parameters_after_it() {
        // A path is one route's whatever its parameters: no route's fixed part starts with
        // another's followed by `/`, so `route_of` may take the first match.
        for a in all() {
            for b in all().filter(|b| b.name != a.name) {
                assert!(!a.name.starts_with(&format!("{}/", b.name)), "{} / {}", a.name, b.name);
            }
        }
        let names: std::collections::HashSet<_> = all().map(|r| r.name).collect();
        assert_eq!(names.len(), all().count());
    }

    #[test]
    fn every_example_is_under_its_template() {
        for route in all() {
            assert_eq!(
                route.example.split('/').count(),
                route.path.split('/').count(),
                "{}",
                route.name
            );
            assert_eq!(route_name(&format!("/metrics{}", route.example)), Some(route.name));
            let params = route.path.matches('{').count();
            assert_eq!(params, route.params.len(), "{}", route.name);
        }
    }
}
