//! The table of API routes: path template, parameters, example request and default rate
//! limit of each. The router is built from it, and so are the OpenAPI document
//! ([`crate::openapi`]), the throttling families ([`crate::throttle`]), the metric labels and
//! `aqs check`'s probes: a route cannot be served without being documented, or the reverse.

use crate::AppState;
use aqs_core::params::{Access, Agent, ArticleGranularity, ProjectGranularity};
use axum::extract::Request;
use axum::handler::Handler;
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
    /// The route's name: its family and sub-route, as in the URL (`pageviews/per-article`).
    /// Rate limits, metrics and logs use it.
    pub name: &'static str,
    /// The template under the `/metrics` prefix, with `{param}` segments.
    pub path: &'static str,
    pub summary: &'static str,
    pub params: &'static [Param],
    /// An example request under the prefix: the original's x-ample (api-contract §4), which
    /// reads the synthetic 1970-01-01 rows that `aqs add-probe-rows` writes.
    pub example: &'static str,
    /// What the example's first item must hold (field, JSON value), checked by `aqs check`.
    pub example_expects: &'static [(&'static str, &'static str)],
    /// The handler, for `GET` and `HEAD` (the router's `dispatch` finds it with [`route_of`]).
    pub handler: HandlerFn,
}

const PROJECT: Param = Param {
    name: "project",
    description: "The project: a domain such as `en.wikipedia.org` or `en.wikipedia`, or `all-projects` where allowed",
    allowed: None,
};
const ACCESS: Param = Param {
    name: "access",
    description: "How the pages were reached",
    allowed: Some(Access::ALLOWED),
};
const AGENT: Param =
    Param { name: "agent", description: "Who asked for the pages", allowed: Some(Agent::ALLOWED) };
const START: Param = Param {
    name: "start",
    description: "First day or hour, YYYYMMDD or YYYYMMDDHH",
    allowed: None,
};
const END: Param = Param {
    name: "end",
    description: "Last day or hour (inclusive), YYYYMMDD or YYYYMMDDHH",
    allowed: None,
};

/// Every route, in the order of the original's documentation.
pub const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        name: "pageviews/per-article",
        path: "/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}",
        summary: "Page views of one article, daily or monthly",
        params: &[
            PROJECT,
            ACCESS,
            AGENT,
            Param {
                name: "article",
                description: "The title, with underscores for spaces, percent-encoded (`AC%2FDC`)",
                allowed: None,
            },
            Param {
                name: "granularity",
                description: "The time unit of the series",
                allowed: Some(ArticleGranularity::ALLOWED),
            },
            START,
            END,
        ],
        example: "/pageviews/per-article/en.wikipedia/all-access/all-agents/-/daily/1970010100/1970010100",
        example_expects: &[("article", "\"-\""), ("timestamp", "\"1970010100\""), ("views", "0")],
        handler: |req, state| crate::pageviews::per_article::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/aggregate",
        path: "/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}",
        summary: "Page views of a whole project (or of all projects), hourly, daily or monthly",
        params: &[
            PROJECT,
            ACCESS,
            AGENT,
            Param {
                name: "granularity",
                description: "The time unit of the series",
                allowed: Some(ProjectGranularity::ALLOWED),
            },
            START,
            END,
        ],
        example: "/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/1970010100/1970010100",
        example_expects: &[("timestamp", "\"1970010100\""), ("views", "0")],
        handler: |req, state| crate::pageviews::aggregate::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/top",
        path: "/pageviews/top/{project}/{access}/{year}/{month}/{day}",
        summary: "The 1000 most viewed articles of a project for a day, or a month (`all-days`)",
        params: &[
            PROJECT,
            ACCESS,
            Param { name: "year", description: "YYYY", allowed: None },
            Param { name: "month", description: "MM", allowed: None },
            Param { name: "day", description: "DD, or `all-days` for the month", allowed: None },
        ],
        example: "/pageviews/top/en.wikipedia/all-access/1970/01/01",
        example_expects: &[("articles", r#"[{"article":"-","views":0,"rank":1}]"#)],
        handler: |req, state| crate::pageviews::top::handle.call(req, state),
    },
];

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
}

/// The route a request path belongs to, from its first two segments under the prefix
/// (`pageviews/top`), whether or not the rest matches; `None` for paths outside the API.
/// The handler's `Segments` extractor checks the rest. This is the API's routing (the
/// router's fallback, `dispatch`), cheap enough for the throttle and the metrics to call too.
pub fn route_of(path: &str) -> Option<&'static RouteSpec> {
    let rest = strip_prefix(path)?;
    let mut segments = rest[1..].splitn(3, '/');
    let (family, route) = (segments.next()?, segments.next()?);
    ROUTES.iter().find(|r| {
        let name = r.name;
        name.len() == family.len() + 1 + route.len()
            && name.starts_with(family)
            && name[family.len()..].starts_with('/')
            && name.ends_with(route)
    })
}

/// The name of [`route_of`]'s route.
pub fn route_name(path: &str) -> Option<&'static str> {
    route_of(path).map(|route| route.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_a_fixed_part_then_parameters() {
        // `route_of` and the handlers' `Segments<2, N>` rely on it.
        for route in ROUTES {
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
    fn route_names_come_from_the_first_two_segments() {
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
    fn every_example_is_under_its_template() {
        for route in ROUTES {
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
