-- aqs ClickHouse schema, version 3, cluster mode only: the Distributed table over
-- feature_usage_local, sharded by key so that the rows of one counter meet on one shard.

CREATE TABLE IF NOT EXISTS ${DB}.feature_usage ${ON_CLUSTER} AS ${DB}.feature_usage_local
ENGINE = Distributed(${CLUSTER}, ${DB}, feature_usage_local, cityHash64(agent, feature))
;
