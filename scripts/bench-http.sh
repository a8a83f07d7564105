#!/usr/bin/env bash
# The HTTP benchmark of issue 3, in one command:
#   1. generate a dataset (default 1,000,000 articles over 4 projects, 90 days) and load it,
#      reporting load wall time, lines/s and bytes on disk per stored article-day;
#   2. serve it and drive it from wrk (a separate process) with the realistic mix of
#      scripts/bench-mix.py: 64 connections, 30 s after a 10 s warm-up, with the response cache
#      (clients asking for gzip, as browsers do, and clients that do not) and without it;
#   3. in the same run, measure this machine's ceiling: `aqs ceiling` (the same runtime,
#      answering a fixed ~300-byte JSON body) under the same load. The ceiling and the main
#      mix (cache on, gzip clients) run alternately, --rounds times (default 3), so that each
#      mix run has a ceiling measured next to it: on a shared machine the throughput of the
#      same binary drifts by 10-20 % over minutes;
#   4. print requests/s, p50/p99/p99.9 and the ratio to the ceiling: for a round, to its own
#      ceiling, and the median of the rounds; for the other runs, to the median ceiling;
#   5. run the mix again beside an abusive client (one address, 8 connections, as fast as it
#      can) that gets 429s, and compare the mix's latency with the run without it;
#   6. record the server's RSS at the start and the end of a longer run (default 5 minutes).
#
# The server runs with its production defaults (rate limits enforced, 127.0.0.1 trusted as a
# proxy); the mix's requests come from 20,000 client addresses in X-Forwarded-For, so none is
# over its limit. Access logs are off except in the run named `...-log` (written to a file).
#
# With --clickhouse, the same dataset is also loaded into a local ClickHouse server (started
# with scripts/clickhouse-local.sh on ports 28123/29000, stopped at the end) and the mix runs
# against `aqs serve --backend clickhouse` instead of the embedded store.
#
# Usage: scripts/bench-http.sh [--articles N] [--projects N] [--days N] [--duration S]
#                              [--rounds N] [--rss-seconds S] [--work DIR] [--keep-data]
#                              [--clickhouse] [--media DIR]
# With --media DIR (mediacounts files of the same days, loaded into the store beforehand, e.g.
# by scripts/bench-media-per-file.sh --start 2024-01-01 --days 90), a tenth of the per-article
# requests of the mix are media requests per file.
# Needs wrk (installed with apt-get when missing) and python3. Talks only to 127.0.0.1.
set -euo pipefail
articles=1000000 projects=4 days=90 duration=30 rounds=3 rss_seconds=300 work=/tmp/aqs-bench keep=0 clickhouse=0 media=
while [ $# -gt 0 ]; do
  case "$1" in
    --articles) articles=$2; shift 2 ;;
    --projects) projects=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --rss-seconds) rss_seconds=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep-data) keep=1; shift ;;
    --clickhouse) clickhouse=1; shift ;;
    --media) media=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
aqs="$root/target/release/aqs"
start=20240101
if ! command -v wrk >/dev/null; then
  apt-get update -qq && apt-get install -y -qq wrk
fi
cargo build --release -p aqs --manifest-path "$root/Cargo.toml"
mkdir -p "$work"
stamp="$work/dataset-$articles-$projects-$days"
if [ "$keep" = 0 ] || [ ! -e "$stamp" ]; then
  rm -rf "$work/dumps" "$work/data" "$work"/dataset-*
  echo "== generate: $articles articles, $projects projects, $days days"
  /usr/bin/time -f "generate wall %e s, peak RSS %M kB" \
    "$aqs" generate --out "$work/dumps" --start 2024-01-01 --days "$days" --projects "$projects" --articles "$articles" --seed 1
  echo "== load"
  /usr/bin/time -f "load wall %e s, peak RSS %M kB" \
    "$aqs" load --data "$work/data" --max-bad-share 0.01 "$work/dumps" | grep -v "e.g."
  touch "$stamp"
fi
echo "== store"
"$aqs" stats --data "$work/data"
echo "== dump size: $(du -sb "$work/dumps/other/pageview_complete" | cut -f1) bytes of bz2"

python3 "$root/scripts/bench-mix.py" "$work/dumps" "$start" "$days" 400000 "$work/mix.txt" $media
echo "== mix: $(wc -l < "$work/mix.txt") requests: $(cut -d/ -f4 "$work/mix.txt" | sort | uniq -c | tr '\n' ' ')"

server=""
stop() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true; server=""; }
trap stop EXIT
store_flags=(--data "$work/data")
settings=("256 gzip" "256 plain" "0 gzip" "256 gzip log")
if [ "$clickhouse" = 1 ]; then
  export AQS_CH_HTTP_PORT=28123 AQS_CH_TCP_PORT=29000
  ch_url=$("$root/scripts/clickhouse-local.sh" start "$work/ch" 1)
  trap 'stop; "$root/scripts/clickhouse-local.sh" stop "$work/ch"' EXIT
  store_flags=(--backend clickhouse --clickhouse-url "$ch_url" --clickhouse-database aqs_bench)
  "$aqs" clickhouse drop --yes --clickhouse-url "$ch_url" --clickhouse-database aqs_bench
  "$aqs" clickhouse init --clickhouse-url "$ch_url" --clickhouse-database aqs_bench
  echo "== load into ClickHouse at $ch_url"
  /usr/bin/time -f "load wall %e s, peak RSS %M kB" \
    "$aqs" load "${store_flags[@]}" --max-bad-share 0.01 "$work/dumps" | grep -v "e.g."
  # Merge each month partition into one part, as an operator would after loading a month
  # (reads touch every part of the partitions they span).
  optimize=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("OPTIMIZE TABLE aqs_bench.pageviews_per_article FINAL"))')
  /usr/bin/time -f "OPTIMIZE TABLE pageviews_per_article FINAL: %e s" curl -sf -d '' "$ch_url/?query=$optimize"
  sleep 10
  bytes=$(curl -s "$ch_url/?query=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("SELECT sum(bytes_on_disk) FROM system.parts WHERE active AND database = \x27aqs_bench\x27"))')")
  rows=$(curl -s "$ch_url/?query=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("SELECT count() FROM aqs_bench.pageviews_per_article"))')")
  echo "ClickHouse: $bytes bytes in active parts for $rows per-article rows: $(python3 -c "print(round($bytes / $rows, 2))") bytes per article-day (every table)"
  settings=("256 gzip" "0 gzip" "256 gzip log")
  rss_seconds=0
fi
run() { # name, url, extra env for wrk
  local name=$1 url=$2
  wrk -t2 -c64 -d10s -s "$root/scripts/bench-mix.lua" "$url" >/dev/null
  local line
  line=$(wrk -t2 -c64 -d"${duration}s" -s "$root/scripts/bench-mix.lua" "$url" | grep RESULT)
  echo "$name $line" | tee -a "$work/results.txt"
}
serve_flags=(--trusted-proxy 127.0.0.1)
: > "$work/results.txt"
# WRK_THREADS matches -t2: each wrk thread keeps its half of the requests (bench-mix.lua).
export PATHS="$work/mix.txt" CLIENTS=20000 WRK_THREADS=2
# A setting is "CACHE_MB ENCODING [log]"; gzip: what browsers and HTTP libraries ask for;
# plain: a client that sends no accept-encoding.
mix() { # setting, suffix of the run's name
  local cache encoding log
  read -r cache encoding log <<<"$1"
  if [ "$encoding" = gzip ]; then export ACCEPT_ENCODING="gzip, deflate, br"; else export ACCEPT_ENCODING=""; fi
  "$aqs" --log-format json serve "${store_flags[@]}" "${serve_flags[@]}" --listen 127.0.0.1:7411 --cache-mb "$cache" \
    --access-log "$([ -n "$log" ] && echo true || echo false)" >"$work/serve.log" 2>&1 &
  server=$!
  sleep 1
  run "mix-${store_flags[1]##*/}-cache-${cache}mb-$encoding${log:+-log}$2" http://127.0.0.1:7411
  stop
}
ceiling() { # name
  "$aqs" ceiling --listen 127.0.0.1:7412 >/dev/null 2>&1 &
  server=$!
  sleep 1
  CLIENTS=0 ONE_PATH=/ run "$1" http://127.0.0.1:7412
  stop
}
for round in $(seq 1 "$rounds"); do
  ceiling "ceiling-$round"
  mix "${settings[0]}" "-$round"
done
for setting in "${settings[@]:1}"; do
  mix "$setting" ""
done
export ACCEPT_ENCODING="gzip, deflate, br"
echo "== the mix beside an abusive client (one address, 8 connections)"
"$aqs" serve "${store_flags[@]}" "${serve_flags[@]}" --listen 127.0.0.1:7411 --cache-mb 256 --access-log false >"$work/serve.log" 2>&1 &
server=$!
sleep 1
abuse_path=$(head -1 "$work/mix.txt")
(sleep 10; CLIENTS=0 WRK_THREADS=1 FORWARDED_FOR=203.0.113.66 ONE_PATH="$abuse_path" \
  wrk -t1 -c8 -d"${duration}s" -s "$root/scripts/bench-mix.lua" http://127.0.0.1:7411 | grep RESULT \
  | sed 's/^/abuser /' > "$work/abuser.txt") &
abuser=$!
run "mix-${store_flags[1]##*/}-cache-256mb-gzip-beside-abuser" http://127.0.0.1:7411
wait "$abuser"
cat "$work/abuser.txt"
stop

python3 - "$work/results.txt" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, rest = line.split(" ", 1)
    rows[name] = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", rest)}
ceilings = {name: r["requests_per_s"] for name, r in rows.items() if name.startswith("ceiling-")}
median_ceiling = statistics.median(ceilings.values())
def ceiling_of(name):
    # A round's run is compared with the ceiling measured next to it (same round number).
    round_ = re.search(r"-(\d+)$", name)
    return ceilings.get(f"ceiling-{round_.group(1)}", median_ceiling) if round_ else median_ceiling
print(f"{'run':<44} {'req/s':>9} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'p99.9 ms':>8} {'non-2xx':>8}")
rounds = []
for name, r in rows.items():
    ratio = r["requests_per_s"] / ceiling_of(name)
    if not name.startswith("ceiling-") and re.search(r"-\d+$", name):
        rounds.append(ratio)
    print(f"{name:<44} {r['requests_per_s']:>9.0f} {ratio:>6.2f} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {r['p999_ms']:>8.2f} {r['non2xx']:>8.0f}")
print(f"median ceiling {median_ceiling:.0f} req/s; the main mix's ratio to its round's ceiling: "
      + ", ".join(f"{x:.2f}" for x in rounds) + f" (median {statistics.median(rounds):.2f})")
PY

if [ "$rss_seconds" -gt 0 ]; then
  echo "== RSS over a ${rss_seconds}s run of the mix (cache 256 MB, gzip)"
  "$aqs" serve --data "$work/data" "${serve_flags[@]}" --listen 127.0.0.1:7411 --cache-mb 256 --access-log false >"$work/serve.log" 2>&1 &
  server=$!
  sleep 1
  echo "RSS at start: $(grep VmRSS /proc/$server/status | awk '{print $2}') kB"
  wrk -t2 -c64 -d"${rss_seconds}s" -s "$root/scripts/bench-mix.lua" http://127.0.0.1:7411 >"$work/rss-run.txt" &
  load=$!
  for _ in $(seq 1 $((rss_seconds / 30))); do
    sleep 30
    echo "RSS: $(grep VmRSS /proc/$server/status | awk '{print $2}') kB (anonymous $(grep RssAnon /proc/$server/status | awk '{print $2}') kB)"
  done
  wait "$load"
  grep RESULT "$work/rss-run.txt"
  echo "RSS at end: $(grep VmRSS /proc/$server/status | awk '{print $2}') kB (anonymous $(grep RssAnon /proc/$server/status | awk '{print $2}') kB)"
  stop
fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git -C "$root" rev-parse --short HEAD)"
