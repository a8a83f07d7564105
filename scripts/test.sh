#!/usr/bin/env bash
# Every test of the project, on a fresh machine of this kind:
#   1. the hermetic workspace tests (`cargo test --workspace`: no server, no network), with
#      the pages (/ui/, /feature-usage/) in headless Chromium (installed from apt when
#      missing; their screenshots land in target/screenshots/);
#   2. the ClickHouse tests: two local ClickHouse servers (installed from apt when missing,
#      configured under a temporary directory, listening on 127.0.0.1 only) in cluster
#      `two_shards`, and a ZooKeeper (Debian's package) with two more servers that are the two
#      replicas of cluster `replicated`; the store conformance suite, the route tests and the
#      end-to-end comparisons (embedded store, one server, two shards, two replicas) run against
#      them; every server is stopped and its files removed at the end, passed or failed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# The browser tests of the pages need Debian's chromium (headless).
if ! command -v chromium >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
AQS_TEST_CHROMIUM=$(command -v chromium) cargo test --workspace

dir=$(mktemp -d /tmp/aqs-clickhouse-test.XXXXXX)
cleanup() {
  "$root/scripts/clickhouse-local.sh" stop "$dir/shards" || true
  "$root/scripts/clickhouse-local.sh" stop "$dir/replicas" || true
  "$root/scripts/zookeeper-local.sh" stop "$dir/zookeeper" || true
  rm -rf "$dir"
}
trap cleanup EXIT
mapfile -t urls < <("$root/scripts/clickhouse-local.sh" start "$dir/shards" 2)
[ "${#urls[@]}" = 2 ] || { echo "the ClickHouse test servers did not start" >&2; exit 1; }
zookeeper=$("$root/scripts/zookeeper-local.sh" start "$dir/zookeeper")
mapfile -t replicas < <(AQS_CH_ZOOKEEPER=$zookeeper AQS_CH_HTTP_PORT=18125 AQS_CH_TCP_PORT=19002 \
  "$root/scripts/clickhouse-local.sh" start "$dir/replicas" 2)
[ "${#replicas[@]}" = 2 ] || { echo "the replicated ClickHouse test servers did not start" >&2; exit 1; }
export AQS_TEST_CLICKHOUSE_URL=${urls[0]} AQS_TEST_CLICKHOUSE_URL2=${urls[1]}
export AQS_TEST_CLICKHOUSE_REPLICA_URLS="${replicas[0]},${replicas[1]}"
echo "ClickHouse test servers: ${urls[*]}; replicas ${replicas[*]} with ZooKeeper $zookeeper"
cargo test -p aqs-clickhouse --features clickhouse-tests --test clickhouse
cargo test -p aqs-http --features clickhouse-tests --test routes
cargo test -p aqs --features clickhouse-tests --test clickhouse
