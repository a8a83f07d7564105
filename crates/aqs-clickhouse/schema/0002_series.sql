-- aqs ClickHouse schema, version 2: the series tables of every family other than pageviews
-- (aqs_core::table), and their batches. Placeholders as in 0001_pageviews.sql.
--
-- Visibility works as for pageviews: a series batch's rows go in first, then its row in
-- series_batches commits it. The four `replaced_*` arrays list the period ranges whose older
-- rows the batch replaces: table i, kind i, first code i, last code i (the codes of `series`;
-- parallel arrays rather than an array of tuples, which old ClickHouse releases flatten).

CREATE TABLE IF NOT EXISTS ${DB}.series_batches${LOCAL} ${ON_CLUSTER}
(
    batch UInt64,
    dataset String,
    committed DateTime,
    replaced_tables Array(String),
    replaced_kinds Array(UInt8),
    replaced_firsts Array(UInt32),
    replaced_lasts Array(UInt32),
    rows UInt64
)
ENGINE = ${ENGINE:series_batches}
ORDER BY batch
;

-- One row per (table, key, period, sub). kind: 0 hour, 1 day, 2 month; period: hours or
-- days since 1970 offset by 2^31 (hours, days), or months since year 0 (months); sub: the
-- clustering column after the period ('' when the table has none); v0..v3: the values in the
-- table's column order (a float column holds its IEEE 754 bits).
CREATE TABLE IF NOT EXISTS ${DB}.series${LOCAL} ${ON_CLUSTER}
(
    name String,
    key Array(String),
    kind UInt8,
    period UInt32,
    sub String,
    batch UInt64,
    v0 UInt64,
    v1 UInt64,
    v2 UInt64,
    v3 UInt64
)
ENGINE = ${ENGINE:series}
ORDER BY (name, key, kind, period, sub)
SETTINGS index_granularity = 256
;
