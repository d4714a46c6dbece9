#!/usr/bin/env bash
# HTTP benchmark: the real `restock serve` under wrk (POST /v1/checkout, unique order ids, random
# SKU, qty 1), then Debian's nginx answering `return 200` under the same wrk command, as the
# ceiling of this machine's loopback HTTP stack. Prints checkouts/s, p50, p99 and the
# restock/nginx ratio, and checks durability: every acknowledged checkout is in the stock figures
# and in the ledger.
#
#   bench/http_bench.sh [path/to/restock]
#
# Environment: DURATION (s, default 10), CONNECTIONS (64), THREADS (wrk threads, 1),
#   IO_THREADS ("1 2": restock --io-threads values to try), PRODUCTS (8), NGINX (/usr/sbin/nginx),
#   KEEP=1 keeps the temp dir, VERBOSE=1 prints wrk's own report.
# Exit status: non-zero if something is clearly broken (no throughput, lost or refused writes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
restock="${1:-$root/build/restock}"
duration="${DURATION:-10}"
connections="${CONNECTIONS:-64}"
wrk_threads="${THREADS:-1}"
io_threads_list="${IO_THREADS:-1 2}"
products="${PRODUCTS:-8}"
nginx_bin="${NGINX:-/usr/sbin/nginx}"
big_on_hand=1000000000   # the maximum the API accepts
other_on_hand=100000000

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "http_bench: $tool is not installed" >&2; exit 2; }
done
[[ -x "$restock" ]] || { echo "http_bench: no restock binary at $restock (build first)" >&2; exit 2; }

tmp="$(mktemp -d "${TMPDIR:-/tmp}/restock-http-bench.XXXXXX")"
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]+"${pids[@]}"}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]+"${pids[@]}"}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ "${KEEP:-0}" == 1 ]]; then echo "http_bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail=0
broken() { echo "  BROKEN: $*"; fail=1; }

# A loopback port nothing listens on (small race with other programs; fine for a benchmark).
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  echo "http_bench: no free port found" >&2
  return 1
}

# field NAME FILE: the value of NAME=... on the BENCH line wrk's done() printed.
field() { awk -v k="$1" '$1 == "BENCH" { for (i = 2; i <= NF; i++) if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } }' "$2"; }
ms() { awk -v us="$1" 'BEGIN { printf "%.2f ms", us / 1000 }'; }

run_wrk() {  # run_wrk URL OUT LABEL KEY SKUS
  wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency -s "$here/checkout.lua" \
    "$1" -- "$4" "$5" "$3" >"$2" 2>&1 || { cat "$2"; broken "wrk failed"; return 1; }
  if [[ "${VERBOSE:-0}" == 1 ]]; then sed 's/^/    | /' "$2"; fi
  grep -q '^BENCH ' "$2" || { cat "$2"; broken "wrk printed no figures"; return 1; }
}

# stop PID SIGNAL: signal a process this script started, wait for it, forget it.
stop() {
  local pid="$1" keep=() p
  kill "-$2" "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for p in "${pids[@]+"${pids[@]}"}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
  pids=("${keep[@]+"${keep[@]}"}")
}

# ---- restock ------------------------------------------------------------------------------------

declare -A r_rps r_p50 r_p99
bench_restock() {  # bench_restock IO_THREADS
  local io="$1" dir="$tmp/restock-io$1" log="$tmp/restock-io$1.log" out="$tmp/wrk-restock-io$1.txt"
  mkdir -p "$dir"
  local admin storefront
  admin="$("$restock" keys create --data-dir "$dir" --role admin --name bench-admin 2>/dev/null | tail -n1)"
  storefront="$("$restock" keys create --data-dir "$dir" --role storefront --name bench-storefront 2>/dev/null | tail -n1)"
  [[ -n "$admin" && -n "$storefront" ]] || { broken "cannot create keys"; return; }

  "$restock" serve --data-dir "$dir" --listen 127.0.0.1:0 --no-access-log --io-threads "$io" \
    >"$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local port=""
  for _ in $(seq 100); do
    port="$(sed -n 's/.*"msg":"listening","address":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$log" | head -n1)"
    [[ -n "$port" ]] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$port" ]] || { cat "$log"; broken "restock did not start"; return; }
  local url="http://127.0.0.1:$port"

  local skus=() i sku initial_total=0 on_hand
  for ((i = 0; i < products; i++)); do
    if ((i == 0)); then sku="BENCH-BIG"; on_hand=$big_on_hand; else sku="BENCH-$i"; on_hand=$other_on_hand; fi
    local status
    status="$(curl -s -o "$tmp/create.json" -w '%{http_code}' -X POST "$url/v1/products" \
      -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"sku\":\"$sku\",\"name\":\"bench $sku\",\"on_hand\":$on_hand,\"reorder_point\":10,\"reorder_qty\":100,\"factory_id\":\"factory-1\"}")"
    [[ "$status" == 201 ]] || { cat "$tmp/create.json"; broken "cannot create $sku ($status)"; return; }
    skus+=("$sku")
    initial_total=$((initial_total + on_hand))
  done
  local sku_list
  sku_list="$(IFS=,; echo "${skus[*]}")"

  run_wrk "$url" "$out" "io$io" "$storefront" "$sku_list" || return 0

  # The figures, as the API reports them, once the engine has answered everything wrk left in
  # flight when it stopped.
  now_total() {
    local total=0 s v
    for s in "${skus[@]}"; do
      v="$(curl -sf -H "Authorization: Bearer $admin" "$url/v1/products/$s" |
        sed -n 's/.*"on_hand":\([0-9]*\).*/\1/p' || true)"
      [[ -n "$v" ]] || { echo "-1"; return; }
      total=$((total + v))
    done
    echo "$total"
  }
  local before after
  after="$(now_total)"
  for _ in $(seq 20); do
    sleep 0.2
    before="$after"
    after="$(now_total)"
    [[ "$after" == "$before" ]] && break
  done
  local taken=$((initial_total - after))

  # Graceful stop (drains the engine), then the ledger straight from the file.
  stop "$pid" TERM
  local ledger="n/a"
  if command -v sqlite3 >/dev/null; then
    ledger="$(sqlite3 -readonly "$dir/restock.db" "SELECT count(*) FROM movements WHERE kind = 1")"
  fi

  local ok other sent rps p50 p99 secs
  ok="$(field ok "$out")"; other="$(field other "$out")"; sent="$(field sent "$out")"
  rps="$(field ok_rps "$out")"; p50="$(field p50_us "$out")"; p99="$(field p99_us "$out")"
  secs="$(field seconds "$out")"
  r_rps[$io]="$rps"; r_p50[$io]="$p50"; r_p99[$io]="$p99"

  printf '  restock --io-threads %s: %s checkouts/s (200s), p50 %s, p99 %s  [%s ok, %s non-200, %s sent in %ss]\n' \
    "$io" "${rps%.*}" "$(ms "$p50")" "$(ms "$p99")" "$ok" "$other" "$sent" "$secs"
  if [[ "$after" == -1 ]]; then broken "cannot read the products back"; return; fi
  local verdict=OK
  # wrk stops with up to CONNECTIONS requests in flight: those commit but are not counted as 200s.
  ((taken >= ok && taken <= sent)) || verdict=MISMATCH
  [[ "$ledger" == n/a || "$ledger" == "$taken" ]] || verdict=MISMATCH
  printf '    durability: %s acknowledged <= %s taken from on_hand (%s in flight at stop) <= %s sent; ledger %s checkout rows: %s\n' \
    "$ok" "$taken" "$((taken - ok))" "$sent" "$ledger" "$verdict"
  [[ "$verdict" == OK ]] || broken "acknowledged checkouts and stock/ledger disagree"
  if [[ "${other:-0}" != 0 ]]; then
    grep '^BENCH-FIRST-NON-200' "$out" | sed 's/^/    /' || true
    broken "$other checkouts were not answered 200"
  fi
  [[ "${ok:-0}" -gt 0 ]] || broken "zero throughput"
}

# ---- nginx --------------------------------------------------------------------------------------

n_rps="" n_p50="" n_p99=""
bench_nginx() {
  if [[ ! -x "$nginx_bin" ]]; then echo "  nginx: not found at $nginx_bin, skipped"; return; fi
  local dir="$tmp/nginx" port out="$tmp/wrk-nginx.txt"
  mkdir -p "$dir/logs" "$dir/temp"
  port="$(free_port)"
  cat >"$dir/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/temp/body;
  proxy_temp_path $dir/temp/proxy;
  server {
    listen 127.0.0.1:$port;
    location / { return 200 'ok'; }
  }
}
EOF
  "$nginx_bin" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local up=""
  for _ in $(seq 50); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/"; then up=1; break; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$up" ]] || { cat "$dir/logs/"*; broken "nginx did not start"; return; }

  run_wrk "http://127.0.0.1:$port" "$out" nginx "unused" "BENCH-BIG" || return 0
  stop "$pid" QUIT
  n_rps="$(field rps "$out")"; n_p50="$(field p50_us "$out")"; n_p99="$(field p99_us "$out")"
  local ok other
  ok="$(field ok "$out")"; other="$(field other "$out")"
  printf '  nginx (return 200, 1 worker): %s requests/s, p50 %s, p99 %s  [%s ok, %s non-200]\n' \
    "${n_rps%.*}" "$(ms "$n_p50")" "$(ms "$n_p99")" "$ok" "$other"
  [[ "${ok:-0}" -gt 0 ]] || broken "nginx: zero throughput"
}

# ---- run ----------------------------------------------------------------------------------------

echo "http_bench: wrk -t$wrk_threads -c$connections -d${duration}s --latency, $(nproc) CPUs," \
  "loopback, data in $tmp"
for io in $io_threads_list; do bench_restock "$io"; done
bench_nginx

echo
echo "summary: wrk -t$wrk_threads -c$connections -d${duration}s, POST /v1/checkout (1 line, qty 1, durable), $(nproc) CPUs shared by client and server"
for io in $io_threads_list; do
  [[ -n "${r_rps[$io]:-}" ]] || continue
  ratio="n/a"
  if [[ -n "$n_rps" ]]; then ratio="$(awk -v a="${r_rps[$io]}" -v b="$n_rps" 'BEGIN { printf "%.2f", a / b }')"; fi
  printf '  restock io-threads=%s: %8.0f checkouts/s  p50 %s  p99 %s  restock/nginx %s\n' \
    "$io" "${r_rps[$io]}" "$(ms "${r_p50[$io]}")" "$(ms "${r_p99[$io]}")" "$ratio"
done
if [[ -n "$n_rps" ]]; then
  printf '  nginx return 200:     %8.0f requests/s   p50 %s  p99 %s\n' \
    "$n_rps" "$(ms "$n_p50")" "$(ms "$n_p99")"
fi
exit "$fail"
