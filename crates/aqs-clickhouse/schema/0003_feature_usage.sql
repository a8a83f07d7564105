-- aqs ClickHouse schema, version 3: API feature usage counters (aqs_core::feature_usage).
-- Placeholders as in 0001_pageviews.sql; ${SUMMING:table} is SummingMergeTree (replicated in
-- cluster mode with a ZooKeeper).
--
-- One row per insert of a (day, agent, feature) count; SummingMergeTree adds the hits of a
-- key as parts merge, and reads sum them again (GROUP BY), so an insert is the whole upsert
-- and any number of aqs instances can ingest at once. A partition per day: expired days are
-- dropped whole.

CREATE TABLE IF NOT EXISTS ${DB}.feature_usage${LOCAL} ${ON_CLUSTER}
(
    day Date,
    agent String,
    feature String,
    hits UInt64
)
ENGINE = ${SUMMING:feature_usage}
PARTITION BY day
ORDER BY (day, agent, feature)
;
