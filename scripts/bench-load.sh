#!/usr/bin/env bash
# Load benchmarks of a full-size Wikimedia day (issue 12), with peak memory sampled during each
# load (scripts/peak-memory.sh):
#
#   1. memory at several sizes: a generated day at each --scales share of a real day (bz2),
#      loaded into an empty store;
#   2. the day at --scale into an empty store;
#   3. the same day into a store that already holds the --days-before days before it, which
#      are generated (plain text, one at a time) and loaded first; their own load times are
#      printed too. With --overlap the next day is generated while one loads (two plain days
#      on disk at once; the earlier days' times then include that competition, the last day's
#      does not).
#
#   scripts/bench-load.sh [--scale 1] [--scales 0.125,0.25,0.5,1] [--days-before 30]
#                         [--day 2024-12-01] [--work DIR] [--keep-data] [--limit-mb MB]
#                         [--skip-sizes] [--overlap] [--cold]
#
# --cold drops the page cache (needs root) before the last load, so that it reads the store
# from disk as a load on a machine that has not just written it would.
#
# --limit-mb runs every load in a memory cgroup limited to MB, page cache included
# (scripts/peak-memory.sh --limit-mb; needs root).
#
# Disk: the work directory needs about 2 GB per bz2 day kept, 8 GB for one plain day at a
# time, and the store (about 5 GB per day of data at full size before months are merged).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
scale=1
scales=0.125,0.25,0.5,1
days_before=30
day=2024-12-01
work=/tmp/aqs-bench-load
keep=false
limit=()
skip_sizes=false
overlap=false
cold=false
while [ $# -gt 0 ]; do
  case "$1" in
    --scale) scale=$2; shift 2 ;;
    --scales) scales=$2; shift 2 ;;
    --days-before) days_before=$2; shift 2 ;;
    --day) day=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep-data) keep=true; shift ;;
    --limit-mb) limit=(--limit-mb "$2"); shift 2 ;;
    --skip-sizes) skip_sizes=true; shift ;;
    --overlap) overlap=true; shift ;;
    --cold) cold=true; shift ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
cd "$root"
cargo build --release --quiet
aqs="$root/target/release/aqs"
mkdir -p "$work"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD)"

# A bz2 day at a scale, generated once (kept under the work directory).
day_at() {
  local share=$1 dir="$work/day-$1"
  if [ ! -d "$dir/other" ]; then
    "$aqs" generate --full-day --scale "$share" --out "$dir" --start "$day" --days 1 >&2
  fi
  echo "$dir/other/pageview_complete"
}

# Loads into a store and prints the report's last lines and the peak memory.
measure() {
  local store=$1; shift
  "$root/scripts/peak-memory.sh" "${limit[@]}" "$aqs" load --data "$store" "$@" 2>&1 \
    | grep -E '^(lines read|rows written|spilled|merges|seconds|store:|peak memory|cgroup)'
}

if [ "$skip_sizes" = false ]; then
  echo "== peak memory by size of the day (empty store each time)"
  IFS=, read -ra shares <<< "$scales"
  for share in "${shares[@]}"; do
    files=$(day_at "$share")
    rm -rf "$work/store-scale"
    echo "-- scale $share"
    measure "$work/store-scale" "$files"
  done
  rm -rf "$work/store-scale"
fi

files=$(day_at "$scale")
if [ "$skip_sizes" = false ]; then
  echo "== the day at scale $scale into an empty store"
  rm -rf "$work/store"
  measure "$work/store" "$files"
fi

echo "== the $days_before days before it (plain text, generated one at a time)"
rm -rf "$work/store"
first=$(date -u -d "$day - $days_before days" +%F)
plain() { # generates day $1 (plain text) into $2
  rm -rf "$2"
  "$aqs" generate --full-day --scale "$scale" --compression none \
    --out "$2" --start "$1" --days 1 > /dev/null
}
for offset in $(seq 0 $((days_before - 1))); do
  d=$(date -u -d "$first + $offset days" +%F)
  dir="$work/plain-$((offset % 2))"
  if [ "$overlap" = false ] || [ "$offset" = 0 ]; then
    plain "$d" "$dir"
  else
    wait "$next_pid"
  fi
  if [ "$overlap" = true ] && [ "$offset" -lt $((days_before - 1)) ]; then
    plain "$(date -u -d "$d + 1 day" +%F)" "$work/plain-$(((offset + 1) % 2))" &
    next_pid=$!
  fi
  echo "-- $d"
  measure "$work/store" "$dir/other/pageview_complete"
  rm -rf "$dir"
done

echo "== the day into the store holding $days_before days"
if [ "$cold" = true ]; then
  sync
  echo 3 > /proc/sys/vm/drop_caches
  echo "(page cache dropped)"
fi
measure "$work/store" "$files"
"$aqs" stats --data "$work/store" | tail -12

if [ "$keep" = false ]; then
  rm -rf "$work/store"
fi
