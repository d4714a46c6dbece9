#!/bin/sh
# The speed of `restock simulate` on the issue's trace: 1,000,000 demand rows over 15,000 SKUs
# and 1,500 days (gen_trace.py --pattern mix; about 1.0M rows at --rate 0.047), lead time 7
# days with sd 2, every product in mode fixed (reorder point 2, quantity 6), in mode auto
# (fill_rate 0.95, starting from the same settings), or both one after the other. Prints, per
# mode, the rows, the wall time, the CPU time (user + system, all threads) and rows per second.
#   bench/simulate/speed_bench.sh [--mode fixed|auto|both] [BINARY (build-release/restock)]
#                                 [WORKDIR (a temp dir)]
#   (or SPEED_BENCH_MODE=fixed|auto|both; the default is both)
set -eu
mode=${SPEED_BENCH_MODE:-both}
case "${1:-}" in
--mode) mode=$2; shift 2 ;;
--mode=*) mode=${1#--mode=}; shift ;;
esac
case "$mode" in
fixed | auto | both) ;;
*) echo "speed_bench.sh: --mode must be fixed, auto or both, not '$mode'" >&2; exit 2 ;;
esac
binary=${1:-build-release/restock}
here=$(dirname "$0")
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/restock-speed-XXXXXX")}
trap 'rm -rf "$work"' EXIT
python3 "$here/gen_trace.py" --pattern mix --skus 15000 --days 1500 --rate 0.047 --seed 1 \
    --demand "$work/demand.csv" --products "$work/products-fixed.csv" --reorder-point 2 \
    --reorder-qty 6
# The same products in mode auto: `sku,fixed,2,6,` becomes `sku,auto,2,6,0.95`.
sed '2,$ s/,fixed,\([0-9]*\),\([0-9]*\),$/,auto,\1,\2,0.95/' "$work/products-fixed.csv" \
    > "$work/products-auto.csv"
rows=$(($(wc -l < "$work/demand.csv") - 1))
if [ "$mode" = both ]; then modes="fixed auto"; else modes=$mode; fi
for m in $modes; do
    python3 - "$binary" "$work" "$m" "$rows" <<'PY'
import json, os, resource, subprocess, sys, time
binary, work, mode, rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
start = time.monotonic()
with open(os.path.join(work, "result-%s.json" % mode), "w") as out:
    subprocess.run([binary, "simulate", "--demand", os.path.join(work, "demand.csv"),
                    "--products", os.path.join(work, "products-%s.csv" % mode),
                    "--lead-time-days", "7", "--lead-time-sd", "2", "--seed", "1", "--json"],
                   stdout=out, check=True)
wall = time.monotonic() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = usage.ru_utime + usage.ru_stime
total = json.load(open(os.path.join(work, "result-%s.json" % mode)))["total"]
print("simulate (%s): %d rows, 15000 SKUs, 1500 days in %.1f s wall, %.1f s CPU "
      "(%.0f rows/s); %d orders, fill %.4f"
      % (mode, rows, wall, cpu, rows / wall, total["orders"], total["fill_rate"]))
PY
done
