#!/usr/bin/env bash
# Runs a command and samples its memory every 0.2 s from /proc: prints the peak resident set
# (VmHWM), the peak anonymous memory (RssAnon: the process's own heap, LMDB's dirty pages)
# and the peak file-backed memory (RssFile: pages of memory-mapped files, such as the store,
# which the kernel can drop at any time), then exits with the command's status.
#
#   scripts/peak-memory.sh aqs load --data /srv/aqs day/
set -euo pipefail
"$@" &
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
exit "$status"
