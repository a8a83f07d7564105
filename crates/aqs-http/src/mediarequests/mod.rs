//! `/metrics/mediarequests/...`: one module per route, mirroring the URL tree.

pub(crate) mod aggregate;
pub(crate) mod per_file;
pub(crate) mod top;

use crate::routes::{DAILY_OR_MONTHLY, DAY_OR_ALL_DAYS, END, MONTH, Param, RouteSpec, START, YEAR};
use aqs_core::params::MediaAgent;
use aqs_core::table::Dataset;
use axum::handler::Handler;

/// The referer parameter of every media requests route.
const REFERER: Param = Param {
    name: "referer",
    description: "Where the requests came from: a project (`en.wikipedia`), `all-referers`, or a class: `internal`, `external`, `search-engine`, `unknown`, `none`",
    allowed: None,
};

/// The agent parameter of the per-file and aggregate routes.
const AGENT: Param = Param {
    name: "agent",
    description: "Who requested the files (`all-agents` is `user` + `spider`)",
    allowed: Some(MediaAgent::ALLOWED),
};

/// The family's routes, in the order of the original's documentation.
pub(crate) const ROUTES: &[RouteSpec] = &[
    RouteSpec {
        name: "mediarequests/per-file",
        path: "/mediarequests/per-file/{referer}/{agent}/{file_path}/{granularity}/{start}/{end}",
        summary: "Requests of one media file from a referer, daily or monthly (answered without an ETag and with a private cache-control, as the original did)",
        dataset: Dataset::MediaRequests,
        params: &[
            REFERER,
            AGENT,
            Param {
                name: "file_path",
                description: "The file's path on upload.wikimedia.org, encoded as one segment (`%2Fwikipedia%2Fcommons%2Fa%2Fa9%2FExample.jpg`); its file name is looked up percent-encoded as the original did",
                allowed: None,
            },
            DAILY_OR_MONTHLY,
            START,
            END,
        ],
        example: "/mediarequests/per-file/en.wikipedia/all-agents/-/daily/1970010100/1970010100",
        example_expects: &[
            ("file_path", "\"-\""),
            ("timestamp", "\"1970010100\""),
            ("requests", "0"),
        ],
        handler: |req, state| per_file::handle.call(req, state),
    },
    RouteSpec {
        name: "mediarequests/aggregate",
        path: "/mediarequests/aggregate/{referer}/{media_type}/{agent}/{granularity}/{start}/{end}",
        summary: "Requests of media files (all of them, or of one media type) from a referer, daily or monthly",
        dataset: Dataset::MediaRequests,
        params: &[
            REFERER,
            Param {
                name: "media_type",
                description: "`all-media-types`, `image`, `video`, `audio`, `document` or `other` (an unknown type finds nothing)",
                allowed: None,
            },
            AGENT,
            DAILY_OR_MONTHLY,
            START,
            END,
        ],
        example: "/mediarequests/aggregate/en.wikipedia/all-media-types/all-agents/daily/1970010100/1970010100",
        example_expects: &[("timestamp", "\"1970010100\""), ("requests", "0")],
        handler: |req, state| aggregate::handle.call(req, state),
    },
    RouteSpec {
        name: "mediarequests/top",
        path: "/mediarequests/top/{referer}/{media_type}/{year}/{month}/{day}",
        summary: "The 1000 most requested media files from a referer for a day, or a month (`all-days`)",
        dataset: Dataset::MediaRequests,
        params: &[
            REFERER,
            Param {
                name: "media_type",
                description: "`all-media-types`, `image`, `video`, `audio`, `document` or `other`",
                allowed: None,
            },
            YEAR,
            MONTH,
            DAY_OR_ALL_DAYS,
        ],
        example: "/mediarequests/top/en.wikipedia/all-media-types/1970/01/01",
        example_expects: &[("files", r#"[{"file_path":"-","requests":0,"rank":1}]"#)],
        handler: |req, state| top::handle.call(req, state),
    },
];
