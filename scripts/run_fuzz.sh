#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in build-fuzz/ and runs each one for FUZZ_SECONDS
# (default 20), starting from the seed corpus in fuzz/corpus/<target>/. Exits non-zero if any
# target finds a crash, a leak, a sanitizer report or a timeout; the input that did it is kept
# in build-fuzz/fuzz-artifacts/<target>/.
#
#   FUZZ_SECONDS=60 scripts/run_fuzz.sh            # longer runs
#   FUZZ_TARGETS=fuzz_json scripts/run_fuzz.sh     # one target
set -euo pipefail

cd "$(dirname "$0")/.."
readonly seconds="${FUZZ_SECONDS:-20}"
readonly build_dir="${FUZZ_BUILD_DIR:-build-fuzz}"
read -r -a targets <<<"${FUZZ_TARGETS:-fuzz_json fuzz_request_mapping}"

cmake -S . -B "$build_dir" -G Ninja \
    -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DRESTOCK_FUZZ=ON -DRESTOCK_TESTS=OFF -DRESTOCK_BENCH=OFF >/dev/null
# Only the fuzz targets: the rest of the project does not need to build with clang here.
cmake --build "$build_dir" --target "${targets[@]}"

failed=()
for target in "${targets[@]}"; do
    seeds="fuzz/corpus/$target"
    work="$build_dir/fuzz-corpus/$target"         # new inputs land here, not in the repo
    artifacts="$build_dir/fuzz-artifacts/$target/"
    mkdir -p "$work" "$artifacts"
    echo "== $target: ${seconds}s from $seeds"
    if ! "$build_dir/fuzz/$target" "$work" "$seeds" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
        -dict=fuzz/json.dict -artifact_prefix="$artifacts" -print_final_stats=1 \
        >"$build_dir/$target.log" 2>&1; then
        tail -n 40 "$build_dir/$target.log"
        echo "!! $target failed; reproduce with: $build_dir/fuzz/$target $artifacts<file>"
        failed+=("$target")
    else
        grep -E '^stat::(number_of_executed_units|new_units_added)|^Done' "$build_dir/$target.log" || true
    fi
done

if ((${#failed[@]})); then
    echo "FUZZ FAILED: ${failed[*]}"
    exit 1
fi
echo "fuzz: all targets ran ${seconds}s without a finding"
