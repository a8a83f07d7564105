#!/usr/bin/env bash
# Starts or stops local ClickHouse servers for tests, benchmarks and trying cluster mode: each
# with a config under DIR, listening on 127.0.0.1 only, in a cluster `two_shards` spanning them.
#
#   scripts/clickhouse-local.sh start DIR [N]   start N servers (default 2): HTTP ports 18123,
#                                               18124, ...; native ports 19000, 19001, ...
#   scripts/clickhouse-local.sh stop DIR        stop them
#
# AQS_CH_HTTP_PORT and AQS_CH_TCP_PORT move the first ports (default 18123 and 19000).
# AQS_CH_ZOOKEEPER=HOST:PORT gives the servers that ZooKeeper (for ON CLUSTER DDL and
# replication) and a second cluster, `replicated`: one shard whose replicas are the N servers.
# Installs clickhouse-server from apt when it is missing (Debian's package, 18.16, works; so
# does any later release). Prints the HTTP URL of every server once all of them answer.
set -euo pipefail
action=${1:?usage: clickhouse-local.sh start|stop DIR [N]}
dir=${2:?usage: clickhouse-local.sh start|stop DIR [N]}
count=${3:-2}
http_base=${AQS_CH_HTTP_PORT:-18123}
tcp_base=${AQS_CH_TCP_PORT:-19000}

stop_all() {
  for pidfile in "$dir"/s*/pid; do
    [ -e "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

if [ "$action" = stop ]; then
  stop_all
  exit 0
fi
[ "$action" = start ] || { echo "unknown action $action (start or stop)" >&2; exit 2; }

if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
  echo "installing clickhouse-server from apt" >&2
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server >/dev/null
fi
server=$(command -v clickhouse-server || echo /usr/sbin/clickhouse-server)
if ! command -v curl >/dev/null; then
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >/dev/null
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
shards=""
for i in $(seq 1 "$count"); do
  shards="$shards<shard><replica><host>127.0.0.1</host><port>$((tcp_base - 1 + i))</port></replica></shard>"
done
replicas=""
for i in $(seq 1 "$count"); do
  replicas="$replicas<replica><host>127.0.0.1</host><port>$((tcp_base - 1 + i))</port></replica>"
done
zookeeper=""
if [ -n "${AQS_CH_ZOOKEEPER:-}" ]; then
  zookeeper="<zookeeper><node><host>${AQS_CH_ZOOKEEPER%:*}</host><port>${AQS_CH_ZOOKEEPER##*:}</port></node></zookeeper>
  <distributed_ddl><path>/clickhouse/task_queue/ddl_$tcp_base</path></distributed_ddl>"
fi
cat > "$dir/users.xml" <<EOF
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
    <profile>default</profile><quota>default</quota></default></users>
  <quotas><default></default></quotas>
</yandex>
EOF
for i in $(seq 1 "$count"); do
  s="$dir/s$i"
  mkdir -p "$s/data" "$s/tmp" "$s/user_files" "$s/format_schemas"
  cat > "$s/config.xml" <<EOF
<yandex>
  <logger><level>warning</level><log>$s/server.log</log><errorlog>$s/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$((http_base - 1 + i))</http_port>
  <tcp_port>$((tcp_base - 1 + i))</tcp_port>
  <interserver_http_port>$((tcp_base + 99 + i))</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <path>$s/data/</path>
  <tmp_path>$s/tmp/</tmp_path>
  <user_files_path>$s/user_files/</user_files_path>
  <format_schema_path>$s/format_schemas/</format_schema_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>200</max_concurrent_queries>
  <remote_servers><two_shards>$shards</two_shards>
    <replicated><shard><internal_replication>true</internal_replication>$replicas</shard></replicated></remote_servers>
  $zookeeper
  <macros><shard>$([ -n "$zookeeper" ] && echo 01 || echo "0$i")</shard><replica>r$i</replica></macros>
</yandex>
EOF
  if [ -e "$s/pid" ] && kill -0 "$(cat "$s/pid")" 2>/dev/null; then
    continue
  fi
  (cd "$s" && exec "$server" --config-file="$s/config.xml" >"$s/stdout.log" 2>&1) &
  echo $! > "$s/pid"
done
for i in $(seq 1 "$count"); do
  url="http://127.0.0.1:$((http_base - 1 + i))"
  for attempt in $(seq 1 300); do
    if curl -sf "$url/?query=SELECT%201" >/dev/null 2>&1; then break; fi
    if [ "$attempt" = 300 ]; then
      echo "ClickHouse s$i did not answer at $url within 60 s; its log:" >&2
      tail -n 20 "$dir/s$i/error.log" "$dir/s$i/stdout.log" >&2 || true
      stop_all
      exit 1
    fi
    sleep 0.2
  done
  echo "$url"
done
