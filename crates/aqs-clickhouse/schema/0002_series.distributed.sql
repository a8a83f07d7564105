-- aqs ClickHouse schema, version 2, cluster mode only: Distributed tables over the tables of
-- 0002_series.sql, sharded so that the rows of one series key sit on one shard.

CREATE TABLE IF NOT EXISTS ${DB}.series_batches ${ON_CLUSTER} AS ${DB}.series_batches_local
ENGINE = Distributed(${CLUSTER}, ${DB}, series_batches_local, rand())
;

CREATE TABLE IF NOT EXISTS ${DB}.series ${ON_CLUSTER} AS ${DB}.series_local
ENGINE = Distributed(${CLUSTER}, ${DB}, series_local, cityHash64(name, key))
;
