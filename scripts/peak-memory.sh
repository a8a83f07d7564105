#!/usr/bin/env bash
# Runs a command and samples its memory every 0.2 s from /proc: prints the peak resident set
# (VmHWM), the peak anonymous memory (RssAnon: the process's own heap, LMDB's dirty pages)
# and the peak file-backed memory (RssFile: pages of memory-mapped files, such as the store,
# which the kernel can drop at any time), then exits with the command's status.
#
#   scripts/peak-memory.sh [--limit-mb MB] aqs load --data /srv/aqs day/
#
# With --limit-mb the command runs in a memory cgroup of its own (v2, or v1's memory controller;
# needs root) limited to MB: everything it uses is charged there, page cache included, and the
# kernel reclaims the cache to stay under the limit or kills the command if its own memory
# does not fit. The cgroup's peak charge and its count of reclaims at the limit are printed too.
set -euo pipefail
limit_mb=
if [[ "${1:-}" == --limit-mb ]]; then
    limit_mb=$2
    shift 2
fi
cgroup=
if [[ -n "$limit_mb" ]]; then
    name="aqs-peak-memory-$$"
    if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
        cgroup=/sys/fs/cgroup/$name
        mkdir "$cgroup"
        echo $((limit_mb * 1024 * 1024)) > "$cgroup/memory.max"
    elif [[ -d /sys/fs/cgroup/memory ]]; then
        cgroup=/sys/fs/cgroup/memory/$name
        mkdir "$cgroup"
        echo $((limit_mb * 1024 * 1024)) > "$cgroup/memory.limit_in_bytes"
    else
        echo "peak-memory.sh: no memory cgroup to limit the command with" >&2
        exit 2
    fi
    trap 'rmdir "$cgroup" 2>/dev/null || true' EXIT
    # The child joins the cgroup before it becomes the command.
    bash -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cgroup" "$@" &
else
    "$@" &
fi
pid=$!
peak_anon=0
peak_file=0
peak_hwm=0
while kill -0 "$pid" 2>/dev/null; do
    if [[ -r /proc/$pid/status ]]; then
        anon=$(awk '/^RssAnon:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        file=$(awk '/^RssFile:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        [[ -n "$anon" && "$anon" -gt "$peak_anon" ]] && peak_anon=$anon
        [[ -n "$file" && "$file" -gt "$peak_file" ]] && peak_file=$file
        [[ -n "$hwm" && "$hwm" -gt "$peak_hwm" ]] && peak_hwm=$hwm
    fi
    sleep 0.2
done
status=0
wait "$pid" || status=$?
echo "peak memory: resident ${peak_hwm} kB (VmHWM), anonymous ${peak_anon} kB, file-backed ${peak_file} kB" >&2
if [[ -n "$cgroup" ]]; then
    if [[ -f "$cgroup/memory.peak" ]]; then
        peak=$(cat "$cgroup/memory.peak")
        reclaims=$(awk '/^max / {print $2}' "$cgroup/memory.events")
    else
        peak=$(cat "$cgroup/memory.max_usage_in_bytes")
        reclaims=$(cat "$cgroup/memory.failcnt")
    fi
    echo "cgroup limited to ${limit_mb} MB: peak charge $((peak / 1024)) kB (page cache included), ${reclaims} times at the limit" >&2
fi
exit "$status"
