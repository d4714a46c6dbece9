#!/usr/bin/env bash
# Benchmarks: builds Release (into ./build-release, so it never disturbs ./build) if needed, runs
# the engine benchmark (StockEngine over SQLite vs the bare SQLite ceiling) and the HTTP benchmark
# (restock serve under wrk vs nginx), and prints a summary block for the README. The full output
# also goes to bench/out/bench-<timestamp>.txt.
#
# Environment: BUILD_DIR (build-release), ENGINE_ARGS (--producers 2,4), DURATION (10 s per wrk
#   run), ROUNDS (3 alternating restock/nginx rounds), IO_THREADS ("1 2"), plus what bench/http_bench.sh reads. SKIP_BUILD=1 uses BUILD_DIR as is.
# Exit status: non-zero if a benchmark found something clearly broken.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${BUILD_DIR:-build-release}"
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  if ! grep -qs '^CMAKE_BUILD_TYPE:STRING=Release$' "$build/CMakeCache.txt" ||
     ! grep -qs '^RESTOCK_BENCH:BOOL=ON$' "$build/CMakeCache.txt"; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRESTOCK_BENCH=ON \
      -DRESTOCK_TESTS=OFF >/dev/null
  fi
  cmake --build "$build" --target restock restock_engine_bench
fi

mkdir -p bench/out
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
log="bench/out/bench-$stamp.txt"
engine_out="$(mktemp)"
http_out="$(mktemp)"
summary_out="$(mktemp)"
trap 'rm -f "$engine_out" "$http_out" "$summary_out"' EXIT

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
status=0
echo "== load average before: $load_before (the benchmarks need the machine to themselves)"
echo "== engine: $build/bench/restock_engine_bench ${ENGINE_ARGS:---producers 2,4}"
# shellcheck disable=SC2086 # ENGINE_ARGS is a list of flags
"$build/bench/restock_engine_bench" ${ENGINE_ARGS:---producers 2,4} | tee "$engine_out" || status=1
echo
echo "== http: bench/http_bench.sh $build/restock"
bench/http_bench.sh "$build/restock" | tee "$http_out" || status=1

engine_field() { awk -v k="$1" '$1 == "BENCH" { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$engine_out"; }
cpu="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git status --porcelain -- src 2>/dev/null | head -n1)"
{
  echo
  echo "---- summary (paste into the README) ----"
  echo "Benchmarks: scripts/bench.sh, $(date -u +%Y-%m-%d), commit $commit${dirty:+ + uncommitted src changes}"
  echo "Machine: $(nproc) x ${cpu:-unknown CPU}, $(engine_field fs) (fdatasync $(engine_field fsync_us) us), SQLite $(sqlite3 --version 2>/dev/null | cut -d' ' -f1), load average before/after $load_before / $(cut -d' ' -f1-3 /proc/loadavg)"
  if [[ -n "$(engine_field engine_mps)" ]]; then
    awk -v e="$(engine_field engine_mps)" -v b="$(engine_field bare_mps)" \
        -v batch="$(engine_field avg_batch)" \
        -v bb="$(engine_field bare_batch)" -v p="$(engine_field producers)" 'BEGIN {
      printf "Engine (StockEngine + SQLite WAL, group commit, each batch fdatasync-ed before its acks):\n"
      printf "  %9.0f checkout movements/s, %d producers, avg batch %.1f\n", e, p, batch
      printf "  bare SQLite, same schema, batch %4d: %9.0f/s  -> engine %.2f x bare\n", bb, b, e / b
      printf "  goals: >= 500000/s %s; >= 0.5 x bare %s\n", (e >= 500000 ? "yes" : "no"), (e >= 0.5 * b ? "yes" : "no")
    }'
  fi
  echo "HTTP (wrk and server on the same machine):"
  sed -n '/^summary: /,$p' "$http_out" | sed '1s/^summary: /  /'
  echo "-----------------------------------------"
} | tee "$summary_out"
cat "$engine_out" "$http_out" "$summary_out" >"$log"
echo "(full output: $log)"
exit "$status"
