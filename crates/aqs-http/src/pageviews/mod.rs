//! `/metrics/pageviews/...`: one module per route, mirroring the URL tree.

pub(crate) mod aggregate;
pub(crate) mod per_article;
pub(crate) mod top;
pub(crate) mod top_by_country;
pub(crate) mod top_per_country;

use crate::routes::{
    ACCESS, AGENT, DAILY_OR_MONTHLY, DAY_OR_ALL_DAYS, END, HOURLY_DAILY_OR_MONTHLY, MONTH, PROJECT,
    Param, RouteSpec, START, YEAR,
};
use aqs_core::table::Dataset;
use axum::handler::Handler;

/// The family's routes, in the order of the original's documentation.
pub(crate) const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        name: "pageviews/per-article",
        path: "/pageviews/per-article/{project}/{access}/{agent}/{article}/{granularity}/{start}/{end}",
        summary: "Page views of one article, daily or monthly",
        dataset: Dataset::Pageviews,
        params: &[
            PROJECT,
            ACCESS,
            AGENT,
            Param {
                name: "article",
                description: "The title, with underscores for spaces, percent-encoded (`AC%2FDC`)",
                allowed: None,
            },
            DAILY_OR_MONTHLY,
            START,
            END,
        ],
        example: "/pageviews/per-article/en.wikipedia/all-access/all-agents/-/daily/1970010100/1970010100",
        example_expects: &[("article", "\"-\""), ("timestamp", "\"1970010100\""), ("views", "0")],
        handler: |req, state| per_article::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/aggregate",
        path: "/pageviews/aggregate/{project}/{access}/{agent}/{granularity}/{start}/{end}",
        summary: "Page views of a whole project (or of all projects), hourly, daily or monthly",
        dataset: Dataset::Pageviews,
        params: &[PROJECT, ACCESS, AGENT, HOURLY_DAILY_OR_MONTHLY, START, END],
        example: "/pageviews/aggregate/en.wikipedia/all-access/all-agents/hourly/1970010100/1970010100",
        example_expects: &[("timestamp", "\"1970010100\""), ("views", "0")],
        handler: |req, state| aggregate::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/top",
        path: "/pageviews/top/{project}/{access}/{year}/{month}/{day}",
        summary: "The 1000 most viewed articles of a project for a day, or a month (`all-days`)",
        dataset: Dataset::Pageviews,
        params: &[PROJECT, ACCESS, YEAR, MONTH, DAY_OR_ALL_DAYS],
        example: "/pageviews/top/en.wikipedia/all-access/1970/01/01",
        example_expects: &[("articles", r#"[{"article":"-","views":0,"rank":1}]"#)],
        handler: |req, state| top::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/top-by-country",
        path: "/pageviews/top-by-country/{project}/{access}/{year}/{month}",
        summary: "The countries a project's views came from in a month (views in buckets, and ceiled to thousands)",
        dataset: Dataset::TopByCountry,
        params: &[PROJECT, ACCESS, YEAR, MONTH],
        example: "/pageviews/top-by-country/en.wikipedia/all-access/1970/01",
        example_expects: &[("countries", r#"[{"country":"-","views":"100-999","rank":1}]"#)],
        handler: |req, state| top_by_country::handle.call(req, state),
    },
    RouteSpec {
        name: "pageviews/top-per-country",
        path: "/pageviews/top-per-country/{country}/{access}/{year}/{month}/{day}",
        summary: "The most viewed articles of a day from one country, across projects (views ceiled to hundreds)",
        dataset: Dataset::TopPerCountry,
        params: &[
            Param {
                name: "country",
                description: "ISO 3166-1 alpha-2 country code, upper-case (`US`), as stored",
                allowed: None,
            },
            ACCESS,
            YEAR,
            MONTH,
            Param { name: "day", description: "DD (daily lists only)", allowed: None },
        ],
        example: "/pageviews/top-per-country/US/all-access/1970/01/01",
        example_expects: &[(
            "articles",
            r#"[{"article":"-","project":"en.wikipedia","views_ceil":100,"rank":1}]"#,
        )],
        handler: |req, state| top_per_country::handle.call(req, state),
    },
];
