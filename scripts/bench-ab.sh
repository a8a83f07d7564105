#!/usr/bin/env bash
# Compares two builds of aqs on the same store and request mix, alternating them so that the
# drift of a shared machine hits both alike: ROUNDS × (A, then B), each a 10 s warm-up and a
# DURATION-second wrk run of scripts/bench-mix.lua (64 connections, cache 256 MB, gzip clients,
# production defaults), then the median req/s and p99 of each.
#
# Usage: scripts/bench-ab.sh OLD_AQS NEW_AQS [--work DIR] [--rounds N] [--duration S]
#   DIR is a work directory of scripts/bench-http.sh (its data/ and mix.txt are used).
# Example: build an older commit into its own target directory, then
#   scripts/bench-ab.sh /tmp/old-target/release/aqs target/release/aqs --work /tmp/aqs-bench
set -euo pipefail
old=$1 new=$2; shift 2
work=/tmp/aqs-bench rounds=3 duration=20
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -e "$work/mix.txt" ] && [ -d "$work/data" ] || { echo "$work has no data/ and mix.txt: run scripts/bench-http.sh --work $work first" >&2; exit 1; }
export PATHS="$work/mix.txt" CLIENTS=20000 WRK_THREADS=2 ACCEPT_ENCODING="gzip, deflate, br"
results=$(mktemp)
trap 'rm -f "$results"; [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true' EXIT
one() { # name, binary
  "$2" serve --data "$work/data" --trusted-proxy 127.0.0.1 --listen 127.0.0.1:7413 --cache-mb 256 \
    --access-log false >/dev/null 2>&1 &
  server=$!
  sleep 1
  wrk -t2 -c64 -d10s -s "$root/scripts/bench-mix.lua" http://127.0.0.1:7413 >/dev/null
  echo "$1 $(wrk -t2 -c64 -d"${duration}s" -s "$root/scripts/bench-mix.lua" http://127.0.0.1:7413 | grep RESULT)" | tee -a "$results"
  kill "$server"; wait "$server" 2>/dev/null || true
  server=
}
for round in $(seq 1 "$rounds"); do
  one "A-$round" "$old"
  one "B-$round" "$new"
done
python3 - "$results" <<'PY'
import re, statistics, sys
runs = {"A": [], "B": []}
for line in open(sys.argv[1]):
    name = line.split()[0]
    r = {k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)}
    runs[name[0]].append((r["requests_per_s"], r["p99_ms"]))
for side, label in (("A", "old"), ("B", "new")):
    rps = [x for x, _ in runs[side]]
    p99 = [y for _, y in runs[side]]
    print(f"{side} ({label}): req/s {', '.join(f'{x:.0f}' for x in rps)} (median {statistics.median(rps):.0f}); "
          f"p99 ms {', '.join(f'{y:.2f}' for y in p99)}")
a = statistics.median(x for x, _ in runs["A"]); b = statistics.median(x for x, _ in runs["B"])
print(f"new / old: {b / a:.3f}")
PY
