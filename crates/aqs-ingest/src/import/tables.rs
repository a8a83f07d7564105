//! The AQS tables `aqs import` takes: their names, columns and datasets.

use aqs_core::table::Dataset;

/// The AQS tables `aqs import` accepts, by their AQS logical names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportTable {
    PerArticleFlat,
    PerProjectV2,
    TopPageviews,
    UniqueDevices,
    LegacyPagecounts,
    KnowledgeGap,
    EditorsByCountry,
    TopByCountry,
    TopPerCountry,
    MediaRequestsPerFile,
    MediaRequestsPerReferer,
    MediaRequestsTopFiles,
}

impl ImportTable {
    pub const NAMES: [&'static str; 12] = [
        "pageviews.per.article.flat",
        "pageviews.per.project.v2",
        "top.pageviews",
        "unique.devices",
        "lgc.pagecounts.per.project",
        "knowledge.gap.by.category",
        "editors.bycountry",
        "top.bycountry",
        "top.percountry",
        "mediarequest.per.file",
        "mediarequest.per.referer",
        "mediarequest.top.files",
    ];

    pub fn parse(name: &str) -> Option<ImportTable> {
        match name {
            "pageviews.per.article.flat" => Some(ImportTable::PerArticleFlat),
            "pageviews.per.project.v2" => Some(ImportTable::PerProjectV2),
            "top.pageviews" => Some(ImportTable::TopPageviews),
            "unique.devices" => Some(ImportTable::UniqueDevices),
            "lgc.pagecounts.per.project" => Some(ImportTable::LegacyPagecounts),
            "knowledge.gap.by.category" => Some(ImportTable::KnowledgeGap),
            "editors.bycountry" => Some(ImportTable::EditorsByCountry),
            "top.bycountry" => Some(ImportTable::TopByCountry),
            "top.percountry" => Some(ImportTable::TopPerCountry),
            "mediarequest.per.file" => Some(ImportTable::MediaRequestsPerFile),
            "mediarequest.per.referer" => Some(ImportTable::MediaRequestsPerReferer),
            "mediarequest.top.files" => Some(ImportTable::MediaRequestsTopFiles),
            _ => None,
        }
    }

    /// The dataset the table's rows are published in.
    pub fn dataset(self) -> Dataset {
        match self {
            ImportTable::PerArticleFlat | ImportTable::PerProjectV2 | ImportTable::TopPageviews => {
                Dataset::Pageviews
            }
            ImportTable::UniqueDevices => Dataset::UniqueDevices,
            ImportTable::LegacyPagecounts => Dataset::LegacyPagecounts,
            ImportTable::KnowledgeGap => Dataset::KnowledgeGap,
            ImportTable::EditorsByCountry => Dataset::EditorsByCountry,
            ImportTable::TopByCountry => Dataset::TopByCountry,
            ImportTable::TopPerCountry => Dataset::TopPerCountry,
            ImportTable::MediaRequestsPerFile
            | ImportTable::MediaRequestsPerReferer
            | ImportTable::MediaRequestsTopFiles => Dataset::MediaRequests,
        }
    }

    pub(crate) fn columns(self) -> &'static [&'static str] {
        match self {
            ImportTable::PerArticleFlat => &["project", "article", "granularity", "timestamp"],
            ImportTable::PerProjectV2 => {
                &["project", "access", "agent", "granularity", "timestamp", "views", "v"]
            }
            ImportTable::TopPageviews => {
                &["project", "access", "year", "month", "day", "articles", "articlesJSON"]
            }
            ImportTable::UniqueDevices => &[
                "project",
                "access-site",
                "granularity",
                "timestamp",
                "devices",
                "offset",
                "underestimate",
            ],
            ImportTable::LegacyPagecounts => {
                &["project", "access-site", "granularity", "timestamp", "count"]
            }
            ImportTable::KnowledgeGap => {
                &["dt", "project", "content_gap", "category", "metric", "value"]
            }
            ImportTable::EditorsByCountry => {
                &["project", "activity-level", "year", "month", "countriesJSON"]
            }
            ImportTable::TopByCountry => &["project", "access", "year", "month", "countriesJSON"],
            ImportTable::TopPerCountry => {
                &["country", "access", "year", "month", "day", "articles"]
            }
            ImportTable::MediaRequestsPerFile => &[
                "referer",
                "file_path",
                "granularity",
                "timestamp",
                "user",
                "spider",
                "poster_user",
                "poster_spider",
                "plays_user",
                "plays_spider",
            ],
            // `poster_requests` and `play_requests` (newer loaders) are read and not served,
            // as AQS 1.0 did not serve them.
            ImportTable::MediaRequestsPerReferer => &[
                "referer",
                "media_type",
                "agent",
                "granularity",
                "timestamp",
                "requests",
                "poster_requests",
                "play_requests",
            ],
            ImportTable::MediaRequestsTopFiles => {
                &["referer", "media_type", "year", "month", "day", "filesJSON", "video_filesJSON"]
            }
        }
    }
}
