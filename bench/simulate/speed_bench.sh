#!/bin/sh
# The speed of `restock simulate` on the issue's trace: 1,000,000 demand rows over 15,000 SKUs
# and 1,500 days (gen_trace.py --pattern mix; about 1.0M rows at --rate 0.047), fixed policy,
# lead time 7 days with sd 2. Prints the rows, the wall time and rows per second.
#   bench/simulate/speed_bench.sh [BINARY (build-release/restock)] [WORKDIR (a temp dir)]
set -eu
binary=${1:-build-release/restock}
here=$(dirname "$0")
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/restock-speed-XXXXXX")}
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_trace.py" --pattern mix --skus 15000 --days 1500 --rate 0.047 --seed 1 \
    --demand "$work/demand.csv" --products "$work/products.csv" --reorder-point 2 --reorder-qty 6
rows=$(($(wc -l < "$work/demand.csv") - 1))
start=$(date +%s.%N)
"$binary" simulate --demand "$work/demand.csv" --products "$work/products.csv" \
    --lead-time-days 7 --lead-time-sd 2 --seed 1 --json > "$work/result.json"
end=$(date +%s.%N)
python3 - "$rows" "$start" "$end" "$work/result.json" <<'PY'
import json, sys
rows, start, end = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
total = json.load(open(sys.argv[4]))["total"]
s = end - start
print("simulate: %d rows, 15000 SKUs, 1500 days in %.1f s (%.0f rows/s); %d orders, fill %.4f"
      % (rows, s, rows / s, total["orders"], total["fill_rate"]))
PY
