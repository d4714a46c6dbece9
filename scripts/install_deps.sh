#!/usr/bin/env bash
# Installs the Debian 12 packages Restock needs that are missing. Idempotent; needs root.
#   scripts/install_deps.sh build   # to build and run
#   scripts/install_deps.sh test    # also what the tests, fuzzing and benchmarks use
set -euo pipefail

build_packages=(cmake ninja-build g++ pkg-config libboost1.81-dev libsqlite3-dev libssl-dev libcurl4-openssl-dev
  libgoogle-perftools-dev libpq-dev)
# postgresql-15: the tests start throwaway clusters of their own (tests/blackbox/pg_cluster.py).
# python3-jsonschema: test_openapi checks answers against docs/openapi.json (draft 2020-12).
# chromium: the browser tests (tests/browser) drive Debian's Chromium with npm's playwright-core.
# python3-numpy: bench/simulate/bound_bench.py (the least stock of any policy).
test_packages=(libgtest-dev python3 python3-aiosmtpd python3-jsonschema clang libclang-rt-14-dev wrk
  nginx-light curl postgresql-15 postgresql-client-15 procps util-linux chromium python3-numpy)

wanted=("${build_packages[@]}")
# Node.js and npm build the dashboard (web/, embedded in the binary) and run the OpenAPI validator
# (tests/openapi) and the browser tests (tests/browser). A machine that has both already (another
# distribution of Node.js) keeps them: Debian's npm would conflict with it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  wanted+=(nodejs npm)
fi
if [[ "${1:-build}" == "test" ]]; then
  wanted+=("${test_packages[@]}")
fi

missing=()
for package in "${wanted[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install_deps: all ${#wanted[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
if [[ $(id -u) -ne 0 ]]; then
  echo "install_deps: run as root (or install these by hand): ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
