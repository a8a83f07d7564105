#!/usr/bin/env bash
# Media requests per file: the bytes a stored (file, day) takes in the embedded store.
#
# Writes 31 days (a whole month, so its segments are merged into one as loads leave them) of mediacounts files with the long tail of `aqs generate`'s model (file of
# rank r requested about 300,000 / (r + 1)^1.25 times a day, times a uniform 0.5..1.5; absent
# on days it rounds to 0; referer shares as the generator draws them) for --files files, loads
# them into an empty store, and prints the load time, the stored (file, day)
# count (the files' lines) and `aqs stats`' bytes per (file, day).
#
# With --start and --days the files cover other days (for the HTTP benchmark's store:
# `aqs load --data /tmp/aqs-bench/data DIR/dumps` adds them to it).
#
# Usage: scripts/bench-media-per-file.sh [--files N] [--start YYYY-MM-DD] [--days N] [--work DIR]
#        (uses target/release/aqs)
set -euo pipefail
files=100000
start=2015-01-01
days=31
work=/tmp/aqs-bench-media
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files=$2; shift 2 ;;
    --start) start=$2; shift 2 ;;
    --days) days=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
aqs=target/release/aqs
[ -x "$aqs" ] || cargo build --release
rm -rf "$work"
mkdir -p "$work/dumps"
python3 - "$work/dumps" "$files" "$start" "$days" <<'PY'
import bz2, datetime, random, sys
out, n = sys.argv[1], int(sys.argv[2])
first, days = datetime.date.fromisoformat(sys.argv[3]), int(sys.argv[4])
exts = ["jpg", "png", "svg", "ogg", "webm", "pdf", "tif", "gif"]
paths = sorted(f"/wikipedia/commons/{i % 16:x}/{i % 256:02x}/File_{i:07d}_caf%C3%A9%2C.{exts[i % len(exts)]}" for i in range(n))
rank = {p: r for r, p in enumerate(sorted(paths, key=lambda p: int(p.split('File_')[1][:7])))}
total_lines = 0
for offset in range(days):
    day = first + datetime.timedelta(days=offset)
    rng = random.Random(day.toordinal())
    lines = []
    for p in paths:
        expected = 300000.0 / (rank[p] + 1) ** 1.25 * (0.5 + rng.random())
        total = int(expected) + (1 if rng.random() < expected % 1 else 0)
        if total == 0:
            continue
        internal = int(total * (0.55 + 0.3 * rng.random()))
        external = int((total - internal) * (0.4 + 0.5 * rng.random()))
        lines.append(f"{p}\t{total * 50000}\t{total}\t{total}\t0\t-\t-\t0\t0\t0\t0\t0\t0\t0\t-\t-\t0\t0\t0\t0\t-\t-\t{internal}\t{external}\t{total - internal - external}\n")
    total_lines += len(lines)
    with bz2.open(f"{out}/mediacounts.{day.isoformat()}.v00.tsv.bz2", "wt", compresslevel=1) as f:
        f.write("".join(lines))
print(f"file-days {total_lines}")
PY
file_days=$(for f in "$work"/dumps/*.bz2; do bzcat "$f"; done | wc -l)
out=$( { /usr/bin/time -f "TIME %e %M" "$aqs" load --data "$work/data" "$work"/dumps >/dev/null; } 2>&1 | grep TIME)
read -r _ secs kb <<<"$out"
"$aqs" stats --data "$work/data" > "$work/stats.txt"
used=$(du -sb "$work/data" | cut -f1)
python3 - "$file_days" "$secs" "$kb" "$used" "$work/stats.txt" <<'PY'
import sys
n, secs, kb, used, stats = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
print(f"{n:,} stored (file, day) rows; load {secs:.1f} s ({n / secs:,.0f} lines/s), peak RSS {kb / 1024:.0f} MB")
print(f"store directory {used:,} bytes = {used / n:.2f} bytes per (file, day)")
sizes = {}
for line in open(stats):
    parts = line.split()
    if len(parts) >= 5 and parts[-3] == "bytes" and parts[-1] == "entries":
        sizes[" ".join(parts[:-4])] = int(parts[-4])
segments = sizes.get("mediarequests_per_file (segments)", 0)
names = sizes.get("mediarequests_per_file (names)", 0)
print(f"per file: segments {segments / n:.2f} + file names {names / n:.2f} = {(segments + names) / n:.2f} bytes per (file, day)")
print(open(stats).read())
PY
