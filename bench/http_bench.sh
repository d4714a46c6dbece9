#!/usr/bin/env bash
# HTTP benchmark: the real `restock serve` under wrk (POST /v1/checkout, unique order ids, random
# SKU, qty 1), and Debian's nginx answering `return 200` under the same wrk command, as the
# ceiling of this machine's loopback HTTP stack. Prints checkouts/s, p50, p99 and the
# restock/nginx ratio, and checks durability: every acknowledged checkout is in the stock figures
# and in the ledger.
#
# The two run in alternating rounds (restock, nginx, restock, nginx, ...) against servers that
# stay up, and the ratio is taken within each round: on a shared VM whose speed drifts by tens
# of percent from one minute to the next, a restock run and an nginx run a minute apart compare
# the machine's phases more than the servers. The summary gives every round, the median ratio
# and the pooled one (all checkouts / all nginx requests).
#
#   bench/http_bench.sh [path/to/restock]
#
# Environment: DURATION (s per run, default 10), ROUNDS (3), CONNECTIONS (64), THREADS (wrk
#   threads, 1), IO_THREADS ("1 2": restock --io-threads values to try), PRODUCTS (8),
#   NGINX (/usr/sbin/nginx), KEEP=1 keeps the temp dir, VERBOSE=1 prints wrk's own reports.
# Exit status: non-zero if something is clearly broken (no throughput, lost or refused writes).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
restock="${1:-$root/build/restock}"
duration="${DURATION:-10}"
rounds="${ROUNDS:-3}"
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

# Per io-threads value: the server's URL, pid, data dir, keys, SKUs and stock at start, and the
# sums over its rounds.
declare -A r_url r_pid r_dir r_admin r_storefront r_skus r_initial r_ok r_sent r_other
start_restock() {  # start_restock IO_THREADS
  local io="$1" dir="$tmp/restock-io$1" log="$tmp/restock-io$1.log"
  mkdir -p "$dir"
  local admin storefront
  admin="$("$restock" keys create --data-dir "$dir" --role admin --name bench-admin 2>/dev/null | tail -n1)"
  storefront="$("$restock" keys create --data-dir "$dir" --role storefront --name bench-storefront 2>/dev/null | tail -n1)"
  [[ -n "$admin" && -n "$storefront" ]] || { broken "cannot create keys"; return 1; }

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
  [[ -n "$port" ]] || { cat "$log"; broken "restock did not start"; return 1; }
  local url="http://127.0.0.1:$port"

  local skus=() i sku initial_total=0 on_hand status
  # Every product names a registered factory (never called here: nothing goes low).
  status="$(curl -s -o "$tmp/factory.json" -w '%{http_code}' -X POST "$url/v1/factories" \
    -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"id":"factory-1","url":"http://127.0.0.1:9"}')"
  [[ "$status" == 201 || "$status" == 200 ]] ||
    { cat "$tmp/factory.json"; broken "cannot register factory-1 ($status)"; return 1; }
  for ((i = 0; i < products; i++)); do
    if ((i == 0)); then sku="BENCH-BIG"; on_hand=$big_on_hand; else sku="BENCH-$i"; on_hand=$other_on_hand; fi
    status="$(curl -s -o "$tmp/create.json" -w '%{http_code}' -X POST "$url/v1/products" \
      -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
      -d "{\"sku\":\"$sku\",\"name\":\"bench $sku\",\"on_hand\":$on_hand,\"reorder_point\":10,\"reorder_qty\":100,\"factory_id\":\"factory-1\"}")"
    [[ "$status" == 201 ]] || { cat "$tmp/create.json"; broken "cannot create $sku ($status)"; return 1; }
    skus+=("$sku")
    initial_total=$((initial_total + on_hand))
  done
  r_url[$io]="$url"; r_pid[$io]="$pid"; r_dir[$io]="$dir"; r_admin[$io]="$admin"
  r_storefront[$io]="$storefront"; r_skus[$io]="$(IFS=,; echo "${skus[*]}")"
  r_initial[$io]="$initial_total"; r_ok[$io]=0; r_sent[$io]=0; r_other[$io]=0
}

declare -A round_rps round_p50 round_p99  # key "io,round"; io "nginx" for nginx
run_restock() {  # run_restock IO_THREADS ROUND
  local io="$1" round="$2" out="$tmp/wrk-restock-io$1-round$2.txt"
  [[ -n "${r_url[$io]:-}" ]] || return 0
  run_wrk "${r_url[$io]}" "$out" "io$io-r$round" "${r_storefront[$io]}" "${r_skus[$io]}" || return 0
  local ok other sent
  ok="$(field ok "$out")"; other="$(field other "$out")"; sent="$(field sent "$out")"
  round_rps[$io,$round]="$(field ok_rps "$out")"
  round_p50[$io,$round]="$(field p50_us "$out")"; round_p99[$io,$round]="$(field p99_us "$out")"
  r_ok[$io]=$((r_ok[$io] + ok)); r_sent[$io]=$((r_sent[$io] + sent))
  r_other[$io]=$((r_other[$io] + other))
  printf '  round %s  restock --io-threads %s: %s checkouts/s (200s), p50 %s, p99 %s  [%s ok, %s non-200, %s sent]\n' \
    "$round" "$io" "${round_rps[$io,$round]%.*}" "$(ms "${round_p50[$io,$round]}")" \
    "$(ms "${round_p99[$io,$round]}")" "$ok" "$other" "$sent"
  if [[ "$other" != 0 ]]; then
    grep '^BENCH-FIRST-NON-200' "$out" | sed 's/^/    /' || true
    broken "$other checkouts were not answered 200"
  fi
  [[ "$ok" -gt 0 ]] || broken "zero throughput"
}

finish_restock() {  # finish_restock IO_THREADS: the durability check over all its rounds
  local io="$1"
  [[ -n "${r_url[$io]:-}" ]] || return 0
  local url="${r_url[$io]}" admin="${r_admin[$io]}" skus
  IFS=, read -r -a skus <<<"${r_skus[$io]}"
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
  local taken=$((r_initial[$io] - after)) ok="${r_ok[$io]}" sent="${r_sent[$io]}"

  # Graceful stop (drains the engine), then the ledger straight from the file.
  stop "${r_pid[$io]}" TERM
  local ledger="n/a"
  if command -v sqlite3 >/dev/null; then
    ledger="$(sqlite3 -readonly "${r_dir[$io]}/restock.db" "SELECT count(*) FROM movements WHERE kind = 1")"
  fi
  if [[ "$after" == -1 ]]; then broken "cannot read the products back"; return; fi
  local verdict=OK
  # wrk stops each run with up to CONNECTIONS requests in flight: those commit but are not
  # counted as 200s.
  ((taken >= ok && taken <= sent)) || verdict=MISMATCH
  [[ "$ledger" == n/a || "$ledger" == "$taken" ]] || verdict=MISMATCH
  printf '  restock --io-threads %s, durability over %s rounds: %s acknowledged <= %s taken from on_hand (%s in flight at the ends of runs) <= %s sent; ledger %s checkout rows: %s\n' \
    "$io" "$rounds" "$ok" "$taken" "$((taken - ok))" "$sent" "$ledger" "$verdict"
  [[ "$verdict" == OK ]] || broken "acknowledged checkouts and stock/ledger disagree"
}

# ---- nginx --------------------------------------------------------------------------------------

n_url="" n_pid=""
start_nginx() {
  if [[ ! -x "$nginx_bin" ]]; then echo "  nginx: not found at $nginx_bin, skipped"; return; fi
  local dir="$tmp/nginx" port
  mkdir -p "$dir/logs" "$dir/temp"
  port="$(free_port)"
  cat >"$dir/nginx.conf" <<CONF
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
CONF
  "$nginx_bin" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" >"$dir/logs/stdout.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 50); do
    if curl -sf -o /dev/null "http://127.0.0.1:$port/"; then
      n_url="http://127.0.0.1:$port"; n_pid="$pid"
      return
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/logs/"*
  broken "nginx did not start"
}

run_nginx() {  # run_nginx ROUND
  local round="$1" out="$tmp/wrk-nginx-round$1.txt"
  [[ -n "$n_url" ]] || return 0
  run_wrk "$n_url" "$out" "nginx-r$round" "unused" "BENCH-BIG" || return 0
  round_rps[nginx,$round]="$(field rps "$out")"
  round_p50[nginx,$round]="$(field p50_us "$out")"; round_p99[nginx,$round]="$(field p99_us "$out")"
  printf '  round %s  nginx (return 200, 1 worker): %s requests/s, p50 %s, p99 %s  [%s ok, %s non-200]\n' \
    "$round" "${round_rps[nginx,$round]%.*}" "$(ms "${round_p50[nginx,$round]}")" \
    "$(ms "${round_p99[nginx,$round]}")" "$(field ok "$out")" "$(field other "$out")"
  [[ "$(field ok "$out")" -gt 0 ]] || broken "nginx: zero throughput"
}

# ---- run ----------------------------------------------------------------------------------------

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "http_bench: wrk -t$wrk_threads -c$connections -d${duration}s --latency, $rounds rounds," \
  "$(nproc) CPUs, loopback, data in $tmp"
for io in $io_threads_list; do start_restock "$io" || true; done
start_nginx
for ((round = 1; round <= rounds; round++)); do
  for io in $io_threads_list; do run_restock "$io" "$round"; done
  run_nginx "$round"
done
for io in $io_threads_list; do finish_restock "$io"; done
[[ -z "$n_pid" ]] || stop "$n_pid" QUIT

echo
echo "summary: wrk -t$wrk_threads -c$connections -d${duration}s x $rounds rounds, POST /v1/checkout (1 line, qty 1, durable), $(nproc) CPUs shared by client and server"
for io in $io_threads_list; do
  [[ -n "${round_rps[$io,1]:-}" ]] || continue
  ratios=() rps_all=() p50_all=() p99_all=() sum_r=0 sum_n=0
  for ((round = 1; round <= rounds; round++)); do
    r="${round_rps[$io,$round]:-}"; n="${round_rps[nginx,$round]:-}"
    [[ -n "$r" ]] || continue
    rps_all+=("$r"); p50_all+=("${round_p50[$io,$round]}"); p99_all+=("${round_p99[$io,$round]}")
    if [[ -n "$n" ]]; then
      ratios+=("$(awk -v a="$r" -v b="$n" 'BEGIN { printf "%.2f", a / b }')")
      sum_r="$(awk -v a="$sum_r" -v b="$r" 'BEGIN { print a + b }')"
      sum_n="$(awk -v a="$sum_n" -v b="$n" 'BEGIN { print a + b }')"
    fi
  done
  pooled="n/a"
  [[ "$sum_n" == 0 ]] || pooled="$(awk -v a="$sum_r" -v b="$sum_n" 'BEGIN { printf "%.2f", a / b }')"
  printf '  restock io-threads=%s: %8.0f checkouts/s (median)  p50 %s  p99 %s (worst round)  restock/nginx per round: %s  median %s  pooled %s\n' \
    "$io" "$(printf '%s\n' "${rps_all[@]}" | median)" "$(ms "$(printf '%s\n' "${p50_all[@]}" | median)")" \
    "$(ms "$(printf '%s\n' "${p99_all[@]}" | sort -g | tail -n1)")" "${ratios[*]:-n/a}" \
    "$(printf '%s\n' "${ratios[@]}" | median | awk '{ printf ($1 == "n/a" ? "%s" : "%.2f"), $1 }')" "$pooled"
done
if [[ -n "${round_rps[nginx,1]:-}" ]]; then
  n_all=()
  for ((round = 1; round <= rounds; round++)); do n_all+=("${round_rps[nginx,$round]:-}"); done
  printf '  nginx return 200:        %8.0f requests/s (median of %s)\n' \
    "$(printf '%s\n' "${n_all[@]}" | grep . | median)" "$(printf '%s ' "${n_all[@]}" | sed 's/\.[0-9]*//g; s/ $//')"
fi
exit "$fail"
