#!/usr/bin/env bash
# API feature usage benchmarks (issue 15, docs/feature-usage.md):
#
#   1. generate --days days of events ending yesterday (--events a day, --agents in the long
#      tail; the defaults give about 60,000 (day, feature, agent) rows a day);
#   2. `aqs feature-usage ingest` of them into an empty store: events/s, rows, bytes per row;
#   3. serve the store; query latency of the whole range for a common agent prefix
#      (`afuagent=Pywikibot`, a narrower `Pywikibot/9.4`, and `Mozilla`, which most agents
#      start with) with wrk, for one client and for four at once;
#   4. events/s through HTTP: wrk POSTing a batch of --batch events per request.
#
#   scripts/bench-feature-usage.sh [--days 90] [--events 300000] [--agents 14000] [--batch 1000]
#                                  [--work DIR] [--keep-data]
#
# Needs wrk (installed with apt-get when missing). Talks only to 127.0.0.1.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
days=90
events=300000
agents=14000
batch=1000
work=/tmp/aqs-bench-feature-usage
keep=false
while [ $# -gt 0 ]; do
  case "$1" in
    --days) days=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --agents) agents=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep-data) keep=true; shift ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
cd "$root"
cargo build --release --quiet
aqs="$root/target/release/aqs"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD)"
rm -rf "$work/data"
mkdir -p "$work"
start=$(date -u -d "-$days days" +%F)
if [ ! -d "$work/dumps/feature-usage" ]; then
  echo "== generating $days days of $events events ($agents long-tail agents) from $start"
  /usr/bin/time -f "generate: %e s, %M kB peak" "$aqs" generate --feature-usage --out "$work/dumps" \
    --start "$start" --days "$days" --events "$events" --agents "$agents"
fi
echo "== aqs feature-usage ingest (empty store)"
/usr/bin/time -f "ingest: %e s, %M kB peak" "$aqs" feature-usage ingest --data "$work/data" \
  $(find "$work/dumps/feature-usage" -name '*.jsonl.gz' | sort) 2>/dev/null | tee "$work/ingest.txt"
rows=$(awk '/^rows:/ {print $2}' "$work/ingest.txt")
file=$(stat -c %s "$work/data/feature_usage/data.mdb")
echo "counters file: $file bytes for $rows rows: $(python3 -c "print(round($file / $rows, 1))") bytes per row"

port=17331
"$aqs" serve --data "$work/data" --listen 127.0.0.1:$port --rate-limit-mode off --access-log false \
  > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
curl -s "http://127.0.0.1:$port/metrics" | grep '^aqs_feature_usage_rows'
from="${start}T00:00:00Z"
for agent in Pywikibot Pywikibot/9.4 Mozilla; do
  url="http://127.0.0.1:$port/w/api.php?action=query&meta=featureusage&format=json&afuagent=$agent&afustart=$from"
  echo "== query: afuagent=$agent over $days days ($(curl -s "$url" | python3 -c 'import sys, json; print(len(json.load(sys.stdin)["query"]["featureusage"]["usage"]))') rows answered)"
  for connections in 1 4; do
    echo "-- $connections connection(s)"
    wrk -t1 -c$connections -d15s --latency "$url" | grep -E 'Requests/sec|50%|90%|99%'
  done
done

echo "== HTTP ingest: POST batches of $batch events (the same batch again: counts on existing rows)"
{ zcat "$(find "$work/dumps/feature-usage" -name '*.jsonl.gz' | sort | tail -1)" || true; } | head -n "$batch" > "$work/batch.jsonl"
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
local f = io.open("$work/batch.jsonl", "rb")
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/x-ndjson"
LUA
for connections in 1 4; do
  echo "-- $connections connection(s): events/s = requests/s x $batch"
  wrk -t1 -c$connections -d15s --latency -s "$work/post.lua" "http://127.0.0.1:$port/feature-usage/events" \
    | grep -E 'Requests/sec|50%|99%|Non-2xx'
done
curl -s "http://127.0.0.1:$port/metrics" | grep '^aqs_feature_usage_events_total'
if ! $keep; then rm -rf "$work/data"; fi
