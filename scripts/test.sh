#!/usr/bin/env bash
# Every test of the project, on a fresh machine of this kind:
#   1. the hermetic workspace tests (`cargo test --workspace`: no server, no network);
#   2. the ClickHouse tests: two local ClickHouse servers (installed from apt when missing,
#      configured under a temporary directory, listening on 127.0.0.1 only) in cluster
#      `two_shards`; the store conformance suite, the route tests and the end-to-end comparison
#      of the embedded store, one ClickHouse server and the two-shard cluster run against them;
#      the servers are stopped and their files removed at the end, passed or failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo test --workspace

dir=$(mktemp -d /tmp/aqs-clickhouse-test.XXXXXX)
trap '"$root/scripts/clickhouse-local.sh" stop "$dir"; rm -rf "$dir"' EXIT
mapfile -t urls < <("$root/scripts/clickhouse-local.sh" start "$dir" 2)
export AQS_TEST_CLICKHOUSE_URL=${urls[0]} AQS_TEST_CLICKHOUSE_URL2=${urls[1]}
echo "ClickHouse test servers: ${urls[*]}"
cargo test -p aqs-clickhouse --features clickhouse-tests --test clickhouse
cargo test -p aqs-http --features clickhouse-tests --test routes
cargo test -p aqs --features clickhouse-tests --test clickhouse
