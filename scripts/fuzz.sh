#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time (default 60 s each) with libFuzzer's memory
# limits: a panic, a crash, an allocation over 256 MB or an RSS over 2 GB fails the run.
#
#   scripts/fuzz.sh            # 60 s per target
#   scripts/fuzz.sh 600        # 10 minutes per target
#   scripts/fuzz.sh 30 lists   # one target
#
# Needs the nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`). Corpora are kept in
# fuzz/corpus/<target> (not committed); crashes land in fuzz/artifacts/<target>.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    mapfile -t targets < <(cargo +nightly fuzz list)
fi
failed=()
for target in "${targets[@]}"; do
    echo "== $target: ${seconds}s"
    if ! cargo +nightly fuzz run "$target" -- \
        -max_total_time="$seconds" -malloc_limit_mb=256 -rss_limit_mb=2048 -max_len=4096 \
        -print_final_stats=1 2>&1 | tee "/tmp/aqs-fuzz-$target.log" | grep -E "^(Done|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|thread)" ; then
        :
    fi
    if ! grep -q "^Done" "/tmp/aqs-fuzz-$target.log"; then
        failed+=("$target")
        tail -30 "/tmp/aqs-fuzz-$target.log"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
echo "all targets ran ${seconds}s without a finding"
