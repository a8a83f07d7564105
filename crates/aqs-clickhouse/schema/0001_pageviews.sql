-- aqs ClickHouse schema, version 1: the pageviews family, and the bookkeeping tables.
--
-- Applied by `aqs clickhouse init`, which fills in the placeholders:
--   ${DB}             the database
--   ${LOCAL}          empty; `_local` in cluster mode, where the tables below hold each shard's
--                     rows and a Distributed table named without the suffix spans them
--   ${ON_CLUSTER}     empty, or `ON CLUSTER name` when the cluster has a ZooKeeper
--   ${ENGINE:table}   MergeTree(), or ReplicatedMergeTree(...) when the cluster has a ZooKeeper
-- Every statement is idempotent (IF NOT EXISTS). Statements end with a line holding only `;`.
--
-- Visibility: every row carries the id of the batch (one load step, or one import file) that
-- wrote it. A batch becomes visible at once, when its row in aqs_batches is inserted after all
-- of its data rows; rows of batches without that row (a load that failed) are never read.
-- Readers keep, per key, the row of the newest committed batch that is not older than the
-- newest committed batch that replaced its day.

CREATE TABLE IF NOT EXISTS ${DB}.aqs_schema${LOCAL} ${ON_CLUSTER}
(
    version UInt32,
    applied DateTime,
    cluster String,
    nodes Array(String)
)
ENGINE = ${ENGINE:aqs_schema}
ORDER BY version
;

CREATE TABLE IF NOT EXISTS ${DB}.aqs_batches${LOCAL} ${ON_CLUSTER}
(
    batch UInt64,
    committed DateTime,
    replace_article_days Array(Date),
    replace_project_days Array(Date),
    article_rows UInt64,
    project_rows UInt64,
    top_rows UInt64
)
ENGINE = ${ENGINE:aqs_batches}
ORDER BY batch
;

-- pageviews.per.article.flat: one row per (project, article, day), the 16 access x agent
-- counters under their Cassandra names (a = all-access/all-agents ... mwu = mobile-web/user).
-- Sorted for range reads of one article; small granules for point lookups.
CREATE TABLE IF NOT EXISTS ${DB}.pageviews_per_article${LOCAL} ${ON_CLUSTER}
(
    project String,
    article String,
    day Date,
    batch UInt64,
    aa UInt32, ab UInt32, `as` UInt32, au UInt32,
    da UInt32, db UInt32, ds UInt32, du UInt32,
    maa UInt32, mab UInt32, mas UInt32, mau UInt32,
    mwa UInt32, mwb UInt32, mws UInt32, mwu UInt32
)
ENGINE = ${ENGINE:pageviews_per_article}
PARTITION BY toYYYYMM(day)
ORDER BY (project, article, day)
SETTINGS index_granularity = 256
;

-- pageviews.per.project.v2: hourly, daily and monthly series per (project, access, agent);
-- period_start is the first second of the hour, day or month (UTC).
CREATE TABLE IF NOT EXISTS ${DB}.pageviews_per_project${LOCAL} ${ON_CLUSTER}
(
    project String,
    access Enum8('all-access' = 1, 'desktop' = 2, 'mobile-app' = 3, 'mobile-web' = 4),
    agent Enum8('all-agents' = 1, 'automated' = 2, 'spider' = 3, 'user' = 4),
    granularity Enum8('hourly' = 1, 'daily' = 2, 'monthly' = 3),
    period_start DateTime,
    batch UInt64,
    views UInt64
)
ENGINE = ${ENGINE:pageviews_per_project}
ORDER BY (project, access, agent, granularity, period_start)
SETTINGS index_granularity = 256
;

-- top.pageviews: one list per (project, access, day or month), as a JSON array of
-- {"article", "views", "rank"}; invalid = 1 marks an imported legacy row that is not JSON.
CREATE TABLE IF NOT EXISTS ${DB}.pageviews_top${LOCAL} ${ON_CLUSTER}
(
    project String,
    access Enum8('all-access' = 1, 'desktop' = 2, 'mobile-app' = 3, 'mobile-web' = 4),
    granularity Enum8('daily' = 2, 'monthly' = 3),
    day Date,
    batch UInt64,
    invalid UInt8,
    articles String
)
ENGINE = ${ENGINE:pageviews_top}
ORDER BY (project, access, granularity, day)
SETTINGS index_granularity = 64
;
