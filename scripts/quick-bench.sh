#!/usr/bin/env bash
# A quick local measurement of load speed, store size and per-article latency.
# Usage: scripts/quick-bench.sh [WORKDIR]   (needs wrk and python3; default WORKDIR /tmp/aqs-quick-bench)
# The server runs without rate limits: every request comes from one address.
set -euo pipefail
work=${1:-/tmp/aqs-quick-bench}
aqs="$(cd "$(dirname "$0")/.." && pwd)/target/release/aqs"
command -v wrk >/dev/null || { echo "install wrk first (apt-get install wrk)" >&2; exit 1; }
cargo build --release -p aqs
rm -rf "$work" && mkdir -p "$work"
"$aqs" generate --out "$work/dumps" --start 2024-01-01 --days 31 --projects 4 --articles 60000 --seed 1
/usr/bin/time -f "load wall %e s, peak RSS %M kB" "$aqs" load --data "$work/data" --max-bad-share 0.01 "$work/dumps"
"$aqs" stats --data "$work/data"
# 20,000 per-article requests for titles that exist, over the whole month.
python3 - "$work" <<'PY'
import bz2, random, sys, urllib.parse
work = sys.argv[1]
titles = set()
for line in bz2.open(f"{work}/dumps/other/pageview_complete/2024/2024-01/pageviews-20240115-spider.bz2", "rt", encoding="utf-8"):
    f = line.rstrip("\n").split(" ")
    if len(f) >= 5 and f[0] in ("en.wikipedia", "de.wikipedia", "commons.wikimedia", "fr.wiktionary"):
        t = f[1].replace("\t", "")
        if len(t) > 1 and t[0] == '"' and t[-1] == '"':
            t = t[1:-1].replace('\\"', '"')
        titles.add((f[0], t))
titles = sorted(titles)
random.seed(1)
random.shuffle(titles)
with open(f"{work}/paths.txt", "w") as out:
    for p, t in titles[:20000]:
        out.write(f"/metrics/pageviews/per-article/{p}/all-access/all-agents/{urllib.parse.quote(t, safe='')}/daily/20240101/20240131\n")
PY
cat > "$work/paths.lua" <<LUA
local paths = {}
for line in io.lines("$work/paths.txt") do paths[#paths + 1] = line end
math.randomseed(42)
request = function() return wrk.format("GET", paths[math.random(#paths)]) end
LUA
"$aqs" serve --data "$work/data" --listen 127.0.0.1:7400 --rate-limit-mode off >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
sleep 1
wrk -t2 -c64 -d5s -s "$work/paths.lua" http://127.0.0.1:7400 >/dev/null
echo "== 64 connections"; wrk -t2 -c64 -d20s --latency -s "$work/paths.lua" http://127.0.0.1:7400
echo "== 1 connection"; wrk -t1 -c1 -d10s --latency -s "$work/paths.lua" http://127.0.0.1:7400
grep VmRSS /proc/$server/status
