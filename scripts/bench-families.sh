#!/usr/bin/env bash
# Load rates of the series families' dump formats (issue 13), in one command: writes
# synthetic files of each format at the size of a real one, and larger ones for a rate in
# lines/s, then times `aqs load` of each into a fresh embedded store (wall time, lines/s,
# peak resident memory from /usr/bin/time).
#
#   unique devices   a per-domain daily file: 1,800 domains × desktop and mobile (legacy
#                    4-field lines), and a 1,000,000-line file
#   projectcounts    a day of 24 hourly files of 2,500 codes each (60,000 lines)
#   geoeditors       a month at the dump's cap of 100,000 lines
#   mediacounts      a day of 1,000,000 files (bzip2), for media requests aggregate and top
#
# Usage: scripts/bench-families.sh [--work DIR]   (needs python3; uses target/release/aqs)
set -euo pipefail
work=/tmp/aqs-bench-families
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
aqs=target/release/aqs
[ -x "$aqs" ] || cargo build --release
rm -rf "$work"
mkdir -p "$work"
python3 - "$work" crates/aqs-ingest/data/countries.tsv <<'PY'
import gzip, os, random, sys
work, countries_file = sys.argv[1], sys.argv[2]
rng = random.Random(13)
langs = [f"l{i:04d}" for i in range(4000)]
def write_gz(path, lines):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with gzip.open(path, "wt", compresslevel=6) as f:
        f.write("".join(lines))
# Unique devices, legacy per-domain daily.
def devices_lines(n):
    out = []
    for i in range(n):
        lang = f"l{i:06d}"
        for host in (f"{lang}.wikipedia.org", f"{lang}.m.wikipedia.org"):
            est = int(1000 + rng.paretovariate(1.2) * 500)
            off = est // 10
            out.append(f"{host}\t{est - off}\t{off}\t{est}\n")
    return out
write_gz(f"{work}/real/unique_devices_per_domain_daily-2024-01-05.gz", devices_lines(900))
write_gz(f"{work}/large/unique_devices_per_domain_daily-2024-01-06.gz", devices_lines(500_000))
# Projectcounts: a day of hours.
suffixes = ["", ".m", ".b", ".d", ".m.d", ".q", ".s", ".v", ".n", ".voy", ".zero"]
codes = [f"{lang}{s}" for lang in langs[:230] for s in suffixes][:2500]
for h in range(24):
    end = f"20141005-{h + 1:02d}0000" if h < 23 else "20141006-000000"
    path = f"{work}/projectcounts/projectcounts-{end}"
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for c in codes:
            n = int(rng.paretovariate(1.1) * 10)
            f.write(f"{c} - {n} {n * 20000}\n")
# Geoeditors: a month at the cap.
names = [l.split("\t")[1].strip() for l in open(countries_file) if not l.startswith("#")]
path = f"{work}/geoeditors/geoeditors-monthly-2024-01.tsv"
os.makedirs(os.path.dirname(path), exist_ok=True)
with open(path, "w") as f:
    n = 0
    for lang in langs:
        for country in rng.sample(names, 25):
            level = "5 to 99" if rng.random() < 0.8 else "100 or more"
            ceil = 10 * (1 + int(rng.paretovariate(1.3)))
            f.write(f"{lang.replace('l', 'x')}wiki\t{country}\t{level}\t{ceil - 9}\t{ceil}\n")
            n += 1
            if n >= 100_000:
                break
        if n >= 100_000:
            break
# Mediacounts: a day of 1,000,000 files, sorted by path, bzip2.
import bz2
exts = ["jpg", "png", "svg", "ogg", "webm", "pdf", "gif", "tif"]
lines = []
for i in range(1_000_000):
    total = int(rng.paretovariate(1.05) * 3)
    internal, external = total * 7 // 10, total // 5
    lines.append(f"/wikipedia/commons/{i % 16:x}/{i % 256:02x}/File_{i:07d}.{exts[i % len(exts)]}\t{total * 40000}\t{total}\t{total}\t0\t-\t-\t0\t0\t0\t0\t0\t0\t0\t-\t-\t0\t0\t0\t0\t-\t-\t{internal}\t{external}\t{total - internal - external}\n")
lines.sort()
os.makedirs(f"{work}/mediacounts", exist_ok=True)
with bz2.open(f"{work}/mediacounts/mediacounts.2015-01-05.v00.tsv.bz2", "wt", compresslevel=9) as f:
    f.write("".join(lines))
PY
run() {
  local name=$1; shift
  local lines
  lines=$(for f in "$@"; do case $f in *.gz) zcat "$f" ;; *.bz2) bzcat "$f" ;; *) cat "$f" ;; esac; done | wc -l)
  rm -rf "$work/data"
  local out
  out=$( { /usr/bin/time -f "TIME %e %M" "$aqs" load --data "$work/data" "$@" >/dev/null; } 2>&1 | grep TIME)
  read -r _ secs kb <<<"$out"
  python3 -c "import sys; n,s,kb=int(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'{sys.argv[4]:<34} {n:>9,} lines {s:7.2f} s {n/s:>12,.0f} lines/s  peak RSS {kb/1024:6.0f} MB')" "$lines" "$secs" "$kb" "$name"
}
run "unique devices, a real day" "$work"/real/*.gz
run "unique devices, 1 M lines" "$work"/large/*.gz
run "projectcounts, a day (24 files)" "$work"/projectcounts/*
run "geoeditors, a month at the cap" "$work"/geoeditors/*
run "mediacounts, a day of 1 M files" "$work"/mediacounts/*
