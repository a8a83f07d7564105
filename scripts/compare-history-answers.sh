#!/usr/bin/env bash
# Asks two builds' stores of the same MediaWiki history the same requests and compares the
# answers byte for byte (a store format change must not change one): every route kind of the
# history families (aggregates daily and monthly, digests, new pages and users, top lists of a
# day and of a month for a wiki, a family and all-projects, per page and per editor). Each
# store's snapshot is activated first (so the family and all-projects lists are merged by each
# build). Exits 1 if an answer differs or a request that should answer 200 does not.
#
# Usage: scripts/compare-history-answers.sh AQS_A STORE_A AQS_B STORE_B [--snapshot YYYY-MM]
#   The stores hold `aqs generate --mediawiki-history` data loaded by each build (the sample's
#   names: en.wikipedia and de.wikipedia, `Article_1`, `Editor 30`).
# Example (the build of an older commit against this one):
#   aqs-old load --data /tmp/a hist/ && target/release/aqs load --data /tmp/b hist/
#   scripts/compare-history-answers.sh aqs-old /tmp/a target/release/aqs /tmp/b
set -euo pipefail
a=$1 store_a=$2 b=$3 store_b=$4; shift 4
snapshot=2024-12
while [ $# -gt 0 ]; do
  case "$1" in
    --snapshot) snapshot=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
"$a" snapshot activate --data "$store_a" "$snapshot" >/dev/null
"$b" snapshot activate --data "$store_b" "$snapshot" >/dev/null
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
"$a" serve --data "$store_a" --listen 127.0.0.1:7301 --rate-limit-mode off >/dev/null 2>&1 &
pids+=($!)
"$b" serve --data "$store_b" --listen 127.0.0.1:7302 --rate-limit-mode off >/dev/null 2>&1 &
pids+=($!)
for port in 7301 7302; do
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
done
types=all-editor-types/all-page-types
paths=(
  "edits/aggregate/en.wikipedia/$types/daily/20230101/20230301"
  "edits/aggregate/all-wikipedia-projects/user/content/monthly/20230101/20241201"
  "edits/aggregate/all-projects/anonymous/all-page-types/monthly/20230101/20241201"
  "bytes-difference/net/aggregate/de.wikipedia/$types/daily/20230301/20230401"
  "bytes-difference/absolute/aggregate/en.wikipedia/user/non-content/monthly/20230101/20240101"
  "editors/aggregate/en.wikipedia/$types/all-activity-levels/daily/20230501/20230601"
  "editors/aggregate/de.wikipedia/user/content/5..24-edits/monthly/20230101/20241201"
  "edited-pages/aggregate/en.wikipedia/$types/all-activity-levels/monthly/20230101/20240101"
  "edited-pages/new/en.wikipedia/$types/daily/20230501/20230601"
  "registered-users/new/en.wikipedia/daily/20230501/20230601"
  "editors/top-by-edits/en.wikipedia/$types/2023/05/01"
  "editors/top-by-net-bytes-difference/en.wikipedia/user/content/2023/05/all-days"
  "editors/top-by-absolute-bytes-difference/all-projects/$types/2023/06/all-days"
  "editors/top-by-edits/all-wikipedia-projects/$types/2023/06/03"
  "edited-pages/top-by-edits/en.wikipedia/$types/2023/05/all-days"
  "edited-pages/top-by-net-bytes-difference/de.wikipedia/anonymous/content/2023/07/all-days"
  "edited-pages/top-by-absolute-bytes-difference/all-projects/$types/2023/08/09"
  "edits/per-page/en.wikipedia/Article_1/all-editor-types/daily/20230501/20230601"
  "bytes-difference/net/per-page/en.wikipedia/Article_9/user/monthly/20230101/20231201"
  "edits/per-editor/en.wikipedia/Editor%2030/all-page-types/daily/20230501/20230601"
  "bytes-difference/absolute/per-editor/all-projects/Editor%2030/content/monthly/20230101/20231201"
)
different=0
for path in "${paths[@]}"; do
  answer_a=$(curl -s -w ' %{http_code}' "http://127.0.0.1:7301/metrics/$path")
  answer_b=$(curl -s -w ' %{http_code}' "http://127.0.0.1:7302/metrics/$path")
  status=${answer_a: -3}
  if [ "$answer_a" != "$answer_b" ]; then
    echo "DIFFERENT  $path"; different=$((different + 1))
  elif [ "$status" != 200 ]; then
    echo "NOT 200 ($status)  $path"; different=$((different + 1))
  else
    echo "same ($status, ${#answer_a} bytes)  $path"
  fi
done
echo "${#paths[@]} requests, $different different or failed"
[ "$different" -eq 0 ]
