-- aqs ClickHouse schema, version 1, cluster mode only: a Distributed table over each table of
-- 0001_pageviews.sql, named without the `_local` suffix, sharded so that the rows one request
-- reads sit on one shard. Placeholders as in 0001_pageviews.sql, and ${CLUSTER}, the cluster.

CREATE TABLE IF NOT EXISTS ${DB}.aqs_schema ${ON_CLUSTER} AS ${DB}.aqs_schema_local
ENGINE = Distributed(${CLUSTER}, ${DB}, aqs_schema_local, rand())
;

CREATE TABLE IF NOT EXISTS ${DB}.aqs_batches ${ON_CLUSTER} AS ${DB}.aqs_batches_local
ENGINE = Distributed(${CLUSTER}, ${DB}, aqs_batches_local, rand())
;

CREATE TABLE IF NOT EXISTS ${DB}.pageviews_per_article ${ON_CLUSTER} AS ${DB}.pageviews_per_article_local
ENGINE = Distributed(${CLUSTER}, ${DB}, pageviews_per_article_local, cityHash64(project, article))
;

CREATE TABLE IF NOT EXISTS ${DB}.pageviews_per_project ${ON_CLUSTER} AS ${DB}.pageviews_per_project_local
ENGINE = Distributed(${CLUSTER}, ${DB}, pageviews_per_project_local, cityHash64(project))
;

CREATE TABLE IF NOT EXISTS ${DB}.pageviews_top ${ON_CLUSTER} AS ${DB}.pageviews_top_local
ENGINE = Distributed(${CLUSTER}, ${DB}, pageviews_top_local, cityHash64(project))
;
